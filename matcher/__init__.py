"""Musubi: matchmaking for regional innovation (地方創生2.0)."""
