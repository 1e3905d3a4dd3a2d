"""Retrieval stage: the catalogue in memory, dense and BM25 candidates, the Matcher."""
