"""Check-in windows, remote and in-person check-ins, verification, missed check-ins."""
