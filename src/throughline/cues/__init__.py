"""Cues that help a rep treat people well: how frustrated a customer seems (principle 11)."""
