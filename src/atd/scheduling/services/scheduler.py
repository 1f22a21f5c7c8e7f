"""The automatic scheduler: books every due in-person obligation of an office into its
capacity calendar in one transaction and one audit entry.

It is restart-safe and idempotent: obligations that already hold a booked appointment are
skipped (and the (participant, kind, due date) constraint refuses a duplicate), so a run that
died half-way, or a second run the same day, books only what is still missing. A large office
books hundreds of thousands of rows: PostgreSQL takes them with one COPY, SQLite with an
executemany per chunk; the constraints apply to both."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from atd.core import clock
from atd.core.audit import audit_record
from atd.scheduling import rules, selectors
from atd.scheduling.choices import AppointmentStatus, BookedBy
from atd.scheduling.models import Appointment
from atd.scheduling.services import pgcopy

CHUNK = 20_000
COPY_CHUNK = 100_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class SchedulerRun:
    office_id: int
    considered: int
    already_booked: int
    booked: int
    late: int
    unplaced: int
    last_day: date | None


def _day_strings(ordinals: Any) -> list[str]:
    return np.datetime_as_string((ordinals - _EPOCH_ORDINAL).astype("datetime64[D]")).tolist()


def _utc_strings(epoch_seconds: Any) -> list[str]:
    # The database form Django itself writes for an aware datetime: naive UTC text, which both
    # SQLite and PostgreSQL (session time zone UTC) read back as the same instant.
    text = np.datetime_as_string(epoch_seconds.astype("datetime64[s]"), unit="s").tolist()
    return [t.replace("T", " ") for t in text]


def _day_start_epochs(calendar: selectors.OfficeCalendar, days: int) -> Any:
    return _day_start_epochs_cached(
        calendar.timezone, calendar.start, days, calendar.spec.day_start
    )


@functools.lru_cache(maxsize=64)
def _day_start_epochs_cached(timezone: str, start: date, days: int, day_start: time) -> Any:
    """UTC epoch seconds of each calendar day's first slot, in the office's timezone (DST)."""
    zone = ZoneInfo(timezone)
    out = np.empty(days, dtype=np.int64)
    for i in range(days):
        local = datetime.combine(start + timedelta(days=i), day_start, tzinfo=zone)
        out[i] = int(local.timestamp())
    out.flags.writeable = False
    return out


def _without_booked(office_id: int, demand: rules.Demand) -> tuple[rules.Demand, int]:
    if len(demand) == 0:
        return demand, 0
    since = date.fromordinal(int(demand.due.min()))
    existing = selectors.booked_obligation_keys(office_id, since)
    if not existing:
        return demand, 0
    keys = {(p, rules.KINDS.index(k), d.toordinal()) for p, k, d in existing}
    mask = np.fromiter(
        (
            (p, k, d) not in keys
            for p, k, d in zip(
                demand.participant.tolist(), demand.kind.tolist(), demand.due.tolist(), strict=True
            )
        ),
        dtype=bool,
        count=len(demand),
    )
    return demand.subset(mask), int(len(demand) - mask.sum())


@transaction.atomic
def obligations_book(
    *, actor: Any, office: Any, demand: rules.Demand, first_day: date | None = None
) -> SchedulerRun:
    """Books `demand` (obligations of participants of `office`) into free slots from
    `first_day` (default: tomorrow, office time)."""
    selectors_office = selectors.office_get(office.pk)  # fails fast on a missing office
    first_day = first_day or selectors.office_today(selectors_office) + timedelta(days=1)
    days = settings.ATD_SCHEDULING_CALENDAR_DAYS
    considered = len(demand)
    demand, already = _without_booked(office.pk, demand)
    calendar = selectors.office_calendar(office, first_day, days)
    taken = selectors.booked_slots(office.pk, first_day)
    free = selectors.free_capacity(calendar, taken)
    base = first_day.toordinal()
    result = rules.assign_slots(demand.earliest - base, demand.deadline - base, free)
    placed = result.placed
    day_index = result.day[placed]
    slot = result.ordinal[placed].copy()
    # Days that already hold bookings: the k-th free slot is not slot number k.
    taken_index = {
        (d - first_day).days: s for d, s in taken.items() if 0 <= (d - first_day).days < days
    }
    if taken_index:
        for i in np.flatnonzero(np.isin(day_index, list(taken_index))):
            di = int(day_index[i])
            numbers = rules.free_slot_numbers(int(calendar.capacity[di]), taken_index[di])
            slot[i] = numbers[int(slot[i])]
    staff = np.full(days, max(calendar.spec.staff_on_duty, 1), dtype=np.int64)
    for override_day, n in calendar.staff_overrides.items():
        staff[(override_day - first_day).days] = max(n, 1)
    starts = (
        _day_start_epochs(calendar, days)[day_index]
        + (slot // staff[day_index]) * calendar.spec.slot_minutes * 60
    )
    day_ordinal = day_index + base
    late = day_ordinal > demand.deadline[placed]
    now = clock.now()
    if placed.any():
        _insert(
            office_id=office.pk,
            participant=demand.participant[placed],
            kind=demand.kind[placed],
            day=day_ordinal,
            slot=slot,
            starts=starts,
            due=demand.due[placed],
            deadline=demand.deadline[placed],
            late=late,
            now=now,
        )
    booked = int(placed.sum())
    run = SchedulerRun(
        office_id=office.pk,
        considered=considered,
        already_booked=already,
        booked=booked,
        late=int(late.sum()),
        unplaced=int(len(demand) - booked),
        last_day=date.fromordinal(int(day_ordinal.max())) if booked else None,
    )
    audit_record(
        actor=actor,
        action="appointment.schedule",
        object_type="office",
        object_ids=[office.pk],
        reason=(
            f"considered={run.considered} already={run.already_booked} booked={run.booked} "
            f"late={run.late} unplaced={run.unplaced}"
        ),
    )
    return run


_COLUMNS = (
    "participant_id",
    "office_id",
    "kind",
    "status",
    "day",
    "slot",
    "starts_at",
    "due_date",
    "deadline",
    "is_late",
    "booked_by",
    "reschedule_count",
    "cancel_reason",
    "created_at",
    "updated_at",
)


def insert_statement() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _COLUMNS)
    values = ", ".join(["%s"] * len(_COLUMNS))
    table = quote(Appointment._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608


def _insert(
    *,
    office_id: int,
    participant: Any,
    kind: Any,
    day: Any,
    slot: Any,
    starts: Any,
    due: Any,
    deadline: Any,
    late: Any,
    now: datetime,
) -> None:
    if connection.vendor == "postgresql":
        _copy(
            [
                pgcopy.BookedRows(
                    participant=participant[mine],
                    office_id=office_id,
                    kind=rules.KINDS[k],
                    status=AppointmentStatus.BOOKED.value,
                    day=day[mine],
                    slot=slot[mine],
                    starts=starts[mine],
                    due=due[mine],
                    deadline=deadline[mine],
                    late=late[mine],
                    booked_by=BookedBy.SCHEDULER.value,
                    now=now,
                )
                for k in np.unique(kind).tolist()
                for mine in [kind == k]
            ]
        )
        return
    stamp = now.astimezone(ZoneInfo("UTC")).replace(tzinfo=None).isoformat(" ")
    kinds = np.asarray(rules.KINDS, dtype=object)[kind].tolist()
    rows = zip(
        participant.tolist(),
        itertools.repeat(office_id),
        kinds,
        itertools.repeat(AppointmentStatus.BOOKED.value),
        _day_strings(day),
        slot.tolist(),
        _utc_strings(starts),
        _day_strings(due),
        _day_strings(deadline),
        late.tolist(),
        itertools.repeat(BookedBy.SCHEDULER.value),
        itertools.repeat(0),
        itertools.repeat(""),
        itertools.repeat(stamp),
        itertools.repeat(stamp),
        strict=False,
    )
    sql = insert_statement()
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, CHUNK)):
            cursor.executemany(sql, batch)


def copy_statement() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _COLUMNS)
    return f"COPY {quote(Appointment._meta.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"


def _copy(groups: list[pgcopy.BookedRows]) -> None:
    """PostgreSQL: the rows go in with one binary COPY (`pgcopy`). The constraints and
    indexes still apply, so a duplicate obligation or slot fails the whole run exactly as the
    INSERT path does."""
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(copy_statement()) as copy:
            copy.write(pgcopy.SIGNATURE)
            for group in groups:
                for lo in range(0, len(group), COPY_CHUNK):
                    copy.write(pgcopy.encode(group.slice(lo, lo + COPY_CHUNK)))
            copy.write(pgcopy.TRAILER)


def appointments_schedule_office(*, actor: Any, office_id: int) -> SchedulerRun:
    office = selectors.office_get(office_id)
    today = selectors.office_today(office)
    demand = selectors.office_demand(office.pk, today)
    return obligations_book(
        actor=actor,
        office=office,
        demand=rules.demand_from_obligations(demand.obligations),
    )


def appointments_schedule_all(*, actor: Any = None) -> list[SchedulerRun]:
    """Every office, one transaction each (the periodic job; safe to re-run at any time)."""
    return [
        appointments_schedule_office(actor=actor, office_id=o.pk)
        for o in selectors.offices_in_scope(selectors.SYSTEM_SCOPE)
    ]
