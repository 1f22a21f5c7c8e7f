"""Tables of matching (none yet)."""
