"""Access matrix entries for telemetry (see atd.testing.access)."""

from __future__ import annotations

from atd.core import clock
from atd.telemetry.models import DeadLetter
from atd.testing.access import CASE_ROLES, Rule
from atd.testing.world import World


def dead_letter_ids(world: World, role: str) -> tuple[int | None, int]:
    letter = DeadLetter.objects.create(
        received_at=clock.now(),
        via="http",
        device_serial="NO-SUCH",
        reason="unknown_device",
        payload={"device": "NO-SUCH", "time": clock.now().isoformat(), "lat": 1, "lon": 1},
    )
    return (letter.pk if role == "admin" else None), 999_999_999


OBJECTS = {"dead_letter_id": dead_letter_ids}

ENDPOINTS = {
    "POST /api/telemetry/dead-letters/{dead_letter_id}/replay": Rule(
        roles=frozenset({"admin"}), scoped=False
    ),
    "GET /api/telemetry/participants/{participant_id}/track": Rule(
        roles=CASE_ROLES | {"participant"}
    ),
}
