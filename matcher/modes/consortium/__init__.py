"""Consortium mode: a theme becomes role slots filled by a team."""
