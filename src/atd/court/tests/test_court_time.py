"""Hearing times stay in their court's time zone, labelled with it, wherever staff see them:
the court overview, the dashboard's hearings card, the participant page's court section and
its timeline; whatever zone the viewer picked for everything else."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atd.alerts.services.preferences import officer_preference_set
from atd.core import clock
from atd.court.models import Hearing
from atd.testing.world import World

# Monday 7 December 2026, 10:00 in Chicago (office A, the court's zone).
MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
# Wednesday 9 December, 09:00 in Chicago (CST); 00:00 on Thursday the 10th in Tokyo.
HEARING = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)


@pytest.fixture
def viewer_in_tokyo(world: World) -> Any:
    officer = world.user("case_officer")
    officer_preference_set(
        actor=officer,
        user_id=officer.pk,
        on_call_weekdays=[],
        on_call_start=None,
        on_call_end=None,
        timezone="Asia/Tokyo",
        page_severities=[],
        channels=[],
    )
    case = world.cases["officer_a"]
    Hearing.objects.create(
        participant_id=case.participant_id,
        case=case,
        scheduled_at=HEARING,
        court_name="Immigration Court, Chicago",
        hearing_type="master",
        recorded_at=MONDAY - timedelta(days=30),
        recorded_by="test",
    )
    return officer


def _cells(page: str) -> list[str]:
    return re.findall(r"<td[^>]*>([^<]*(?:CST|JST)[^<]*)</td>", page)


@pytest.mark.django_db
def test_the_court_overview_shows_hearings_in_court_time_for_a_viewer_in_another_zone(
    world: World, client_for: Any, viewer_in_tokyo: Any
) -> None:
    with clock.frozen_at(MONDAY):
        page = client_for("case_officer").get("/court/").content.decode()
    assert "When (court time)" in page
    assert _cells(page) == ["2026-12-09 09:00 CST"]


@pytest.mark.django_db
def test_the_dashboard_card_shows_hearings_in_court_time_for_a_viewer_in_another_zone(
    world: World, client_for: Any, viewer_in_tokyo: Any
) -> None:
    with clock.frozen_at(MONDAY):
        page = client_for("case_officer").get("/").content.decode()
    card = page[page.index('id="hearings-week-h"') :]
    card = card[: card.index("</section>")]
    assert _cells(card) == ["Wed 9 Dec 09:00 CST"]
    assert "JST" not in card


@pytest.mark.django_db
def test_the_participant_page_states_the_court_time_in_its_panel_and_timeline(
    world: World, client_for: Any, viewer_in_tokyo: Any
) -> None:
    pid = world.participants["officer_a"].pk
    with clock.frozen_at(MONDAY):
        page = client_for("case_officer").get(f"/participants/{pid}/").content.decode()
    assert "next hearing 2026-12-09 09:00 CST (court time)" in page
    assert "2026-12-09 09:00 CST" in _cells(page)
    assert "scheduled, 2026-12-09 09:00 CST court time" in page
    # The rest of the page follows the viewer: the timeline's own column is Tokyo's day.
    assert "2026-12-10 00:00" in page
