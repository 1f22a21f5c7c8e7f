"""Capacity, booking and the automatic scheduler against the database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db import IntegrityError, transaction

from atd.core import clock
from atd.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.scheduling import rules, selectors, services
from atd.scheduling.choices import AppointmentKind, AppointmentStatus
from atd.scheduling.models import Appointment
from atd.scheduling.services import scheduler
from atd.supervision.services import plan_set
from atd.testing.services import require_postgres
from atd.testing.world import World, build_world, participant_with_case

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


def _scope(world: World, key: str) -> Scope:
    return Scope.for_user(world.user(key))


def _in_person(world: World, participant_key: str, cadence: int = 28) -> None:
    admin = world.user("admin")
    plan_set(
        actor=admin,
        scope=Scope.for_user(admin),
        participant_id=world.participants[participant_key].pk,
        technology="in_person",
        cadence_days=cadence,
        checkin_mode="in_person",
        start_date=TODAY - timedelta(days=20),
        reason="reports in person",
    )


def _capacity(world: World, office_id: int, *, staff: int, slots: int) -> None:
    admin = world.user("admin")
    services.capacity_set(
        actor=admin,
        scope=Scope.for_user(admin),
        office_id=office_id,
        slots_per_staff_day=slots,
        staff_on_duty=staff,
        open_weekdays=[0, 1, 2, 3, 4],
        day_start=time(9, 0),
    )


def test_scheduler_books_in_person_checkins_inside_their_window(world: World) -> None:
    _in_person(world, "officer_a", cadence=28)
    run = services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    rows = list(
        Appointment.objects.filter(participant=world.participants["officer_a"]).order_by("day")
    )
    assert run.booked == len(rows) == 13
    first = rows[0]
    assert first.kind == AppointmentKind.CHECKIN
    assert first.due_date == TODAY + timedelta(days=8)
    assert first.due_date - timedelta(days=7) <= first.day <= first.deadline
    assert not any(r.is_late for r in rows)


def test_remote_plan_books_nothing(world: World) -> None:
    admin = world.user("admin")
    plan_set(
        actor=admin,
        scope=Scope.for_user(admin),
        participant_id=world.participants["officer_a"].pk,
        technology="smartphone",
        cadence_days=7,
        checkin_mode="remote",
        start_date=TODAY,
        reason="app check-ins",
    )
    run = services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    assert run.booked == 0


def test_first_report_is_booked_for_people_who_have_not_reported(world: World) -> None:
    p, _ = participant_with_case(
        world.office_a, world.user("case_officer"), status="pending_first_report"
    )
    services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    appointment = Appointment.objects.get(participant=p)
    assert appointment.kind == AppointmentKind.FIRST_REPORT
    assert appointment.day == TODAY + timedelta(days=1)
    # The world releases everyone on 2026-01-05: the 60-day deadline passed long ago.
    assert appointment.deadline == date(2026, 3, 6)
    assert appointment.is_late


def test_rerunning_the_scheduler_books_nothing_twice(world: World) -> None:
    _in_person(world, "officer_a")
    services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    again = services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    assert again.booked == 0
    assert again.already_booked == again.considered == 13
    assert Appointment.objects.count() == 13


def test_scheduler_never_exceeds_day_capacity_and_flags_late_people(world: World) -> None:
    _capacity(world, world.office_a.pk, staff=1, slots=1)
    for _ in range(12):
        p, _case = participant_with_case(
            world.office_a, world.user("case_officer"), status="pending_first_report"
        )
    run = services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    days = list(Appointment.objects.values_list("day", flat=True))
    assert len(days) == len(set(days)) == run.booked == 12
    assert all(d.weekday() < 5 for d in days)
    assert run.late == 12
    report = {r.office.pk: r for r in selectors.backlog_report(_scope(world, "admin"))}
    horizon = report[world.office_a.pk].horizon
    assert horizon.late == 12 and horizon.booked is None
    single = selectors.backlog_report(_scope(world, "supervisor"), office_id=world.office_a.pk)
    assert single[0].horizon.booked == 12
    assert horizon.last_booked == max(days)
    assert horizon.backlog_days == (max(days) - TODAY).days


def test_slot_times_are_in_the_office_timezone(world: World) -> None:
    _capacity(world, world.office_a.pk, staff=1, slots=4)
    for _ in range(2):
        participant_with_case(
            world.office_a, world.user("case_officer"), status="pending_first_report"
        )
    services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    times = sorted(
        a.starts_at.astimezone(ZoneInfo("America/Chicago")).time()
        for a in Appointment.objects.all()
    )
    assert times == [time(9, 0), time(9, 30)]


def test_scheduler_fills_around_existing_bookings(world: World) -> None:
    _capacity(world, world.office_a.pk, staff=1, slots=2)
    tomorrow = TODAY + timedelta(days=1)
    booked = services.appointment_book(
        actor=world.user("case_officer"),
        scope=_scope(world, "case_officer"),
        participant_id=world.participants["officer_a"].pk,
        day=tomorrow,
        reason="document review",
    )
    for _ in range(2):
        participant_with_case(
            world.office_a, world.user("case_officer"), status="pending_first_report"
        )
    services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    slots = sorted(Appointment.objects.values_list("day", "slot"))
    assert slots == [(tomorrow, 0), (tomorrow, 1), (tomorrow + timedelta(days=1), 0)]
    assert booked.slot == 0


def test_officer_booking_on_a_full_day_is_refused(world: World) -> None:
    _capacity(world, world.office_a.pk, staff=1, slots=1)
    tomorrow = TODAY + timedelta(days=1)
    officer = world.user("case_officer")
    services.appointment_book(
        actor=officer,
        scope=_scope(world, "case_officer"),
        participant_id=world.participants["officer_a"].pk,
        day=tomorrow,
        reason="intake interview",
    )
    with pytest.raises(Conflict):
        services.appointment_book(
            actor=world.user("contractor_specialist"),
            scope=_scope(world, "contractor_specialist"),
            participant_id=world.participants["specialist_a"].pk,
            day=tomorrow,
            reason="intake interview",
        )


def test_participant_reschedules_and_cancels_own_appointment(world: World) -> None:
    appointment = services.appointment_book(
        actor=world.user("case_officer"),
        scope=_scope(world, "case_officer"),
        participant_id=world.participants["officer_a"].pk,
        day=TODAY + timedelta(days=2),
        reason="check-in",
    )
    participant = _scope(world, "participant")
    moved = services.appointment_reschedule(
        actor=world.user("participant"),
        scope=participant,
        appointment_id=appointment.pk,
        day=TODAY + timedelta(days=3),
    )
    assert moved.day == TODAY + timedelta(days=3)
    assert moved.reschedule_count == 1
    services.appointment_cancel(
        actor=world.user("participant"),
        scope=participant,
        appointment_id=appointment.pk,
        reason="sick",
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert AuditEntry.objects.filter(action="appointment.reschedule").count() == 1


def test_participant_cannot_touch_someone_elses_appointment(world: World) -> None:
    other = services.appointment_book(
        actor=world.user("officer_b"),
        scope=_scope(world, "officer_b"),
        participant_id=world.participants["office_b"].pk,
        day=TODAY + timedelta(days=2),
        reason="check-in",
    )
    with pytest.raises(NotFound):
        services.appointment_cancel(
            actor=world.user("participant"),
            scope=_scope(world, "participant"),
            appointment_id=other.pk,
            reason="not mine",
        )


def test_past_appointment_cannot_be_rescheduled(world: World) -> None:
    appointment = services.appointment_book(
        actor=world.user("case_officer"),
        scope=_scope(world, "case_officer"),
        participant_id=world.participants["officer_a"].pk,
        day=TODAY + timedelta(days=1),
        reason="check-in",
    )
    clock.reset()
    with clock.frozen_at(NOW + timedelta(days=3)), pytest.raises(Conflict):
        services.appointment_reschedule(
            actor=world.user("case_officer"),
            scope=_scope(world, "case_officer"),
            appointment_id=appointment.pk,
            day=TODAY + timedelta(days=10),
        )


def test_only_supervisors_and_admins_set_capacity(world: World) -> None:
    with pytest.raises(Forbidden):
        services.capacity_set(
            actor=world.user("case_officer"),
            scope=_scope(world, "case_officer"),
            office_id=world.office_a.pk,
            slots_per_staff_day=10,
            staff_on_duty=1,
            open_weekdays=[0],
        )
    with pytest.raises(NotFound):
        services.capacity_set(
            actor=world.user("supervisor"),
            scope=_scope(world, "supervisor"),
            office_id=world.office_b.pk,
            slots_per_staff_day=10,
            staff_on_duty=1,
            open_weekdays=[0],
        )


def test_holiday_and_staff_leave_change_the_calendar(world: World) -> None:
    sup = world.user("supervisor")
    scope = _scope(world, "supervisor")
    _capacity(world, world.office_a.pk, staff=2, slots=3)
    services.holiday_set(
        actor=sup, scope=scope, office_id=world.office_a.pk, day=TODAY, name="Office closure"
    )
    services.staffing_set(
        actor=sup,
        scope=scope,
        office_id=world.office_a.pk,
        day=TODAY + timedelta(days=1),
        staff_on_duty=1,
        note="training",
    )
    calendar = selectors.office_calendar(world.office_a, TODAY, 3)
    assert calendar.capacity.tolist() == [0, 3, 6]


def test_schedule_command_books_and_reports(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    _in_person(world, "officer_a")
    out = StringIO()
    call_command("schedule_appointments", "--office", "AAA", stdout=out)
    assert "booked 13" in out.getvalue()
    assert Appointment.objects.count() == 13


def test_attendance_is_recorded_from_the_appointment_day_on(world: World) -> None:
    officer = world.user("case_officer")
    scope = _scope(world, "case_officer")
    appointment = services.appointment_book(
        actor=officer,
        scope=scope,
        participant_id=world.participants["officer_a"].pk,
        day=TODAY + timedelta(days=1),
        reason="check-in",
    )
    with pytest.raises(Conflict):
        services.appointment_record_outcome(
            actor=officer, scope=scope, appointment_id=appointment.pk, attended=True
        )
    clock.reset()
    with clock.frozen_at(NOW + timedelta(days=1)):
        done = services.appointment_record_outcome(
            actor=officer, scope=scope, appointment_id=appointment.pk, attended=True
        )
    assert done.status == AppointmentStatus.ATTENDED


def _two_obligations(world: World) -> rules.Demand:
    participants = [world.participants["officer_a"].pk, world.participants["specialist_a"].pk]
    due = TODAY.toordinal() + 10
    return rules.Demand(
        participant=np.array(participants, dtype=np.int64),
        kind=np.array([0, 1], dtype=np.int64),
        due=np.array([due, due], dtype=np.int64),
        earliest=np.array([due - 7, TODAY.toordinal()], dtype=np.int64),
        deadline=np.array([due + 7, TODAY.toordinal() - 1], dtype=np.int64),
    )


def test_postgres_copy_path_books_the_same_rows_as_the_insert_path(world: World) -> None:
    require_postgres()
    _capacity(world, world.office_a.pk, staff=1, slots=1)
    office = selectors.office_get(world.office_a.pk)
    run = services.obligations_book(actor=None, office=office, demand=_two_obligations(world))
    assert run.booked == 2 and run.late == 1
    rows = list(Appointment.objects.order_by("day"))
    # The first report (window opening today) takes tomorrow's only slot, 9:00 office time.
    report, checkin = rows
    assert report.kind == AppointmentKind.FIRST_REPORT and report.is_late
    assert report.day == TODAY + timedelta(days=1) and report.slot == 0
    local = report.starts_at.astimezone(ZoneInfo(world.office_a.timezone))
    assert (local.date(), local.time()) == (report.day, time(9, 0))
    assert report.created_at == NOW and report.status == AppointmentStatus.BOOKED
    assert checkin.kind == AppointmentKind.CHECKIN and not checkin.is_late
    assert checkin.day == TODAY + timedelta(days=3) and checkin.booked_by == "scheduler"


def test_postgres_copy_path_still_refuses_a_duplicate_obligation(world: World) -> None:
    require_postgres()
    office = selectors.office_get(world.office_a.pk)
    demand = _two_obligations(world)
    services.obligations_book(actor=None, office=office, demand=demand)
    first_day = TODAY + timedelta(days=400)  # other slots, same obligations
    with pytest.raises(IntegrityError), transaction.atomic():
        scheduler._insert(
            office_id=office.pk,
            participant=demand.participant,
            kind=demand.kind,
            day=np.array([first_day.toordinal()] * 2, dtype=np.int64),
            slot=np.array([0, 1], dtype=np.int64),
            starts=np.array([0, 0], dtype=np.int64),
            due=demand.due,
            deadline=demand.deadline,
            late=np.array([True, True]),
            now=NOW,
        )
    assert Appointment.objects.count() == 2


def test_scheduler_refuses_obligations_of_unknown_participants_and_writes_nothing(
    world: World,
) -> None:
    # The participant key has no database constraint (ADR 0010): the scheduler's own bulk
    # check is what refuses it, on SQLite and PostgreSQL alike.
    office = selectors.office_get(world.office_a.pk)
    demand = _two_obligations(world)
    demand = rules.Demand(
        participant=np.array([demand.participant[0], 987_654_321], dtype=np.int64),
        kind=demand.kind,
        due=demand.due,
        earliest=demand.earliest,
        deadline=demand.deadline,
    )
    with pytest.raises(ValidationFailed, match="987654321"):
        services.obligations_book(actor=None, office=office, demand=demand)
    assert not Appointment.objects.exists()
    assert not AuditEntry.objects.filter(action="appointment.schedule").exists()


def _one_obligation(participant_id: int) -> rules.Demand:
    due = TODAY.toordinal() + 10
    return rules.Demand(
        participant=np.array([participant_id], dtype=np.int64),
        kind=np.array([0], dtype=np.int64),
        due=np.array([due], dtype=np.int64),
        earliest=np.array([due - 7], dtype=np.int64),
        deadline=np.array([due + 7], dtype=np.int64),
    )


@pytest.mark.django_db(transaction=True)
def test_postgres_books_offices_on_two_connections_and_a_rerun_books_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_postgres()
    world = build_world()
    threads: set[str] = set()
    book = scheduler.obligations_book

    def spy(**kwargs: object) -> scheduler.SchedulerRun:
        threads.add(threading.current_thread().name)
        return book(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduler, "obligations_book", spy)
    bookings = [
        (selectors.office_get(world.office_a.pk), _two_obligations(world)),
        (
            selectors.office_get(world.office_b.pk),
            _one_obligation(world.participants["office_b"].pk),
        ),
    ]
    runs = services.obligations_book_many(actor=None, bookings=bookings, workers=2)
    assert [(r.office_id, r.booked) for r in runs] == [
        (world.office_a.pk, 2),
        (world.office_b.pk, 1),
    ]
    assert threads and all(name.startswith("scheduler") for name in threads)
    assert Appointment.objects.filter(office_id=world.office_b.pk).count() == 1
    again = services.obligations_book_many(actor=None, bookings=bookings, workers=2)
    assert [(r.booked, r.already_booked) for r in again] == [(0, 2), (0, 1)]
    assert Appointment.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_postgres_parallel_booking_failure_rolls_back_only_that_office() -> None:
    require_postgres()
    world = build_world()
    bookings = [
        (selectors.office_get(world.office_a.pk), _one_obligation(987_654_321)),
        (
            selectors.office_get(world.office_b.pk),
            _one_obligation(world.participants["office_b"].pk),
        ),
    ]
    with pytest.raises(ValidationFailed):
        services.obligations_book_many(actor=None, bookings=bookings, workers=2)
    assert not Appointment.objects.filter(office_id=world.office_a.pk).exists()
    assert Appointment.objects.filter(office_id=world.office_b.pk).count() == 1


def test_inside_an_open_transaction_offices_are_booked_one_after_the_other(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another connection could not see this transaction's rows, so no threads here.
    threads: set[str] = set()
    book = scheduler.obligations_book

    def spy(**kwargs: object) -> scheduler.SchedulerRun:
        threads.add(threading.current_thread().name)
        return book(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduler, "obligations_book", spy)
    office = selectors.office_get(world.office_a.pk)
    runs = services.obligations_book_many(
        actor=None, bookings=[(office, _two_obligations(world))], workers=2
    )
    assert runs[0].booked == 2
    assert threads == {threading.current_thread().name}


def _appointment(world: World, *, day: date, slot: int, late: bool, status: str) -> None:
    Appointment.objects.create(
        participant=world.participants["officer_a"],
        office_id=world.office_a.pk,
        kind=AppointmentKind.AD_HOC,
        status=status,
        day=day,
        slot=slot,
        starts_at=datetime.combine(day, time(14, 0), tzinfo=UTC),
        due_date=day,
        deadline=day - timedelta(days=3) if late else day,
        is_late=late,
        booked_by="officer",
        created_at=NOW,
        updated_at=NOW,
    )


def test_backlog_report_counts_only_upcoming_booked_late_people_per_office(world: World) -> None:
    _appointment(world, day=TODAY - timedelta(days=2), slot=0, late=True, status="booked")
    _appointment(world, day=TODAY + timedelta(days=5), slot=0, late=True, status="booked")
    _appointment(world, day=TODAY + timedelta(days=9), slot=0, late=False, status="booked")
    _appointment(world, day=TODAY + timedelta(days=30), slot=0, late=True, status="cancelled")
    report = {r.office.pk: r.horizon for r in selectors.backlog_report(_scope(world, "admin"))}
    office_a, office_b = report[world.office_a.pk], report[world.office_b.pk]
    assert office_a.late == 1  # not the past one, not the cancelled one
    assert office_a.last_booked == TODAY + timedelta(days=9)  # the cancelled day is free
    assert office_b.last_booked is None and office_b.late == 0


def test_a_case_moved_to_another_office_is_booked_there_and_freed_at_the_old_one(
    world: World,
) -> None:
    from atd.people.services import case_reassign

    _in_person(world, "officer_a")
    pid = world.participants["officer_a"].pk
    services.appointments_schedule_office(actor=None, office_id=world.office_a.pk)
    assert Appointment.objects.filter(participant_id=pid, office=world.office_a).count() == 13
    admin = world.user("admin")
    case_reassign(
        actor=admin,
        scope=Scope.for_user(admin),
        case_id=world.cases["officer_a"].pk,
        officer_id=world.user("officer_b").pk,
        reason="moved to another city",
    )
    # Before the move freed them, office B's run failed on the one-booking-per-obligation key.
    run = services.appointments_schedule_office(actor=None, office_id=world.office_b.pk)
    assert run.booked == 13
    booked = Appointment.objects.filter(participant_id=pid, status=AppointmentStatus.BOOKED)
    assert set(booked.values_list("office_id", flat=True)) == {world.office_b.pk}
    cancelled = Appointment.objects.filter(participant_id=pid, status=AppointmentStatus.CANCELLED)
    assert cancelled.count() == 13 and {a.office_id for a in cancelled} == {world.office_a.pk}
    assert all(a.cancel_reason.startswith("moved to office") for a in cancelled)
    assert AuditEntry.objects.filter(action="appointment.cancel").count() == 1
    # A reassignment within the office cancels nothing.
    case_reassign(
        actor=admin,
        scope=Scope.for_user(admin),
        case_id=world.cases["officer_a"].pk,
        officer_id=world.user("officer_b").pk,
        reason="same office",
    )
    assert booked.count() == 13


def test_appointment_list_holds_booked_and_other_rows_newest_first_in_scope(
    world: World,
) -> None:
    # Booked rows and the others are read through different indexes (models.Appointment);
    # the list must still be one list, newest first, and only for callers who see the case.
    _appointment(world, day=TODAY + timedelta(days=9), slot=0, late=False, status="booked")
    _appointment(world, day=TODAY + timedelta(days=30), slot=1, late=False, status="cancelled")
    _appointment(world, day=TODAY - timedelta(days=20), slot=2, late=False, status="attended")
    _appointment(world, day=TODAY + timedelta(days=2), slot=3, late=False, status="booked")
    pid = world.participants["officer_a"].pk
    admin = world.user("admin")
    items = selectors.appointment_list_read(
        scope=Scope.for_user(admin), actor=admin, participant_id=pid
    )
    assert [(a.day, a.status) for a in items] == [
        (TODAY + timedelta(days=30), "cancelled"),
        (TODAY + timedelta(days=9), "booked"),
        (TODAY + timedelta(days=2), "booked"),
        (TODAY - timedelta(days=20), "attended"),
    ]
    officer = world.user("case_officer")
    seen = selectors.appointment_list_read(
        scope=Scope.for_user(officer), actor=officer, participant_id=pid
    )
    assert [a.pk for a in seen] == [a.pk for a in items]
    upcoming = selectors.appointment_list_read(
        scope=Scope.for_user(officer), actor=officer, participant_id=pid, upcoming_only=True
    )
    assert [a.day for a in upcoming] == [TODAY + timedelta(days=2), TODAY + timedelta(days=9)]
    other = world.user("officer_b")
    with pytest.raises(NotFound):
        selectors.appointment_list_read(
            scope=Scope.for_user(other), actor=other, participant_id=pid
        )
