"""The cohort report's outcome statuses (issue 19): at large, in custody, departed, deceased and
left the program, each as of a date from the case's status history, so a past report is
reproduced whatever happened since (a reopened case shows closed before and open after)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from atd.core import clock
from atd.core.scope import Scope
from atd.people import services as people
from atd.reporting import rules, selectors
from atd.reporting.cohort_sql import CohortQuery, cohort_status_rows
from atd.reporting.facts import case_facts_refresh
from atd.testing.world import World

KNOWN = datetime(2026, 12, 31, tzinfo=UTC)


def _counts(world: World, as_of: date, known_at: datetime = KNOWN) -> dict[str, int]:
    report = selectors.cohort_status_compute(
        scope=Scope.for_user(world.user("admin")),
        filters=rules.CohortFilters(),
        as_of=as_of,
        known_at=known_at,
    )
    return {k: v for k, v in report.by_category().items() if v}


def _at(day: int, month: int = 5) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def outcomes(world: World) -> World:
    """officer_a: at large 05-10, located in custody 05-20, reopened (re-release) 06-01.
    specialist_a: at large 05-10, deceased 05-15. office_b: left the program 05-12."""
    admin = world.user("admin")
    scope = Scope.for_user(admin)
    for case in world.cases.values():
        case.opened_at = _at(1, 1)
        case.save(update_fields=["opened_at"])
    a, s, b = (world.cases[k].pk for k in ("officer_a", "specialist_a", "office_b"))
    with clock.frozen_at(_at(10)):
        for case_id in (a, s):
            people.case_change_status(
                actor=admin, scope=scope, case_id=case_id, to_status="at_large", reason="lost"
            )
        ref_a = people.locate_referral_open(actor=admin, scope=scope, case_id=a, taken_by="Team 1")
        ref_s = people.locate_referral_open(actor=admin, scope=scope, case_id=s, taken_by="Team 2")
    with clock.frozen_at(_at(12)):
        people.case_change_status(
            actor=admin,
            scope=scope,
            case_id=b,
            to_status="closed",
            closure_reason="left_program",
            reason="review approved",
        )
    with clock.frozen_at(_at(15)):
        people.locate_referral_outcome(
            actor=admin, scope=scope, referral_id=ref_s.pk, outcome="deceased", note="records"
        )
    with clock.frozen_at(_at(20)):
        people.locate_referral_outcome(
            actor=admin, scope=scope, referral_id=ref_a.pk, outcome="in_custody", note="booked"
        )
    with clock.frozen_at(_at(1, 6)):
        people.case_reopen(actor=admin, scope=scope, case_id=a, reopen_reason="re_release")
    return world


def test_each_outcome_is_its_own_status_as_of_its_date(outcomes: World) -> None:
    assert _counts(outcomes, date(2026, 5, 5)) == {"active_compliant": 3}
    assert _counts(outcomes, date(2026, 5, 11)) == {"at_large": 2, "active_compliant": 1}
    assert _counts(outcomes, date(2026, 5, 13)) == {"at_large": 2, "left_program": 1}
    assert _counts(outcomes, date(2026, 5, 16)) == {
        "at_large": 1,
        "deceased": 1,
        "left_program": 1,
    }
    assert _counts(outcomes, date(2026, 5, 25)) == {
        "in_custody": 1,
        "deceased": 1,
        "left_program": 1,
    }


def test_a_reopened_case_is_closed_before_and_open_after(outcomes: World) -> None:
    assert _counts(outcomes, date(2026, 5, 31))["in_custody"] == 1
    after = _counts(outcomes, date(2026, 6, 2))
    assert after == {"active_compliant": 1, "deceased": 1, "left_program": 1}


def test_a_past_report_is_reproduced_after_later_changes(outcomes: World) -> None:
    """The report as of 05-11 known at 05-11 gives the same bytes before and after the
    reopening and every later change."""
    world = outcomes
    scope = Scope.for_user(world.user("admin"))
    known = datetime(2026, 5, 11, 18, 0, tzinfo=UTC)
    first = rules.cohort_status_csv(
        selectors.cohort_status_compute(
            scope=scope, filters=rules.CohortFilters(), as_of=date(2026, 5, 11), known_at=known
        )
    )
    with clock.frozen_at(_at(1, 7)):
        people.case_change_status(
            actor=world.user("admin"),
            scope=scope,
            case_id=world.cases["officer_a"].pk,
            to_status="at_large",
            reason="lost again",
        )
    again = rules.cohort_status_csv(
        selectors.cohort_status_compute(
            scope=scope, filters=rules.CohortFilters(), as_of=date(2026, 5, 11), known_at=known
        )
    )
    assert again == first
    assert b'status,,at_large,"At large' in first


def test_the_settled_path_agrees_with_the_full_evaluation(outcomes: World) -> None:
    case_facts_refresh(full=True)
    for as_of in (date(2026, 5, 5), date(2026, 5, 11), date(2026, 5, 25), date(2026, 6, 2)):
        query = CohortQuery(filters=rules.CohortFilters(), as_of=as_of, known_at=KNOWN)
        full = CohortQuery(
            filters=rules.CohortFilters(), as_of=as_of, known_at=KNOWN, settled=False
        )
        assert cohort_status_rows(query) == cohort_status_rows(full), as_of
