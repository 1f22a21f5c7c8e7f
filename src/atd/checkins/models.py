"""Tables of checkins (none yet)."""
