"""Tables of court (none yet)."""
