"""Tables of reviews (none yet)."""
