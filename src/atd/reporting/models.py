"""Tables of reporting (none yet)."""
