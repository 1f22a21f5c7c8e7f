"""Demo step: check-in windows and a plausible history (mostly on time, some unverified,
some technical attempts, a few missed) for the demo participants."""

from __future__ import annotations

import uuid
from typing import Any

from atd.checkins.choices import WindowStatus
from atd.checkins.models import CheckinWindow
from atd.checkins.rules import Fix
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
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import case_routing_for_participants, office_list

HISTORY_LIMIT = 300  # participants with a full back-history; the rest only get windows
OFFICER = Actor(id=None, label="demo officer", role=Role.CASE_OFFICER)


def demo_seed(ctx: dict[str, Any]) -> None:
    rng = ctx["rng"]
    participants = list(ctx.get("participants", []))
    windows_generate()
    now = clock.now()
    routing = case_routing_for_participants(participants)
    centers = {o.pk: (o.latitude or 40.7, o.longitude or -74.0) for o in office_list()}
    for pid in participants[:HISTORY_LIMIT]:
        lat0, lon0 = centers.get(routing.get(pid, (0, 0, None))[1], (40.7, -74.0))
        home = (lat0 + rng.uniform(-0.15, 0.15), lon0 + rng.uniform(-0.15, 0.15))
        scope = Scope(role=Role.PARTICIPANT, user_id=None, office_id=None, participant_id=pid)
        actor = Actor(id=None, label=f"participant {pid}", role=Role.PARTICIPANT)
        past = CheckinWindow.objects.filter(
            participant_id=pid, status=WindowStatus.OPEN, closes_at__lte=now
        ).order_by("opens_at")
        for w in past:
            roll = rng.random()
            at = w.opens_at + (min(w.closes_at, now) - w.opens_at) * rng.uniform(0.1, 0.9)
            key = uuid.UUID(int=rng.getrandbits(128)).hex
            with clock.frozen_at(at):
                if roll < 0.06:
                    continue  # missed: closed below
                if w.mode == "in_person":
                    checkin_in_person_record(
                        actor=OFFICER,
                        scope=SYSTEM_SCOPE,
                        participant_id=pid,
                        idempotency_key=key,
                        note="reported at the office",
                    )
                elif roll < 0.10:
                    checkin_attempt_record(
                        actor=actor,
                        scope=scope,
                        idempotency_key=key,
                        captured_at=at,
                        reason=rng.choice(["network", "server_error", "location_service"]),
                    )
                else:
                    denied = roll < 0.15
                    fix = (
                        None
                        if denied
                        else Fix(
                            home[0] + rng.gauss(0, 0.0004),
                            home[1] + rng.gauss(0, 0.0004),
                            rng.uniform(5, 60),
                            at,
                        )
                    )
                    checkin_remote_submit(
                        actor=actor,
                        scope=scope,
                        data=CheckinInput(
                            idempotency_key=key,
                            captured_at=at,
                            fix=fix,
                            location_error="denied" if denied else None,
                            questionnaire={"employment": rng.choice(["employed", "seeking"])},
                            user_agent="demo",
                        ),
                    )
    windows_close_due()
