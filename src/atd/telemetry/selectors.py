"""Reads of telemetry: a participant's track and last position (scoped, audited), dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import F, FloatField, Func, QuerySet, Value, Window
from django.db.models.functions import Mod, RowNumber

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import DomainError, FieldError, NotFound
from atd.core.scope import Scope
from atd.devices.types import DeviceHealth
from atd.people.selectors import (
    participant_exists_in_scope,
    participant_get_in_scope,
    participant_ids_in_scope,
    participant_ids_in_scope_by_case,
)
from atd.telemetry.models import (
    DeadLetter,
    DeviceEvent,
    DeviceState,
    LastPosition,
    LegalHold,
    Position,
)
from atd.telemetry.rules.track_access import (  # noqa: F401  (TRACK_*: published for the console)
    REFUSED_REASON,
    ROUTINE_REASON,
    TRACK_MAX_SPAN,
    TRACK_RECENT,
    track_reason_clean,
    track_reason_required,
)
from atd.telemetry.types import TrackPoint, TrackSample


@dataclass
class ReasonRequired(DomainError):
    """A track read past the recent window without a stated reason (400 reason_required)."""

    detail: str = "Reading a track older than 7 days needs a reason; it is recorded."
    status: int = 400
    title: str = "Reason required"
    type: str = "/problems/reason-required"

    def __post_init__(self) -> None:
        if not self.errors:
            self.errors = [FieldError(field="reason", reason="reason_required")]


def track_read_reason(
    *, actor: Any, participant_id: int, since: datetime, reason: str | None, action: str
) -> str:
    """The reason to record for a read of one participant's track from `since`: the stated
    one, or the routine one for a recent period. A read past the recent window without a
    reason is refused and the refusal audited (raises ReasonRequired). Every door that shows
    a track (the console's map, the API) asks here, so the rule cannot differ between them."""
    stated = track_reason_clean(reason)
    if stated:
        return stated
    if track_reason_required(since=since, now=clock.now()):
        audit_record(
            actor=actor,
            action=action,
            object_type="participant",
            object_ids=[participant_id],
            outcome="refused",
            reason=REFUSED_REASON,
        )
        raise ReasonRequired()
    return ROUTINE_REASON


def participant_track_read(
    *,
    scope: Scope,
    actor: Any,
    participant_id: int,
    since: datetime,
    limit: int = 1000,
    reason: str | None = None,
) -> tuple[LastPosition | None, list[Position]]:
    """The last position and the track since `since` (newest first), in scope; a period past
    the recent window needs a `reason` (track_read_reason), recorded in the audit entry."""
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    recorded = track_read_reason(
        actor=actor,
        participant_id=participant.pk,
        since=since,
        reason=reason,
        action="telemetry.track_read",
    )
    last = LastPosition.objects.filter(participant_id=participant.pk).first()
    track = list(
        Position.objects.filter(participant_id=participant.pk, fix_time__gte=since).order_by(
            "-fix_time"
        )[:limit]
    )
    audit_record(
        actor=actor,
        action="telemetry.track_read",
        object_type="participant",
        object_ids=[participant.pk],
        reason=recorded,
    )
    return last, track


def _track_queryset(participant_id: int, since: datetime, until: datetime) -> QuerySet[Position]:
    return Position.objects.filter(
        participant_id=participant_id, fix_time__gte=since, fix_time__lte=until
    )


def track_for_participant(
    scope: Scope, participant_id: int, since: datetime, until: datetime
) -> list[TrackPoint]:
    """Every fix of one participant in [since, until], oldest first. Scope is applied here;
    the caller audits the read (the console's track endpoint does)."""
    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        raise NotFound()
    rows = (
        _track_queryset(participant_id, since, until)
        .order_by("fix_time")
        .values_list("fix_time", "lat", "lon", "accuracy_m")
    )
    return [TrackPoint(*row) for row in rows]


def track_sample_for_participant(
    scope: Scope, participant_id: int, since: datetime, until: datetime, max_points: int
) -> TrackSample:
    """The map's track: every k-th fix of the period (k chosen so at most `max_points` come
    back, the newest fix always among them), thinned in the database. A week at one fix a
    minute is ~10,000 rows; decoding them all costs more than the rest of the page, so only
    the kept rows leave PostgreSQL. Same scope rule and audit duty as track_for_participant."""
    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        raise NotFound()
    fixes = _track_queryset(participant_id, since, until)
    count = fixes.count()  # an index-only range count on (participant, fix_time)
    if count == 0:
        return TrackSample(fix_count=0, points=())
    step = -(-count // max(max_points, 1))
    rows = fixes.order_by("fix_time").values_list("fix_time", "lat", "lon", "accuracy_m")
    if step > 1:
        rows = (
            fixes.annotate(rn=Window(RowNumber(), order_by=F("fix_time").asc()))
            .annotate(residue=Mod(F("rn"), step))
            .filter(residue=count % step)
            .order_by("fix_time")
            .values_list("fix_time", "lat", "lon", "accuracy_m")
        )
    return TrackSample(fix_count=count, points=tuple(TrackPoint(*row) for row in rows))


def last_positions_in_scope(scope: Scope) -> QuerySet[LastPosition]:
    """For maps: callers audit the participant ids they show."""
    return LastPosition.objects.filter(participant_id__in=participant_ids_in_scope(scope))


def device_health(device_ids: Sequence[int]) -> dict[int, DeviceHealth]:
    """The health telemetry measured of each device that has reported (registered as devices'
    health reader: devices' pages show it)."""
    rows = DeviceState.objects.filter(device_id__in=list(device_ids)).values_list(
        "device_id",
        "last_contact_at",
        "battery",
        "battery_level",
        "charging",
        "strap_open",
        "last_fix_time",
        "accuracy_m",
        "moving",
    )
    return {row[0]: DeviceHealth(*row) for row in rows}


def legal_hold_participant_ids() -> set[int]:
    """Participants under an active legal hold (registered with core.extensions so other
    contexts' retention jobs, e.g. checkins' photos, keep their evidence too)."""
    return set(
        LegalHold.objects.filter(released_at__isnull=True).values_list("participant_id", flat=True)
    )


def dead_letter_list(
    *, reason: str | None = None, pending_only: bool = True
) -> QuerySet[DeadLetter]:
    qs = DeadLetter.objects.order_by("-received_at", "-id")
    if reason:
        qs = qs.filter(reason=reason)
    if pending_only:
        qs = qs.filter(replayed_at__isnull=True)
    return qs


def position_count() -> int:
    return Position.objects.count()


def device_events_since(
    participant_id: int, since: datetime | None, limit: int = 200
) -> list[DeviceEvent]:
    qs = DeviceEvent.objects.filter(participant_id=participant_id)
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    return list(qs.order_by("-occurred_at")[:limit])


class _SecondsSince(Func):
    """Seconds from a datetime column to a given moment, a float computed by the database (no
    timestamp travels to Python to be parsed there: the fleet map reads a whole office's).
    On PostgreSQL the moment is sent as epoch seconds and the column's are read with
    date_part, in float8: EXTRACT and interval arithmetic go through numeric, which cost a
    third of the query for an office's 10,000 rows."""

    output_field = FloatField()

    def __init__(self, column: str, moment: datetime) -> None:
        super().__init__(Value(moment.timestamp(), output_field=FloatField()), F(column))

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        moment, column = self.get_source_expressions()
        moment_sql, moment_params = compiler.compile(moment)
        column_sql, column_params = compiler.compile(column)
        if connection.vendor == "sqlite":  # julian days; 2440587.5 is the Unix epoch's
            sql = f"({moment_sql} - (julianday({column_sql}) - 2440587.5) * 86400.0)"
        else:
            sql = f"({moment_sql}::float8 - date_part('epoch', {column_sql}))"
        return sql, (*moment_params, *column_params)


class _Rounded(Func):
    """A float column rounded to 5 decimals (~1 m) by the database, in float8 (a round trip
    through numeric costs more than the rest of the row on PostgreSQL)."""

    output_field = FloatField()
    template = "(ROUND(%(expressions)s * 100000.0) / 100000.0)"

    def __init__(self, column: str) -> None:
        super().__init__(F(column))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="ROUND(%(expressions)s, 5)", **extra)


FleetRow = tuple[int, float, float, float, str]


def fleet_rows(scope: Scope, *, now: datetime) -> list[FleetRow]:
    """(participant id, lat, lon, seconds from the fix to `now`, device kind) of the last
    position of every participant in the caller's scope, coordinates to 5 decimals (the fleet
    map, polled for a whole office): one query whose rows come back as the driver reads them,
    the age and rounding computed by the database (no timestamp parsed, no converter run per
    row in Python). The caller audits the ids it shows."""
    visible = participant_ids_in_scope_by_case(scope)
    query = LastPosition.objects.filter(participant_id__in=visible).values_list(
        "participant_id",
        _Rounded("lat"),
        _Rounded("lon"),
        _SecondsSince("fix_time", now),
        "device__kind",
    )
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]


# --- at large (issue 19) ------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceContact:
    """A participant's device contact for the at-large rules: the latest strap cut, whether a
    strap is open now, and the device's latest report (which is no sign of the person while
    the strap is open: a cut device may lie where it was left)."""

    strap_cut_at: datetime | None
    strap_open: bool
    last_report_at: datetime | None


def device_contact_for_participants(participant_ids: list[int]) -> dict[int, DeviceContact]:
    """participant id -> device contact (the platform's own read, for the at-large job)."""
    from django.db.models import Max

    ids = sorted(set(participant_ids))
    cuts: dict[int, datetime] = {}
    states: dict[int, tuple[bool, datetime | None]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for pid, at in (
            DeviceEvent.objects.filter(participant_id__in=chunk, kind="strap_open")
            .values("participant_id")
            .annotate(at=Max("occurred_at"))
            .values_list("participant_id", "at")
        ):
            cuts[pid] = at
        for pid, strap_open, last in DeviceState.objects.filter(
            participant_id__in=chunk
        ).values_list("participant_id", "strap_open", "last_contact_at"):
            was_open, was_last = states.get(pid, (False, None))
            newest = last if was_last is None or (last and last > was_last) else was_last
            states[pid] = (was_open or strap_open, newest)
    return {
        pid: DeviceContact(
            strap_cut_at=cuts.get(pid),
            strap_open=states.get(pid, (False, None))[0],
            last_report_at=states.get(pid, (False, None))[1],
        )
        for pid in set(cuts) | set(states)
    }


def positions_latest(*, scope: Scope, participant_id: int, limit: int = 10) -> list[TrackPoint]:
    """The participant's newest fixes, newest first. Scope applied here; the caller audits."""
    if not participant_exists_in_scope(scope=scope, participant_id=participant_id):
        raise NotFound()
    rows = (
        Position.objects.filter(participant_id=participant_id)
        .order_by("-fix_time")
        .values_list("fix_time", "lat", "lon", "accuracy_m")[:limit]
    )
    return [TrackPoint(*row) for row in rows]
