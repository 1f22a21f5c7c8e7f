"""Tables of telemetry (none yet)."""
