"""Tables of portal (none yet)."""
