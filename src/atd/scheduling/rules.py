"""Pure scheduling rules: office day capacity, in-person due dates, the slot-assignment queue,
the backlog horizon and the planner's projection. Plain values in, plain values out; `today`
is always passed in. Day arithmetic uses integer day indexes (0 = the calendar's first day) so
that a million obligations are scheduled with a few vectorised numpy passes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

KIND_CHECKIN = "checkin"
KIND_FIRST_REPORT = "first_report"
KIND_AD_HOC = "ad_hoc"


# --- capacity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacitySpec:
    """An office's standing capacity: each staff member on duty sees `slots_per_staff_day`
    participants on an open weekday, one every `slot_minutes` from `day_start` (office time)."""

    slots_per_staff_day: int = 16
    staff_on_duty: int = 2
    open_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    slot_minutes: int = 30
    day_start: time = time(8, 30)


def day_capacity(
    spec: CapacitySpec,
    day: date,
    *,
    holidays: frozenset[date] | set[date] = frozenset(),
    staff_overrides: Mapping[date, int] | None = None,
) -> int:
    """Slots on one office-local day: zero on a closed weekday or a holiday; a staff override
    (leave, training, extra staff) replaces the standing staff count for that day."""
    if day.weekday() not in spec.open_weekdays or day in holidays:
        return 0
    staff = spec.staff_on_duty
    if staff_overrides and day in staff_overrides:
        staff = staff_overrides[day]
    return max(staff, 0) * max(spec.slots_per_staff_day, 0)


def capacity_calendar(
    spec: CapacitySpec,
    start: date,
    days: int,
    *,
    holidays: frozenset[date] | set[date] = frozenset(),
    staff_overrides: Mapping[date, int] | None = None,
) -> IntArray:
    """Slots per day for `days` days from `start` (index 0 = start)."""
    weekday_of_start = start.weekday()
    weekdays = (np.arange(days, dtype=np.int64) + weekday_of_start) % 7
    open_mask = np.isin(weekdays, sorted(spec.open_weekdays))
    cal = np.where(
        open_mask, max(spec.staff_on_duty, 0) * max(spec.slots_per_staff_day, 0), 0
    ).astype(np.int64)
    for day, staff in (staff_overrides or {}).items():
        i = (day - start).days
        if 0 <= i < days and open_mask[i]:
            cal[i] = max(staff, 0) * max(spec.slots_per_staff_day, 0)
    for day in holidays:
        i = (day - start).days
        if 0 <= i < days:
            cal[i] = 0
    return cal


def slot_local_time(spec: CapacitySpec, slot: int, staff: int) -> time:
    """Staff see participants in parallel: slots 0..staff-1 share the first time, and so on."""
    step = slot // max(staff, 1)
    start = datetime.combine(date(2000, 1, 1), spec.day_start)
    return (start + timedelta(minutes=step * spec.slot_minutes)).time()


def office_day_fits(day_start: time, slots_per_staff_day: int, slot_minutes: int) -> bool:
    """The last appointment of a staff member's day ends by midnight."""
    start = day_start.hour * 60 + day_start.minute
    return start + slots_per_staff_day * slot_minutes <= 24 * 60


def free_slot_numbers(capacity: int, taken: Iterable[int]) -> list[int]:
    used = set(taken)
    return [s for s in range(capacity) if s not in used]


# --- obligations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Obligation:
    """Something a participant must attend in person: a check-in due on `due` (bookable from
    `earliest`, late after `deadline`) or a first report by its report-by deadline."""

    participant_id: int
    kind: str
    due: date
    earliest: date
    deadline: date


def checkin_due_dates(plan_start: date, cadence_days: int, since: date, until: date) -> list[date]:
    """Due dates plan_start + k*cadence (k >= 1) falling in [since, until]."""
    if cadence_days < 1 or until < since:
        return []
    first_k = max(1, -(-(since - plan_start).days // cadence_days))
    out = []
    due = plan_start + timedelta(days=first_k * cadence_days)
    while due <= until:
        out.append(due)
        due += timedelta(days=cadence_days)
    return out


def checkin_obligations(
    *,
    participant_id: int,
    plan_start: date,
    cadence_days: int,
    today: date,
    horizon_days: int,
    grace_before_days: int,
    grace_after_days: int,
) -> list[Obligation]:
    """The in-person check-ins of one plan due in the next `horizon_days`, plus any whose late
    edge has not passed yet (a check-in due yesterday can still be booked on time)."""
    since = today - timedelta(days=grace_after_days)
    until = today + timedelta(days=horizon_days)
    return [
        Obligation(
            participant_id=participant_id,
            kind=KIND_CHECKIN,
            due=due,
            earliest=max(due - timedelta(days=grace_before_days), today),
            deadline=due + timedelta(days=grace_after_days),
        )
        for due in checkin_due_dates(plan_start, cadence_days, since, until)
    ]


def first_report_deadline(release_date: date, report_by_days: int = 60) -> date:
    return release_date + timedelta(days=report_by_days)


def first_report_obligation(
    *, participant_id: int, release_date: date, today: date, report_by_days: int
) -> Obligation:
    """A first report is due as soon as possible; it is late after the report-by deadline."""
    deadline = first_report_deadline(release_date, report_by_days)
    return Obligation(
        participant_id=participant_id,
        kind=KIND_FIRST_REPORT,
        due=deadline,
        earliest=max(release_date, today),
        deadline=deadline,
    )


KINDS = (KIND_CHECKIN, KIND_FIRST_REPORT, KIND_AD_HOC)


@dataclass(frozen=True)
class Demand:
    """Obligations as parallel arrays (dates as proleptic ordinals, kinds as KINDS indexes), the
    form a million of them can be scheduled in."""

    participant: IntArray
    kind: IntArray
    due: IntArray
    earliest: IntArray
    deadline: IntArray

    def __len__(self) -> int:
        return int(self.participant.shape[0])

    def subset(self, mask: npt.NDArray[np.bool_]) -> Demand:
        return Demand(
            participant=self.participant[mask],
            kind=self.kind[mask],
            due=self.due[mask],
            earliest=self.earliest[mask],
            deadline=self.deadline[mask],
        )


def demand_from_obligations(obligations: Sequence[Obligation]) -> Demand:
    def column(values: Iterable[int]) -> IntArray:
        return np.fromiter(values, dtype=np.int64, count=len(obligations))

    return Demand(
        participant=column(o.participant_id for o in obligations),
        kind=column(KINDS.index(o.kind) for o in obligations),
        due=column(o.due.toordinal() for o in obligations),
        earliest=column(o.earliest.toordinal() for o in obligations),
        deadline=column(o.deadline.toordinal() for o in obligations),
    )


# --- the assignment queue ------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """Per obligation (input order): the day index it got (-1 when the calendar ran out) and
    its ordinal among that day's free slots (the caller maps it to a slot number)."""

    day: IntArray
    ordinal: IntArray

    @property
    def placed(self) -> npt.NDArray[np.bool_]:
        return self.day >= 0


def assign_slots(
    earliest: Sequence[int] | IntArray,
    deadline: Sequence[int] | IntArray,
    free: Sequence[int] | IntArray,
) -> Assignment:
    """Books each obligation into the first free slot on or after its earliest day.

    Obligations queue in order of (earliest, deadline): when windows have equal width this is
    earliest-deadline-first, which minimises the worst lateness; a first report (wide window
    opening today) joins the front of the queue, which only makes it earlier. Days are filled
    in order and never revisited, so in slot-number space (all free slots of the calendar laid
    end to end) the k-th obligation's slot is s_k = max(s_{k-1} + 1, C[earliest_k]), where C
    is the cumulative free capacity. That recursion unrolls to k + running-max(C[e_k] - k), so
    the whole queue is two sorts and a cumulative maximum, no Python loop.
    """
    e = np.asarray(earliest, dtype=np.int64)
    d = np.asarray(deadline, dtype=np.int64)
    cap = np.asarray(free, dtype=np.int64)
    n = e.shape[0]
    day_out = np.full(n, -1, dtype=np.int64)
    ordinal_out = np.zeros(n, dtype=np.int64)
    if n == 0:
        return Assignment(day=day_out, ordinal=ordinal_out)
    order = np.lexsort((d, e))
    starts_at_day = np.clip(e[order], 0, cap.shape[0])
    cumulative = np.zeros(cap.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.maximum(cap, 0), out=cumulative[1:])
    total = int(cumulative[-1])
    k = np.arange(n, dtype=np.int64)
    slot = k + np.maximum.accumulate(cumulative[starts_at_day] - k)
    placed = slot < total
    day = np.searchsorted(cumulative, slot, side="right") - 1
    day_sorted = np.where(placed, day, -1)
    ordinal_sorted = np.where(placed, slot - cumulative[np.clip(day, 0, cap.shape[0])], 0)
    day_out[order] = day_sorted
    ordinal_out[order] = ordinal_sorted
    return Assignment(day=day_out, ordinal=ordinal_out)


def is_late(day: date, deadline: date) -> bool:
    return day > deadline


# --- backlog horizon -----------------------------------------------------------------------


@dataclass(frozen=True)
class Horizon:
    last_booked: date | None
    backlog_days: int
    booked: int | None  # None when not counted (the all-offices report)
    late: int

    @property
    def years(self) -> float:
        return round(self.backlog_days / 365.25, 1)


def backlog_horizon(
    *, today: date, last_booked: date | None, booked: int | None, late: int
) -> Horizon:
    """Days of backlog: how far ahead the office is booked (0 when nothing is booked)."""
    days = max((last_booked - today).days, 0) if last_booked else 0
    return Horizon(last_booked=last_booked, backlog_days=days, booked=booked, late=late)


# --- planner -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannerPoint:
    """If participants compliant for at least `min_days` moved to remote check-in: how many
    move, the office's last booked day (index) and how many remaining obligations are late."""

    min_days: int | None  # None: nobody moves (today's demand)
    moved: int
    last_day: int  # -1: nothing booked
    late: int
    unplaced: int


def participants_to_move(
    compliance_days: Mapping[int, int], min_days: int, *, movable: Iterable[int] | None = None
) -> set[int]:
    """Participants compliant for at least `min_days` (and, if given, among `movable`)."""
    allowed = None if movable is None else set(movable)
    return {
        pid
        for pid, days in compliance_days.items()
        if days >= min_days and (allowed is None or pid in allowed)
    }


def planner_projection(
    *,
    participant: Sequence[int] | IntArray,
    kind_is_checkin: Sequence[bool] | npt.NDArray[np.bool_],
    earliest: Sequence[int] | IntArray,
    deadline: Sequence[int] | IntArray,
    capacity: Sequence[int] | IntArray,
    compliance_days: Mapping[int, int],
    thresholds: Sequence[int],
) -> list[PlannerPoint]:
    """Re-runs the queue over the whole capacity calendar once per threshold, without the
    check-ins of the participants who would move (first reports always stay in person)."""
    pids = np.asarray(participant, dtype=np.int64)
    checkin = np.asarray(kind_is_checkin, dtype=bool)
    e = np.asarray(earliest, dtype=np.int64)
    d = np.asarray(deadline, dtype=np.int64)
    points = []
    for threshold in [None, *thresholds]:
        if threshold is None:
            moving: set[int] = set()
        else:
            moving = participants_to_move(compliance_days, threshold)
        if moving:
            moved_mask = np.isin(pids, np.fromiter(moving, dtype=np.int64)) & checkin
        else:
            moved_mask = np.zeros(pids.shape[0], dtype=bool)
        keep = ~moved_mask
        result = assign_slots(e[keep], d[keep], capacity)
        placed = result.placed
        last = int(result.day[placed].max()) if placed.any() else -1
        late = int(np.count_nonzero(placed & (result.day > d[keep])))
        moved_people = len(set(pids[moved_mask].tolist()))
        points.append(
            PlannerPoint(
                min_days=threshold,
                moved=moved_people,
                last_day=last,
                late=late,
                unplaced=int(np.count_nonzero(~placed)),
            )
        )
    return points


def compliance_days_under_supervision(release_date: date, today: date) -> int:
    """The planner's stand-in for "compliant for N days" until check-in history is available
    to it: days since release (a participant with a missed check-in is not excluded yet)."""
    return max((today - release_date).days, 0)
