"""Participants, aliases, addresses, offices, officers, cases and intake."""
