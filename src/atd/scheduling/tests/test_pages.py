"""The backlog report, the planner, the console pages, the portal section and the demo step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from atd.core import clock
from atd.core.extensions import PortalSection, portal_sections
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.people.selectors import case_queryset_in_scope
from atd.scheduling import charts, demo, planner, selectors, services
from atd.scheduling.models import Appointment
from atd.supervision.services import plan_set
from atd.testing.world import World, participant_with_case

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


def _in_person_office(world: World, people: int, *, release: date) -> list[int]:
    """`people` participants of office A reporting in person every 4 weeks, 1 slot a day."""
    admin = world.user("admin")
    scope = Scope.for_user(admin)
    services.capacity_set(
        actor=admin,
        scope=scope,
        office_id=world.office_a.pk,
        slots_per_staff_day=1,
        staff_on_duty=1,
        open_weekdays=[0, 1, 2, 3, 4],
    )
    ids = []
    for i in range(people):
        p, case = participant_with_case(world.office_a, world.user("case_officer"))
        case_queryset_in_scope(selectors.SYSTEM_SCOPE).filter(pk=case.pk).update(
            release_date=release + timedelta(days=i * 40)
        )
        plan_set(
            actor=admin,
            scope=scope,
            participant_id=p.pk,
            technology="in_person",
            cadence_days=28,
            checkin_mode="in_person",
            start_date=TODAY - timedelta(days=i),
            reason="in person",
        )
        ids.append(p.pk)
    return ids


def test_planner_moving_long_compliant_people_shortens_the_horizon(world: World) -> None:
    ids = _in_person_office(world, 6, release=date(2024, 1, 1))
    supervisor = world.user("supervisor")
    view = planner.planner_read(
        scope=Scope.for_user(supervisor),
        actor=supervisor,
        office_id=world.office_a.pk,
        min_days=900,
    )
    # Released 2024-01-01 + 40 days apart: by 2026-11-23 the first ones have ~1,050 days, the last ~840.
    moved = {m.participant_id for m in view.moved}
    assert moved and moved < set(ids)
    assert all(m.compliance_days >= 900 for m in view.moved)
    assert view.chosen_row.moved == len(moved)
    assert view.chosen_row.horizon_days < view.baseline.horizon_days
    entry = AuditEntry.objects.filter(action="scheduling.planner").latest("id")
    assert entry.object_ids == ",".join(str(m.participant_id) for m in view.moved)


def test_planner_page_shows_chart_and_people(world: World, client_for: Any) -> None:
    _in_person_office(world, 3, release=date(2024, 1, 1))
    response = client_for("supervisor").get(
        f"/scheduling/offices/{world.office_a.pk}/planner/?min_days=30"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "the horizon becomes" in body
    assert "cdn" not in body.lower() and "<script" not in body
    assert "Pérez" in body  # the people it would move


def test_backlog_page_lists_offices_in_scope_only(world: World, client_for: Any) -> None:
    response = client_for("supervisor").get("/scheduling/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Office A" in body and "Office B" not in body
    assert client_for("participant").get("/scheduling/").status_code == 403


def test_office_page_lists_people_booked_after_deadline(world: World, client_for: Any) -> None:
    p, _ = participant_with_case(
        world.office_a, world.user("case_officer"), status="pending_first_report"
    )
    services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    response = client_for("supervisor").get(f"/scheduling/offices/{world.office_a.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "booked after their deadline (1)" in body
    assert p.a_number in body


def test_officer_books_from_the_console(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    response = client_for("case_officer").post(
        f"/scheduling/participants/{pid}/book/",
        {"day": "2026-11-25", "reason": "document review"},
    )
    assert response.status_code == 302
    assert Appointment.objects.filter(participant_id=pid, day=date(2026, 11, 25)).exists()


def test_booking_error_is_shown_not_raised(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    client = client_for("case_officer")
    response = client.post(
        f"/scheduling/participants/{pid}/book/",
        {"day": "2026-11-28", "reason": "a Saturday"},
        follow=True,
    )
    assert response.status_code == 200
    assert "no free slot" in response.content.decode()


def _portal_context(world: World, key: str) -> dict[str, Any] | None:
    section = next(s for s in portal_sections if s.name == "scheduling.appointments")
    assert isinstance(section, PortalSection)

    class _Request:
        user = world.user(key)

    return section.context(_Request(), Scope.for_user(world.user(key)))


def test_portal_section_offers_upcoming_appointments_with_free_days(world: World) -> None:
    officer = world.user("case_officer")
    services.appointment_book(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=world.participants["officer_a"].pk,
        day=date(2026, 11, 26),
        reason="check-in",
    )
    ctx = _portal_context(world, "participant")
    assert ctx is not None
    [row] = ctx["rows"]
    assert row["appointment"].day == date(2026, 11, 26)
    assert row["options"] and row["options"][0].day == date(2026, 11, 24)
    # Another participant sees nothing of it.
    other = _portal_context(world, "participant_b")
    assert other == {"rows": []}


def test_participant_reschedules_from_the_portal_form(world: World, client_for: Any) -> None:
    officer = world.user("case_officer")
    appointment = services.appointment_book(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=world.participants["officer_a"].pk,
        day=date(2026, 11, 26),
        reason="check-in",
    )
    response = client_for("participant").post(
        f"/scheduling/appointments/{appointment.pk}/reschedule/", {"day": "2026-12-01"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    appointment.refresh_from_db()
    assert appointment.day == date(2026, 12, 1)


def test_demo_step_books_one_office_years_ahead(world: World) -> None:
    for _ in range(40):
        p, _case = participant_with_case(world.office_a, world.user("case_officer"))
    demo.demo_seed({})
    report = {r.office.pk: r.horizon for r in selectors.backlog_report(selectors.SYSTEM_SCOPE)}
    assert report[world.office_a.pk].backlog_days > 2 * 365
    assert report[world.office_b.pk].backlog_days < 365


def test_chart_escapes_labels() -> None:
    svg = charts.horizontal_bar_chart(
        [charts.Bar(label="<b>x</b>", value=3)], title="t & u", unit="days"
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "t &amp; u" in svg


def test_participant_page_and_dashboard_show_appointments(world: World, client_for: Any) -> None:
    officer = world.user("case_officer")
    pid = world.participants["officer_a"].pk
    services.appointment_book(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        day=date(2026, 11, 26),
        reason="check-in",
    )
    client = client_for("case_officer")
    page = client.get(f"/participants/{pid}/").content.decode()
    assert "In-person appointments" in page and "2026-11-26" in page
    home = client_for("supervisor").get("/").content.decode()
    assert "In-person appointment backlog" in home
