"""Demo step: a supervision plan for each demo participant, some with a recorded step-down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atd.core import clock
from atd.core.actors import Actor
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.supervision.selectors import plan_current
from atd.supervision.services import plan_set

DEMO_ACTOR = Actor(id=None, label="demo officer", role=Role.ADMIN)
DEMO_SCOPE = Scope(role=Role.ADMIN, user_id=None, office_id=None)

# (technology, cadence days, mode, weight): monitors every 4, 8 or 12 weeks at the office,
# phone check-ins weekly, as reported for the program.
PROFILES = [
    ("gps_ankle", 28, "in_person", 10),
    ("wrist", 56, "in_person", 15),
    ("wrist", 84, "in_person", 5),
    ("smartphone", 7, "remote", 60),
    ("telephone", 14, "remote", 5),
    ("in_person", 28, "in_person", 5),
]


def demo_seed(ctx: dict[str, Any]) -> None:
    rng = ctx["rng"]
    now = clock.now()
    weights = [p[3] for p in PROFILES]
    for pid in ctx.get("participants", []):
        if plan_current(pid) is not None:
            continue
        tech, cadence, mode, _ = rng.choices(PROFILES, weights=weights)[0]
        started = now - timedelta(days=rng.randint(20, 150), hours=rng.randint(0, 23))
        with clock.frozen_at(started):
            plan_set(
                actor=DEMO_ACTOR,
                scope=DEMO_SCOPE,
                participant_id=pid,
                technology=tech,
                cadence_days=cadence,
                checkin_mode=mode,
                start_date=started.date(),
                reason="initial plan at enrollment",
            )
        # Some compliant wearers were stepped down to the phone app a few weeks ago.
        if tech in ("gps_ankle", "wrist") and rng.random() < 0.3 and (now - started).days > 40:
            changed = now - timedelta(days=rng.randint(5, 20))
            with clock.frozen_at(changed):
                plan_set(
                    actor=DEMO_ACTOR,
                    scope=DEMO_SCOPE,
                    participant_id=pid,
                    technology="smartphone",
                    cadence_days=7,
                    checkin_mode="remote",
                    start_date=changed.date(),
                    reason="step-down: 60 days compliant, review approved",
                )
