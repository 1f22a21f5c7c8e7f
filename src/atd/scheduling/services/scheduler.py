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
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection, connections, transaction

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import ValidationFailed
from atd.core.jobs.progress import job_progress
from atd.people import selectors as people
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
        participant = demand.participant[placed]
        _participants_check(participant)
        # Written in participant order: both participant-keyed indexes then take each
        # person's rows on one leaf page, instead of one random page per row.
        order = np.lexsort((demand.due[placed], participant))
        _insert(
            office_id=office.pk,
            participant=participant[order],
            kind=demand.kind[placed][order],
            day=day_ordinal[order],
            slot=slot[order],
            starts=starts[order],
            due=demand.due[placed][order],
            deadline=demand.deadline[placed][order],
            late=late[order],
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


def _participants_check(participant: Any) -> None:
    """The participant key has no database constraint (ADR 0010), so the scheduler checks
    every id it writes, in bulk, inside the booking transaction: an unknown id fails the
    office's run before anything is written."""
    unknown = people.participant_ids_unknown(np.unique(participant).tolist())
    if unknown:
        shown = ", ".join(str(i) for i in unknown[:10])
        raise ValidationFailed(
            detail=f"{len(unknown)} participant ids of this run name no participant ({shown})"
        )


def obligations_book_many(
    *, actor: Any, bookings: list[tuple[Any, rules.Demand]], workers: int | None = None
) -> list[SchedulerRun]:
    """Books several offices, one transaction each, on up to `workers` connections at once
    (default `ATD_SCHEDULING_WORKERS`). Offices never share a slot or an obligation, so the
    parallel transactions cannot conflict; each office still commits or rolls back whole, and
    a re-run books only what is missing. Runs in the caller's thread, one office after the
    other, on SQLite (one writer at a time) and inside an open transaction (other
    connections could not see its rows, e.g. in a test)."""
    workers = settings.ATD_SCHEDULING_WORKERS if workers is None else workers
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [obligations_book(actor=actor, office=o, demand=d) for o, d in bookings]
    return _in_threads(
        [functools.partial(obligations_book, actor=actor, office=o, demand=d) for o, d in bookings],
        workers,
    )


def _in_threads(jobs: list[Callable[[], SchedulerRun]], workers: int) -> list[SchedulerRun]:
    """Runs `jobs` on `workers` threads, each with its own database connection (Django's
    connections are per thread), kept for all the jobs the thread takes and closed when it
    runs out. Results keep the jobs' order; the first failure is raised once every thread
    has stopped (a thread stops taking jobs after a failure; the others finish theirs)."""
    todo: queue.SimpleQueue[tuple[int, Callable[[], SchedulerRun]]] = queue.SimpleQueue()
    for item in enumerate(jobs):
        todo.put(item)
    results: dict[int, SchedulerRun] = {}
    failures: list[tuple[int, BaseException]] = []

    def worker() -> None:
        try:
            while True:
                try:
                    index, job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[index] = job()
                except BaseException as exc:  # re-raised in the caller's thread
                    failures.append((index, exc))
                    return
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, name=f"scheduler-{i}", daemon=True)
        for i in range(min(workers, len(jobs)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise min(failures, key=lambda f: f[0])[1]
    return [results[i] for i in range(len(jobs))]


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
        bulk_session(cursor)
        with cursor.cursor.copy(copy_statement()) as copy:
            copy.write(pgcopy.SIGNATURE)
            for group in groups:
                for lo in range(0, len(group), COPY_CHUNK):
                    copy.write(pgcopy.encode(group.slice(lo, lo + COPY_CHUNK)))
            copy.write(pgcopy.TRAILER)


def bulk_session(cursor: Any) -> None:
    """Settings for this booking transaction only (SET LOCAL ends with it):
    `synchronous_commit = off`, so the commit does not wait for its WAL flush. A crash in
    that instant can lose the office's last committed run, never corrupt it or half-write it;
    the next run books it again (idempotent). The audit entry is in the same transaction, so
    it is lost or kept together with the rows."""
    cursor.execute("SET LOCAL synchronous_commit = off")


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
    """Every office, one transaction each (the periodic job; safe to re-run at any time), on
    up to `ATD_SCHEDULING_WORKERS` connections at once (see `obligations_book_many`)."""
    offices = [o.pk for o in selectors.offices_in_scope(selectors.SYSTEM_SCOPE)]
    workers = settings.ATD_SCHEDULING_WORKERS
    done = itertools.count(1)
    job_progress(0, len(offices))

    def one(office_id: int) -> SchedulerRun:
        run = appointments_schedule_office(actor=actor, office_id=office_id)
        job_progress(next(done), len(offices))  # offices done / total, seen in the admin
        return run

    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [one(pk) for pk in offices]
    return _in_threads([functools.partial(one, pk) for pk in offices], workers)
