"""Tables of supervision (none yet)."""
