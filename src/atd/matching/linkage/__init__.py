"""Probabilistic record linkage of booking records to participants and aliases (Splink)."""
