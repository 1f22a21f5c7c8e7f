"""Settled answers: a case whose dates have all passed is counted from its stored key, and the
report must be exactly what evaluating every row in full gives, for any as-of date and
knowledge time (the full evaluation is the reference)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from atd.reporting.cohort_sql import CohortQuery, case_facts_settle, cohort_status_rows
from atd.reporting.models import CaseFact
from atd.reporting.rules import CohortFilters

pytestmark = pytest.mark.django_db

DAY0 = date(2025, 1, 1)
STATUSES = ("removed", "voluntarily_departed", "deceased", "in_custody", "relief_granted")
REASONS = ("removed", "voluntarily_departed", "deceased", "taken_into_custody", "transferred")


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), tzinfo=UTC)


def _later(day: date, rng: random.Random, most: int = 120) -> date:
    return day + timedelta(days=rng.randrange(most))


def _fact(case_id: int, rng: random.Random) -> CaseFact:
    """One synthetic fact row: any mix of lifecycle, notices, legal steps recorded late or on
    time, reassignments and failures to appear."""
    release = DAY0 + timedelta(days=rng.randrange(400))
    opened = _moment(release, rng)
    activated = _moment(_later(release, rng, 30), rng) if rng.random() < 0.7 else None
    closed = None
    reason = ""
    if rng.random() < 0.35:
        closed = _moment(_later(release, rng, 300), rng)
        reason = rng.choice(REASONS)
    fact = CaseFact(
        case_id=case_id,
        participant_id=case_id,
        nationality=rng.choice(("MX", "GT", "HN", "")),
        office_id=rng.choice((1, 2, 3)),
        office_since=opened if rng.random() < 0.8 else _moment(_later(release, rng, 300), rng),
        release_date=release,
        release_type=rng.choice(("parole", "ntr")),
        facility="North",
        opened_at=opened,
        activated_at=activated,
        closed_at=closed,
        closure_reason=reason,
        fta_count=1 if rng.random() < 0.1 else 0,
    )
    if rng.random() < 0.7:
        fact.nta_issued_on = _later(release, rng, 20)
        fact.nta_recorded_at = _moment(_later(fact.nta_issued_on, rng, 40), rng)
        if rng.random() < 0.7:
            fact.nta_served_on = _later(fact.nta_issued_on, rng, 60)
            fact.nta_served_recorded_at = _moment(_later(fact.nta_served_on, rng, 30), rng)
    if rng.random() < 0.6:
        fact.ntr_report_by = release + timedelta(days=60)
        if rng.random() < 0.6:
            fact.ntr_reported_on = _later(release, rng, 90)
            fact.ntr_reported_recorded_at = _moment(_later(fact.ntr_reported_on, rng, 10), rng)
    steps = rng.randrange(4)
    if steps:
        fact.legal_events = steps
        fact.legal_status = rng.choice(STATUSES)
        fact.legal_effective_on = _later(release, rng, 300)
        fact.legal_recorded_at = _moment(_later(fact.legal_effective_on, rng, 60), rng)
        if steps > 1:
            fact.legal_prev_status = rng.choice(STATUSES)
            fact.legal_prev_effective_on = release
            fact.legal_prev_recorded_at = _moment(_later(release, rng, 200), rng)
    return fact


def _rows(
    as_of: date, known_at: datetime, *, settled: bool
) -> list[tuple[str, str, int, str, int]]:
    return cohort_status_rows(
        CohortQuery(filters=CohortFilters(), as_of=as_of, known_at=known_at, settled=settled)
    )


def test_settled_report_equals_the_full_evaluation_for_any_date_and_knowledge_time() -> None:
    rng = random.Random(7)
    CaseFact.objects.bulk_create([_fact(i, rng) for i in range(1, 401)])
    case_facts_settle()
    settled = CaseFact.objects.filter(settled_key__isnull=False).count()
    assert 0 < settled < 400  # both paths are exercised
    for as_of in (date(2025, 2, 1), date(2025, 6, 15), date(2025, 12, 31), date(2026, 9, 1)):
        for known_at in (
            datetime(2025, 3, 1, tzinfo=UTC),
            datetime(2025, 9, 1, 12, 30, tzinfo=UTC),
            datetime(2026, 2, 1, tzinfo=UTC),
            datetime(2027, 1, 1, tzinfo=UTC),
        ):
            full = _rows(as_of, known_at, settled=False)
            assert _rows(as_of, known_at, settled=True) == full, (as_of, known_at)
    # The fast path did use stored keys: late in time most rows are settled.
    assert (
        sum(n for *_, n in _rows(date(2026, 9, 1), datetime(2027, 1, 1, tzinfo=UTC), settled=True))
        > 0
    )


def test_a_failure_to_appear_is_never_settled() -> None:
    rng = random.Random(3)
    fact = _fact(1, rng)
    fact.fta_count = 1
    fact.save()
    case_facts_settle([1])
    fact.refresh_from_db()
    assert fact.settled_on is None and fact.settled_key is None


def test_a_row_is_settled_only_once_its_last_date_and_moment_have_passed() -> None:
    rng = random.Random(5)
    fact = _fact(1, rng)
    fact.fta_count = 0
    fact.ntr_report_by = date(2025, 3, 1)
    fact.ntr_reported_on = None
    fact.ntr_reported_recorded_at = None
    fact.save()
    case_facts_settle([1])
    fact.refresh_from_db()
    assert fact.settled_on is not None and fact.settled_on >= date(2025, 3, 2)
    assert fact.settled_at is not None and fact.settled_at >= fact.opened_at
    assert fact.settled_key is not None
