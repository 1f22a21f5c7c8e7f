"""Dashboard cards from other apps: check-ins due and missed today, hearings this week — for the
officer's own caseload, per officer for a supervisor, never another office's cases."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from atd.checkins.models import CheckinWindow
from atd.checkins.selectors import DayCounts, window_day_counts_by_officer
from atd.core import clock
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.court.models import Hearing
from atd.testing.world import World

# Wednesday 18 November 2026, 12:00 in Chicago (office A's time zone).
NOON = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
TODAY = date(2026, 11, 18)
CHICAGO_MIDNIGHT = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)


def window(world: World, key: str, *, due: date, status: str = "open", closes: Any = None) -> None:
    case = world.cases[key]
    opens = CHICAGO_MIDNIGHT + timedelta(days=(due - TODAY).days)
    CheckinWindow.objects.create(
        participant_id=case.participant_id,
        case=case,
        source="plan",
        mode="remote",
        due_date=due,
        opens_at=opens,
        closes_at=closes or opens + timedelta(days=1),
        status=status,
        created_at=NOON - timedelta(days=10),
    )


def hearing(world: World, key: str, at: datetime, outcome: str = "") -> Hearing:
    case = world.cases[key]
    return Hearing.objects.create(
        participant_id=case.participant_id,
        case=case,
        scheduled_at=at,
        court_name="Immigration Court (synthetic)",
        hearing_type="master",
        outcome=outcome,
        recorded_at=NOON - timedelta(days=30),
        recorded_by="test",
    )


def card_number(page: str, name: str) -> int:
    found = re.search(rf'data-card="{name}">(\d+)<', page)
    assert found, f"card {name} missing"
    return int(found.group(1))


@pytest.fixture
def windows(world: World) -> None:
    window(world, "officer_a", due=TODAY)  # due today, not yet done
    window(world, "officer_a", due=TODAY - timedelta(days=7), status="completed")  # last week
    window(world, "specialist_a", due=TODAY, status="completed")  # due today, done
    # Missed: closed this (Chicago) morning; one that closed as missed yesterday does not count.
    window(
        world,
        "specialist_a",
        due=TODAY - timedelta(days=2),
        status="missed",
        closes=CHICAGO_MIDNIGHT + timedelta(hours=1),
    )
    window(
        world,
        "officer_a",
        due=TODAY - timedelta(days=3),
        status="missed",
        closes=CHICAGO_MIDNIGHT - timedelta(hours=1),
    )
    window(world, "office_b", due=TODAY)  # another office
    window(world, "office_b", due=TODAY - timedelta(days=1), status="missed")


@pytest.mark.django_db
def test_officer_sees_checkins_due_and_missed_today_for_own_caseload(
    world: World, client_for: Any, windows: None
) -> None:
    with clock.frozen_at(NOON):
        page = client_for("case_officer").get("/").content.decode()
    assert card_number(page, "due-today") == 1
    assert card_number(page, "missed-today") == 0  # officer_a's miss was yesterday, Chicago time
    with clock.frozen_at(NOON):
        page = client_for("contractor_specialist").get("/").content.decode()
    assert card_number(page, "due-today") == 1
    assert "1 checked in" in page
    assert card_number(page, "missed-today") == 1


@pytest.mark.django_db
def test_supervisor_sees_todays_checkins_per_officer_of_own_office_only(
    world: World, windows: None
) -> None:
    counts = window_day_counts_by_officer(
        scope=Scope.for_user(world.users["supervisor"]),
        day=TODAY,
        day_start=CHICAGO_MIDNIGHT,
        day_end=CHICAGO_MIDNIGHT + timedelta(days=1),
    )
    assert counts == {
        world.users["case_officer"].pk: DayCounts(due=1, done=0, missed=0),
        world.users["contractor_specialist"].pk: DayCounts(due=1, done=1, missed=1),
    }


@pytest.mark.django_db
def test_supervisor_dashboard_lists_officers_most_missed_first(
    world: World, client_for: Any, windows: None
) -> None:
    with clock.frozen_at(NOON):
        page = client_for("supervisor").get("/").content.decode()
    assert card_number(page, "due-today") == 2 and card_number(page, "missed-today") == 1
    table = page[page.index("Per officer, most missed first") :]
    specialist = world.users["contractor_specialist"]
    officer = world.users["case_officer"]
    specialist_name = specialist.get_full_name() or specialist.username
    officer_name = officer.get_full_name() or officer.username
    assert table.index(specialist_name) < table.index(officer_name)


@pytest.mark.django_db
def test_a_reassigned_case_counts_under_its_new_officer_at_once(
    world: World, windows: None
) -> None:
    case = world.cases["officer_a"]
    case.officer = world.users["contractor_specialist"]
    case.save(update_fields=["officer"])
    counts = window_day_counts_by_officer(
        scope=Scope.for_user(world.users["case_officer"]),
        day=TODAY,
        day_start=CHICAGO_MIDNIGHT,
        day_end=CHICAGO_MIDNIGHT + timedelta(days=1),
    )
    assert counts == {}


@pytest.mark.django_db
def test_officer_sees_this_weeks_hearings_and_the_read_is_audited(
    world: World, client_for: Any
) -> None:
    monday = CHICAGO_MIDNIGHT - timedelta(days=2)
    ahead = hearing(world, "officer_a", NOON + timedelta(days=1))
    hearing(world, "officer_a", monday + timedelta(hours=15), outcome="attended")  # held
    hearing(world, "officer_a", monday + timedelta(days=7, hours=15))  # next week
    hearing(world, "office_b", NOON + timedelta(hours=3))  # another office
    with clock.frozen_at(NOON):
        page = client_for("case_officer").get("/").content.decode()
    assert card_number(page, "hearings-week") == 2
    card = page[page.index('id="hearings-week-h"') :]
    assert f"/participants/{ahead.participant_id}/" in card
    assert world.participants["office_b"].first_surname not in card
    entry = AuditEntry.objects.filter(action="court.hearing_list").latest("pk")
    assert entry.object_ids == str(ahead.participant_id)  # the one person listed


@pytest.mark.django_db
def test_supervisor_sees_hearings_this_week_per_officer(world: World, client_for: Any) -> None:
    hearing(world, "officer_a", NOON + timedelta(days=1))
    hearing(world, "specialist_a", NOON + timedelta(days=2))
    hearing(world, "specialist_a", NOON + timedelta(days=3))
    hearing(world, "office_b", NOON + timedelta(days=1))
    with clock.frozen_at(NOON):
        page = client_for("supervisor").get("/").content.decode()
    assert card_number(page, "hearings-week") == 3
    per_officer = page[page.index("<caption>Per officer</caption>") :]
    specialist = world.users["contractor_specialist"]
    name = specialist.get_full_name() or specialist.username
    assert re.search(rf"{re.escape(name)}</th><td>2</td>", per_officer)
