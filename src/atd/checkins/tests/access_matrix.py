"""Access matrix entries for checkins (see atd.testing.access)."""

from __future__ import annotations

import uuid

from atd.checkins.models import (
    Checkin,
    CheckinPhoto,
    EnrolmentPhoto,
    IdentityFollowUp,
    IdentityReview,
    LadderMiss,
    LadderTask,
)
from atd.core import clock
from atd.testing.access import CASE_ROLES, Rule, participant_ids
from atd.testing.world import World

PNG = bytes.fromhex("89504e470d0a1a0a")


def _checkin(participant_id: int) -> int:
    now = clock.now()
    c = Checkin.objects.create(
        participant_id=participant_id,
        kind="remote",
        status="completed",
        idempotency_key=uuid.uuid4().hex,
        receipt_code=f"CK-{uuid.uuid4().hex[:8].upper()}",
        captured_at=now,
        received_at=now,
        location_status="verified",
        latitude=41.0,
        longitude=-87.0,
        accuracy_m=10,
        fix_at=now,
    )
    CheckinPhoto.objects.create(
        checkin=c, content_type="image/png", size_bytes=8, sha256="0" * 64, data=PNG, created_at=now
    )
    return c.pk


def checkin_ids(world: World, role: str) -> tuple[int | None, int]:
    inside_participant, outside_participant = participant_ids(world, role)
    inside = _checkin(inside_participant) if inside_participant is not None else None
    return inside, _checkin(outside_participant)


def _miss(participant_id: int) -> LadderMiss:
    now = clock.now()
    return LadderMiss.objects.create(
        participant_id=participant_id,
        ref=f"window:matrix-{uuid.uuid4().hex[:12]}",
        source="window",
        occurred_at=now,
        status="counted",
        rung=2,
        created_at=now,
    )


def miss_ids(world: World, role: str) -> tuple[int | None, int]:
    inside_participant, outside_participant = participant_ids(world, role)
    inside = _miss(inside_participant).pk if inside_participant is not None else None
    return inside, _miss(outside_participant).pk


def _task(participant_id: int) -> int:
    return LadderTask.objects.create(
        participant_id=participant_id,
        miss=_miss(participant_id),
        kind="call",
        created_at=clock.now(),
    ).pk


def task_ids(world: World, role: str) -> tuple[int | None, int]:
    inside_participant, outside_participant = participant_ids(world, role)
    inside = _task(inside_participant) if inside_participant is not None else None
    return inside, _task(outside_participant)


def _enrolment_photo(participant_id: int) -> int:
    return EnrolmentPhoto.objects.create(
        participant_id=participant_id,
        source="intake",
        content_type="image/png",
        size_bytes=8,
        sha256="0" * 64,
        width=1,
        height=1,
        data=PNG,
        taken_at=clock.now(),
    ).pk


def enrolment_photo_ids(world: World, role: str) -> tuple[int | None, int]:
    inside_participant, outside_participant = participant_ids(world, role)
    inside = _enrolment_photo(inside_participant) if inside_participant is not None else None
    return inside, _enrolment_photo(outside_participant)


def _follow_up(participant_id: int) -> int:
    checkin_id = _checkin(participant_id)
    review = IdentityReview.objects.create(
        checkin_id=checkin_id,
        participant_id=participant_id,
        verdict="unclear",
        reviewed_at=clock.now(),
        note="too dark",
    )
    return IdentityFollowUp.objects.create(
        review=review, participant_id=participant_id, created_at=clock.now()
    ).pk


def identity_follow_up_ids(world: World, role: str) -> tuple[int | None, int]:
    inside_participant, outside_participant = participant_ids(world, role)
    inside = _follow_up(inside_participant) if inside_participant is not None else None
    return inside, _follow_up(outside_participant)


OBJECTS = {
    "checkin_id": checkin_ids,
    "enrolment_photo_id": enrolment_photo_ids,
    "identity_follow_up_id": identity_follow_up_ids,
    "miss_id": miss_ids,
    "ladder_task_id": task_ids,
}

ENDPOINTS = {
    "GET /api/checkins/participants/{participant_id}/windows": Rule(
        roles=CASE_ROLES | {"participant"}
    ),
    "GET /api/checkins/participants/{participant_id}/checkins": Rule(
        roles=CASE_ROLES | {"participant"}
    ),
    "GET /api/checkins/checkins/{checkin_id}": Rule(roles=CASE_ROLES | {"participant"}),
    "POST /api/checkins/participants/{participant_id}/in-person": Rule(
        roles=CASE_ROLES, body={"idempotency_key": "matrix-in-person-1", "note": "at the desk"}
    ),
    "GET /checkins/participants/<participant_id>/in-person/": Rule(roles=CASE_ROLES),
    "GET /checkins/checkins/<checkin_id>/photo/": Rule(roles=CASE_ROLES),
    "POST /checkins/participants/<participant_id>/ladder/misses/<miss_id>/technical/": Rule(
        roles=CASE_ROLES,
        body={"note": "the phone's location service failed"},
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
    "POST /checkins/participants/<participant_id>/ladder/tasks/<ladder_task_id>/done/": Rule(
        roles=CASE_ROLES,
        body={"note": "called"},
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
    "GET /checkins/participants/<participant_id>/enrolment-photo/": Rule(roles=CASE_ROLES),
    "GET /checkins/enrolment-photos/<enrolment_photo_id>/": Rule(roles=CASE_ROLES),
    "GET /checkins/identity/<checkin_id>/": Rule(roles=CASE_ROLES),
    "POST /checkins/identity/<checkin_id>/": Rule(
        roles=CASE_ROLES,
        body={"verdict": "unclear", "note": "photo too dark"},
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
    "POST /checkins/identity/follow-ups/<identity_follow_up_id>/done/": Rule(
        roles=CASE_ROLES,
        body={"note": "seen in person"},
        content_type="form",
        ok_statuses=frozenset({302}),
    ),
}
