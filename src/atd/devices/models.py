"""Tables of devices (none yet)."""
