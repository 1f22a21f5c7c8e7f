"""Tables of alerts (none yet)."""
