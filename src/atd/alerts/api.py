"""HTTP API of alerts: the queue, one alert with its evidence, lifecycle actions, the change
stamp the live views poll, the caller's alert preferences and an office's on-call list."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import AfterValidator, Field

from atd.alerts import selectors, services
from atd.alerts.choices import Disposition
from atd.alerts.services.preferences import officer_preference_set, on_call_list_set
from atd.core.api import PageParams, principal_of, scope_of
from atd.core.errors import Forbidden
from atd.core.roles import STAFF_ROLES
from atd.core.scope import STAFF_CASE_ROLES

router = Router(tags=["alerts"])

MAX_ID = 2**63 - 1  # a database id: larger numbers cannot name a row (and overflow SQLite)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _moment_in_range(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if abs(value.utcoffset() or timedelta(0)) > timedelta(hours=14):
        raise ValueError("time zone offset must be within ±14 hours")
    if not 1900 <= value.year <= 2200:
        raise ValueError("year must be between 1900 and 2200")
    return value.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_moment_in_range)]


class AlertOut(Schema):
    id: int
    kind: str
    severity: str
    status: str
    title: str
    participant_id: int | None
    case_id: int | None
    office_id: int | None
    officer_id: int | None
    opened_at: datetime
    first_event_at: datetime
    last_event_at: datetime
    occurrence_count: int
    ack_due_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    disposition: str
    escalation_level: int


class EventOut(Schema):
    kind: str
    occurred_at: datetime
    source: str
    source_ref: str
    detail: dict[str, Any]


class TransitionOut(Schema):
    action: str
    from_status: str
    to_status: str
    at: datetime
    actor_label: str
    disposition: str
    note: str
    escalation_level: int


class AlertDetailOut(AlertOut):
    resolution_note: str
    evidence: dict[str, Any]
    events: list[EventOut]
    transitions: list[TransitionOut]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.all()[:500])

    @staticmethod
    def resolve_transitions(obj: Any) -> list[Any]:
        return list(obj.transitions.all())


class AlertPage(Schema):
    count: int
    items: list[AlertOut]


class QueueFilters(Schema):
    kind: str = ""
    severity: str = ""
    status: str = "active"
    office_id: Id | None = None
    officer_id: Id | None = None
    participant_id: Id | None = None
    older_than_hours: int | None = Field(None, ge=1, le=24 * 365)
    sla_breached: bool = False
    opened_after: Moment | None = None


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ResolveIn(Schema):
    disposition: Disposition
    note: str = Field(..., max_length=2000)


class ReopenIn(Schema):
    reason: str = Field(..., max_length=500)


class BulkOut(Schema):
    acknowledged: list[int]


class StampOut(Schema):
    stamp: str
    counts: dict[str, dict[str, int]]


class PreferenceIn(Schema):
    on_call_weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field([], max_length=7)
    on_call_start: time | None = None
    on_call_end: time | None = None
    timezone: str = Field("UTC", max_length=64)
    page_severities: list[str] = Field(["critical", "high"], max_length=4)
    channels: list[str] = Field(["in_app"], max_length=3)
    phone: str = Field("", max_length=32)


class PreferenceOut(PreferenceIn):
    user_id: int


class OnCallIn(Schema):
    office_id: Id
    user_ids: list[Id] = Field(..., max_length=100)


def _staff(request: HttpRequest) -> Any:
    scope = scope_of(request)
    scope.require(*STAFF_CASE_ROLES)
    return scope


@router.get("/", response=AlertPage)
def alert_queue(
    request: HttpRequest, filters: Query[QueueFilters], page: Query[PageParams]
) -> dict[str, Any]:
    scope = _staff(request)
    items, total = selectors.alert_list(
        scope=scope,
        filters=selectors.AlertFilters(**filters.dict()),
        offset=page.offset,
        limit=page.limit,
    )
    return {"count": total, "items": items}


@router.get("/stamp", response=StampOut)
def alert_stamp(request: HttpRequest) -> dict[str, Any]:
    """Cheap: poll this, refetch the queue when `stamp` changes."""
    scope = _staff(request)
    return {
        "stamp": selectors.alert_change_stamp(scope),
        "counts": selectors.alert_counts_by_severity(scope),
    }


@router.get("/me/preferences", response=PreferenceOut)
def preference_get(request: HttpRequest) -> dict[str, Any]:
    user = principal_of(request)
    if getattr(user, "role", None) not in STAFF_ROLES:
        raise Forbidden()
    pref = selectors.preference_for(user.pk)
    if pref is None:
        return {
            "user_id": user.pk,
            "on_call_weekdays": [],
            "on_call_start": None,
            "on_call_end": None,
            "timezone": "UTC",
            "page_severities": ["critical", "high"],
            "channels": ["in_app"],
            "phone": "",
        }
    return {
        "user_id": user.pk,
        "on_call_weekdays": pref.on_call_weekdays,
        "on_call_start": pref.on_call_start,
        "on_call_end": pref.on_call_end,
        "timezone": pref.timezone,
        "page_severities": pref.page_severities,
        "channels": pref.channels,
        "phone": pref.phone,
    }


@router.put("/me/preferences", response=PreferenceOut)
def preference_put(request: HttpRequest, body: PreferenceIn) -> dict[str, Any]:
    user = principal_of(request)
    if getattr(user, "role", None) not in STAFF_ROLES:
        raise Forbidden()
    officer_preference_set(actor=user, user_id=user.pk, **body.dict())
    return {"user_id": user.pk, **body.dict()}


@router.put("/on-call")
def on_call_put(request: HttpRequest, body: OnCallIn) -> dict[str, int]:
    count = on_call_list_set(
        actor=principal_of(request),
        scope=scope_of(request),
        office_id=body.office_id,
        user_ids=body.user_ids,
    )
    return {"entries": count}


@router.get("/{alert_id}", response=AlertDetailOut)
def alert_detail(request: HttpRequest, alert_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    scope = _staff(request)
    return selectors.alert_detail_read(scope=scope, actor=principal_of(request), alert_id=alert_id)


@router.post("/{alert_id}/acknowledge", response=AlertOut)
def alert_acknowledge(
    request: HttpRequest, alert_id: int = Path(..., ge=1, le=MAX_ID), *, body: NoteIn
) -> Any:
    return services.alert_acknowledge(
        actor=principal_of(request), scope=scope_of(request), alert_id=alert_id, note=body.note
    )


@router.post("/{alert_id}/resolve", response=AlertOut)
def alert_resolve(
    request: HttpRequest, alert_id: int = Path(..., ge=1, le=MAX_ID), *, body: ResolveIn
) -> Any:
    return services.alert_resolve(
        actor=principal_of(request),
        scope=scope_of(request),
        alert_id=alert_id,
        disposition=body.disposition.value,
        note=body.note,
    )


@router.post("/{alert_id}/reopen", response=AlertOut)
def alert_reopen(
    request: HttpRequest, alert_id: int = Path(..., ge=1, le=MAX_ID), *, body: ReopenIn
) -> Any:
    return services.alert_reopen(
        actor=principal_of(request), scope=scope_of(request), alert_id=alert_id, reason=body.reason
    )


@router.post("/participants/{participant_id}/acknowledge", response=BulkOut)
def alert_acknowledge_for_participant(
    request: HttpRequest, participant_id: int = Path(..., ge=1, le=MAX_ID), *, body: NoteIn
) -> dict[str, Any]:
    ids = services.alert_acknowledge_for_participant(
        actor=principal_of(request),
        scope=scope_of(request),
        participant_id=participant_id,
        note=body.note,
    )
    return {"acknowledged": ids}
