"""Tables of console (none yet)."""
