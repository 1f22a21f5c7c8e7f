"""Access matrix entries for people, cases and intake (see atd.testing.access)."""

from __future__ import annotations

from typing import Any

from atd.core import clock
from atd.people.models import Address, IntakeBatch
from atd.testing.access import CASE_ROLES, SUPERVISION_ROLES, Rule, case_ids, participant_ids
from atd.testing.world import World


def intake_batch_ids(world: World, role: str) -> tuple[int | None, int]:
    batch = IntakeBatch.objects.create(
        source="cli", content_sha256="0" * 64, received_at=clock.now(), actor_label="test"
    )
    inside = batch.pk if role in {"records_analyst", "supervisor", "admin"} else None
    return inside, 999_999_999


def address_ids(world: World, role: str) -> tuple[int | None, int]:
    inside_participant, _ = participant_ids(world, role)
    outside = Address.objects.get(participant=world.participants["office_b"], is_current=True).pk
    if inside_participant is None:
        return None, outside
    return Address.objects.get(participant_id=inside_participant, is_current=True).pk, outside


def _reassign_body(world: World) -> dict[str, Any]:
    return {"officer_id": world.users["case_officer"].pk, "reason": "balancing caseloads"}


OBJECTS = {
    "participant_id": participant_ids,
    "case_id": case_ids,
    "batch_id": intake_batch_ids,
    "address_id": address_ids,
}

ENDPOINTS = {
    "GET /api/people/participants/{participant_id}": Rule(roles=CASE_ROLES | {"participant"}),
    "POST /api/people/participants/{participant_id}/addresses": Rule(
        roles=CASE_ROLES | {"participant"},
        body={
            "line1": "40 Oak Ave",
            "unit": "2B",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62704",
            "reason": "moved",
        },
    ),
    "POST /api/people/participants/{participant_id}/addresses/{address_id}/verification": Rule(
        roles=CASE_ROLES, body={"verification": "verified", "reason": "home visit"}
    ),
    "POST /api/people/participants/{participant_id}/enrollment-code": Rule(roles=CASE_ROLES),
    "GET /api/people/cases/{case_id}": Rule(roles=CASE_ROLES | {"participant"}),
    "POST /api/people/cases/{case_id}/status": Rule(
        roles=CASE_ROLES,
        body={
            "to_status": "closed",
            "closure_reason": "relief_granted",
            "reason": "court granted relief",
        },
    ),
    "POST /api/people/cases/{case_id}/assignment": Rule(
        roles=SUPERVISION_ROLES, body=_reassign_body
    ),
    "GET /api/intake/batches/{batch_id}": Rule(
        roles=frozenset({"records_analyst", "supervisor", "admin"}), scoped=False
    ),
    "GET /participants/<participant_id>/": Rule(roles=CASE_ROLES),
    "POST /cases/<case_id>/status/": Rule(
        roles=CASE_ROLES,
        body={"to_status": "active", "reason": "first report made"},
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
    "POST /cases/<case_id>/assignment/": Rule(
        roles=SUPERVISION_ROLES,
        body=_reassign_body,
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
    "GET /intake/<batch_id>/": Rule(
        roles=frozenset({"records_analyst", "supervisor", "admin"}), scoped=False
    ),
}
