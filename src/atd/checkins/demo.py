"""Demo step: check-in windows and a plausible history for the demo participants.

Older history (windows closed more than two weeks ago) is written in bulk, as if it had been
reviewed: on-time check-ins with a few technical attempts. The last two weeks go through the
real services for a sample of participants, so their unverified locations, plausibility flags and
missed windows raise alerts exactly as in production; the rest are written in bulk too.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from atd.checkins.choices import WindowSource, WindowStatus
from atd.checkins.models import Checkin, CheckinWindow
from atd.checkins.rules import Fix, receipt_code_format
from atd.checkins.services import (
    SYSTEM_SCOPE,
    CheckinInput,
    checkin_attempt_record,
    checkin_in_person_record,
    checkin_remote_submit,
    windows_close_due,
    windows_generate,
)
from atd.core import clock
from atd.core.actors import Actor
from atd.core.audit import audit_record
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import case_routing_for_participants, office_list

RECENT = timedelta(days=14)
LIVE_LIMIT = 150  # participants whose recent windows go through the services
OFFICER = Actor(id=None, label="demo officer", role=Role.CASE_OFFICER)
SEEDER = Actor(id=None, label="demo-seed", role="system")


def _homes(participants: list[int], rng: random.Random) -> dict[int, tuple[float, float]]:
    routing = case_routing_for_participants(participants)
    centers = {o.pk: (o.latitude or 40.7, o.longitude or -74.0) for o in office_list()}
    homes = {}
    for pid in participants:
        lat0, lon0 = centers.get(routing[pid].office_id if pid in routing else -1, (40.7, -74.0))
        homes[pid] = (lat0 + rng.uniform(-0.15, 0.15), lon0 + rng.uniform(-0.15, 0.15))
    return homes


def _moment(w: CheckinWindow, now: datetime, rng: random.Random) -> datetime:
    return w.opens_at + (min(w.closes_at, now) - w.opens_at) * rng.uniform(0.1, 0.9)


def _bulk_history(
    windows: list[CheckinWindow],
    homes: dict[int, tuple[float, float]],
    now: datetime,
    rng: random.Random,
) -> int:
    rows: list[Checkin] = []
    completed: list[int] = []
    attempted: list[int] = []
    codes: set[str] = set(Checkin.objects.values_list("receipt_code", flat=True))
    for w in windows:
        at = _moment(w, now, rng)
        code = receipt_code_format(rng.getrandbits(40))
        while code in codes:
            code = receipt_code_format(rng.getrandbits(40))
        codes.add(code)
        common: dict[str, Any] = {
            "participant_id": w.participant_id,
            "window": w,
            "idempotency_key": uuid.UUID(int=rng.getrandbits(128)).hex,
            "receipt_code": code,
            "captured_at": at,
            "received_at": at,
        }
        if w.mode == "in_person":
            rows.append(
                Checkin(
                    **common,
                    kind="in_person",
                    status="completed",
                    location_status="in_person",
                    recorded_by_label=OFFICER.label,
                    note="reported at the office",
                )
            )
            completed.append(w.pk)
        elif rng.random() < 0.03:
            rows.append(
                Checkin(
                    **common,
                    kind="remote",
                    status="attempted",
                    attempt_reason=rng.choice(["network", "server_error", "location_service"]),
                    location_status="unverified",
                )
            )
            attempted.append(w.pk)
        else:
            lat, lon = homes[w.participant_id]
            rows.append(
                Checkin(
                    **common,
                    kind="remote",
                    status="completed",
                    location_status="verified",
                    latitude=lat + rng.gauss(0, 0.0004),
                    longitude=lon + rng.gauss(0, 0.0004),
                    accuracy_m=round(rng.uniform(5, 60), 1),
                    fix_at=at,
                    questionnaire={"employment": rng.choice(["employed", "seeking"])},
                    user_agent="demo",
                )
            )
            completed.append(w.pk)
    Checkin.objects.bulk_create(rows, batch_size=1000)
    for status, ids in ((WindowStatus.COMPLETED, completed), (WindowStatus.ATTEMPTED, attempted)):
        for start in range(0, len(ids), 900):
            CheckinWindow.objects.filter(pk__in=ids[start : start + 900]).update(
                status=status, closed_at=now
            )
    return len(rows)


def _live(w: CheckinWindow, home: tuple[float, float], now: datetime, rng: random.Random) -> None:
    pid = w.participant_id
    scope = Scope(role=Role.PARTICIPANT, user_id=None, office_id=None, participant_id=pid)
    actor = Actor(id=None, label=f"participant {pid}", role=Role.PARTICIPANT)
    at = _moment(w, now, rng)
    key = uuid.UUID(int=rng.getrandbits(128)).hex
    roll = rng.random()
    with clock.frozen_at(at):
        if roll < 0.05:
            return  # missed: the close job raises the alert
        if w.mode == "in_person":
            checkin_in_person_record(
                actor=OFFICER, scope=SYSTEM_SCOPE, participant_id=pid, idempotency_key=key
            )
        elif roll < 0.08:
            checkin_attempt_record(
                actor=actor, scope=scope, idempotency_key=key, captured_at=at, reason="network"
            )
        else:
            denied = roll < 0.12
            fix = Fix(home[0] + rng.gauss(0, 0.0004), home[1] + rng.gauss(0, 0.0004), 20.0, at)
            checkin_remote_submit(
                actor=actor,
                scope=scope,
                data=CheckinInput(
                    idempotency_key=key,
                    captured_at=at,
                    fix=None if denied else fix,
                    location_error="denied" if denied else None,
                    user_agent="demo",
                ),
            )


def demo_seed(ctx: dict[str, Any]) -> None:
    rng: random.Random = ctx["rng"]
    participants = list(ctx.get("participants", []))
    windows_generate()
    now = clock.now()
    homes = _homes(participants, rng)
    live = set(participants[:LIVE_LIMIT])
    due = list(
        CheckinWindow.objects.filter(
            participant_id__in=homes.keys(),
            source=WindowSource.PLAN,
            status=WindowStatus.OPEN,
            closes_at__lte=now,
        ).order_by("participant_id", "opens_at")
    )
    bulk = [w for w in due if w.participant_id not in live or w.closes_at <= now - RECENT]
    written = _bulk_history(bulk, homes, now, rng)
    audit_record(
        actor=SEEDER,
        action="checkin.demo_seed",
        object_type="checkin",
        reason=f"{written} synthetic check-ins",
    )
    for w in due:
        if w.participant_id in live and w.closes_at > now - RECENT:
            _live(w, homes[w.participant_id], now, rng)
    # Windows still open today stay open for a live check-in in the portal.
    windows_close_due()
