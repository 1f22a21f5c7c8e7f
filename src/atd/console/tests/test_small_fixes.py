"""Issue 18's smaller things: the hearings card at the weekend, human labels, the appeal form
only for who may decide it, courts near the office, one log line per 403, a favicon."""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from atd.core import clock
from atd.core.log_filters import ForbiddenOneLine
from atd.core.scope import Scope
from atd.court.demo import COURTS_BY_OFFICE
from atd.court.models import Hearing
from atd.people.models import Address, AddressFlag  # test set-up writes rows directly
from atd.reviews import services as review_services
from atd.supervision.services import plan_set
from atd.testing.world import World

# Sunday 6 December 2026, 10:00 in Chicago (office A).
SUNDAY = datetime(2026, 12, 6, 16, 0, tzinfo=UTC)


def _hearing(world: World, at: datetime) -> None:
    case = world.cases["officer_a"]
    Hearing.objects.create(
        participant_id=case.participant_id,
        case=case,
        scheduled_at=at,
        court_name="Immigration Court, Chicago",
        hearing_type="master",
        recorded_at=at - timedelta(days=30),
        recorded_by="test",
    )


@pytest.mark.django_db
def test_on_a_sunday_the_hearings_card_shows_the_coming_week(world: World, client_for: Any) -> None:
    for days in (3, 4, 6):
        _hearing(world, SUNDAY + timedelta(days=days))
    _hearing(world, SUNDAY + timedelta(days=9))  # the week after: not counted
    with clock.frozen_at(SUNDAY):
        page = client_for("case_officer").get("/").content.decode()
    found = re.search(r'data-card="hearings-week">(\d+)<', page)
    assert found and int(found.group(1)) == 3
    assert "Hearings next week (from Mon 7 Dec)" in page


@pytest.mark.django_db
def test_address_flags_and_check_in_modes_read_as_words(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    address = Address.objects.filter(participant_id=pid).first() or Address.objects.create(
        participant_id=pid,
        line1="1 Main St",
        city="Chicago",
        state="IL",
        postal_code="60601",
        is_current=True,
        valid_from=date(2026, 1, 5),
    )
    AddressFlag.objects.create(address=address, kind="missing_unit", raised_at=clock.now())
    officer = world.user("case_officer")
    plan_set(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        technology="wrist",
        cadence_days=56,
        checkin_mode="in_person",
        start_date=date(2026, 1, 5),
        reason="release conditions",
    )
    client = client_for("case_officer")
    home = client.get("/").content.decode()
    caseload = client.get("/participants/").content.decode()
    detail = client.get(f"/participants/{pid}/").content.decode()
    for page in (home, caseload):
        assert "Missing unit number in a multi-unit building" in page
        assert "Missing_unit" not in page and ">missing_unit<" not in page
    assert "56 d · in person" in detail and "in_person<" not in detail
    assert "Wrist-worn device" in detail


@pytest.mark.django_db
def test_the_supervisor_who_denied_is_not_offered_the_appeal_form(
    world: World, client_for: Any
) -> None:
    supervisor = world.user("supervisor")
    pid = world.participants["officer_a"].pk
    plan_set(
        actor=supervisor,
        scope=Scope.for_user(supervisor),
        participant_id=pid,
        technology="gps_ankle",
        cadence_days=28,
        checkin_mode="in_person",
        start_date=date(2026, 1, 5),
        reason="release conditions",
    )
    review = review_services.review_request_submit(
        actor=world.user("participant"),
        scope=Scope.for_user(world.user("participant")),
        participant_id=pid,
        statement="I have complied.",
    )
    review_services.review_decide(
        actor=supervisor,
        scope=Scope.for_user(supervisor),
        request_id=review.pk,
        approve=False,
        reason="short_record",
        text="Reasons given in words.",
    )
    review_services.review_appeal_file(
        actor=world.user("participant"),
        scope=Scope.for_user(world.user("participant")),
        request_id=review.pk,
        statement="Please look again.",
    )
    page = client_for("supervisor").get(f"/reviews/{review.pk}/").content.decode()
    assert "Decide appeal" not in page
    assert "another supervisor decides the appeal" in page
    admin_page = client_for("admin").get(f"/reviews/{review.pk}/").content.decode()
    assert "Decide appeal" in admin_page


def test_houston_participants_go_to_the_houston_court() -> None:
    assert COURTS_BY_OFFICE["HOU"] == "Immigration Court, Houston"
    assert COURTS_BY_OFFICE["CHI"] == "Immigration Court, Chicago"


def test_a_403_is_logged_as_one_line_without_a_traceback() -> None:
    try:
        raise PermissionError("role limit")
    except PermissionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Forbidden (Permission denied): %s",
        ("/alerts/",),
        exc_info,
    )
    record.status_code = 403
    assert ForbiddenOneLine().filter(record) is True
    line = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert line == "WARNING django.request Forbidden (Permission denied): /alerts/"
    other = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), exc_info)
    other.status_code = 500
    ForbiddenOneLine().filter(other)
    assert "Traceback" in logging.Formatter().format(other)  # real errors keep theirs


@pytest.mark.django_db
def test_the_server_log_handler_applies_the_one_line_filter(
    world: World, client_for: Any, caplog: Any
) -> None:
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ForbiddenOneLine) for f in h.filters)
    ]
    assert handlers, "the settings' console handler lost its 403 filter"
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_for("auditor").get("/alerts/").status_code == 403
    forbidden = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert forbidden
    line = handlers[0].format(forbidden[0]) if handlers[0].filter(forbidden[0]) else ""
    assert "Forbidden" in line and "Traceback" not in line and "\n" not in line


@pytest.mark.django_db
def test_favicon_answers(client: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
