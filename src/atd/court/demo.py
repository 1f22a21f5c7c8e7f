"""Demo data for court: notices (some unserved), hearings ahead and behind, outcomes."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.errors import DomainError
from atd.core.scope import Scope
from atd.court import services
from atd.people.selectors import case_queryset_in_scope

ADMIN = Scope(role="admin", user_id=None, office_id=None)
COURTS = ("Immigration Court, Chicago", "Immigration Court, New York", "Immigration Court, Miami")


def court_demo_seed(ctx: dict[str, Any]) -> None:
    rng = random.Random(7)  # noqa: S311 -- a fixed seed: the same demo every time
    now = clock.now()
    today = timezone.localdate(now)
    cases = list(case_queryset_in_scope(ADMIN).exclude(status="closed").order_by("pk")[:60])
    for i, case in enumerate(cases):
        try:
            services.notice_issue(
                actor=SYSTEM,
                scope=ADMIN,
                case_id=case.pk,
                kind="ntr",
                issued_on=case.release_date,
                served_on=case.release_date,
                service_method="personal",
            )
            served = i % 5 != 0  # one in five NTAs not served: the alert job finds them
            services.notice_issue(
                actor=SYSTEM,
                scope=ADMIN,
                case_id=case.pk,
                kind="nta",
                issued_on=min(case.release_date, today),
                served_on=min(case.release_date + timedelta(days=3), today) if served else None,
                service_method="mail" if served else "",
            )
        except DomainError:
            continue  # already seeded
        ahead = now + timedelta(days=rng.choice([1, 3, 6, 20, 45]), hours=rng.randint(0, 6))
        services.hearing_schedule(
            actor=SYSTEM,
            scope=ADMIN,
            case_id=case.pk,
            scheduled_at=ahead.replace(minute=0, second=0, microsecond=0),
            court_name=rng.choice(COURTS),
            hearing_type="master",
        )
        if i % 3 == 0:
            past = services.hearing_schedule(
                actor=SYSTEM,
                scope=ADMIN,
                case_id=case.pk,
                scheduled_at=(now - timedelta(days=rng.randint(10, 60))).replace(
                    minute=0, second=0, microsecond=0
                ),
                court_name=rng.choice(COURTS),
                hearing_type="master",
            )
            services.hearing_outcome_record(
                actor=SYSTEM,
                scope=ADMIN,
                hearing_id=past.pk,
                outcome="failed_to_appear" if i % 9 == 0 else "continued",
            )
        services.legal_status_record(
            actor=SYSTEM,
            scope=ADMIN,
            participant_id=case.participant_id,
            status="in_proceedings",
            effective_on=min(case.release_date, today),
            source="demo",
        )
