"""Evaluation: labelled queries, metrics and the baselines beside Musubi."""
