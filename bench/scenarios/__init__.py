"""The scenarios of issue 6, one module per kind of measurement."""
