"""The knowledge base: articles, many written from solved cases (principle 10)."""
