"""Access matrix entries for console pages of its own (see atd.testing.access)."""

from __future__ import annotations

from atd.testing.access import CASE_ROLES, Rule

OBJECTS: dict = {}  # participant_id comes from people's matrix

ENDPOINTS = {
    "GET /participants/<participant_id>/track.json": Rule(roles=CASE_ROLES),
}
