"""Ranking stage: features, a scorer, diversification and explanations as data."""
