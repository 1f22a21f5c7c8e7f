"""Tables of scheduling (none yet)."""
