"""Demo data for court: notices (some unserved), hearings ahead and behind, outcomes."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.errors import DomainError
from atd.core.scope import Scope
from atd.court import services
from atd.people.selectors import case_office_timezones, case_queryset_in_scope

ADMIN = Scope.system()
# Courts by the time zone of the office whose participants they hear: a hearing is stated
# in its court's time, which is the case office's time the participant is told.
COURTS_BY_ZONE = {
    "America/Chicago": ("Immigration Court, Chicago",),
    "America/New_York": ("Immigration Court, New York", "Immigration Court, Miami"),
    "America/Denver": ("Immigration Court, Denver",),
    "America/Los_Angeles": ("Immigration Court, Los Angeles", "Immigration Court, San Diego"),
}
# The court nearest each demo office (by office code); other offices fall back to the zone's.
COURTS_BY_OFFICE = {
    "HOU": "Immigration Court, Houston",
    "SNA": "Immigration Court, Los Angeles",
    "MIA": "Immigration Court, Miami",
    "NYC": "Immigration Court, New York",
    "CHI": "Immigration Court, Chicago",
}
# Synthetic street addresses (no real court's): what a reminder tells the participant.
COURT_ADDRESSES = {
    "Immigration Court, Houston": "600 Example Plaza, Suite 500, Houston, TX 77002",
    "Immigration Court, Los Angeles": "300 Sample Ave, 4th Floor, Los Angeles, CA 90012",
    "Immigration Court, Miami": "100 Demo Blvd, Suite 700, Miami, FL 33130",
    "Immigration Court, New York": "26 Placeholder St, 12th Floor, New York, NY 10278",
    "Immigration Court, Chicago": "525 Synthetic St, Suite 500, Chicago, IL 60607",
    "Immigration Court, Denver": "1961 Fictional St, Suite 1000, Denver, CO 80202",
    "Immigration Court, San Diego": "401 Test St, Suite 800, San Diego, CA 92101",
}
HEARING_HOURS = (time(8, 30), time(9, 0), time(10, 0), time(13, 0), time(14, 30))


def _court_time(rng: random.Random, zone: str, day: date) -> datetime:
    """A hearing in the court's business hours, on its own clock."""
    return datetime.combine(day, rng.choice(HEARING_HOURS), tzinfo=ZoneInfo(zone))


def court_demo_seed(ctx: dict[str, Any]) -> None:
    rng = random.Random(7)  # noqa: S311 -- a fixed seed: the same demo every time
    now = clock.now()
    today = timezone.localdate(now)
    cases = list(
        case_queryset_in_scope(ADMIN)
        .exclude(status="closed")
        .select_related("office")
        .order_by("pk")[:60]
    )
    zones = case_office_timezones([c.pk for c in cases])
    for i, case in enumerate(cases):
        zone = zones.get(case.pk) or "America/Chicago"
        near = COURTS_BY_OFFICE.get(case.office.code)
        courts = (near,) if near else COURTS_BY_ZONE.get(zone) or COURTS_BY_ZONE["America/Chicago"]
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
        court = rng.choice(courts)
        services.hearing_schedule(
            actor=SYSTEM,
            scope=ADMIN,
            case_id=case.pk,
            scheduled_at=_court_time(
                rng, zone, today + timedelta(days=rng.choice([1, 3, 6, 20, 45]))
            ),
            court_name=court,
            court_address=COURT_ADDRESSES.get(court, ""),
            hearing_type="master",
        )
        if i % 3 == 0:
            court = rng.choice(courts)
            past = services.hearing_schedule(
                actor=SYSTEM,
                scope=ADMIN,
                case_id=case.pk,
                scheduled_at=_court_time(rng, zone, today - timedelta(days=rng.randint(10, 60))),
                court_name=court,
                court_address=COURT_ADDRESSES.get(court, ""),
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
