"""HTTP API of checkins: portal submissions (participant session), reads and in-person records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from atd.checkins import selectors, services
from atd.checkins.rules import Fix
from atd.core.api import principal_of, scope_of

router = Router(tags=["checkins"])


class LocationIn(Schema):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=1_000_000)
    timestamp: datetime | None = None  # when the fix was taken (defaults to captured_at)


class CheckinIn(Schema):
    idempotency_key: str = Field(min_length=8, max_length=64)
    captured_at: datetime
    location: LocationIn | None = None
    # What the browser said when no fix came: denied | unavailable | timeout.
    location_error: str | None = Field(None, max_length=32)
    questionnaire: dict[str, Any] = Field(default_factory=dict)
    photo: str = Field("", max_length=5_000_000, description="data:image/...;base64,...")


class AttemptIn(Schema):
    idempotency_key: str = Field(min_length=8, max_length=64)
    captured_at: datetime
    reason: str = Field(description="server_error | network | location_service")


class InPersonIn(Schema):
    idempotency_key: str = Field(min_length=8, max_length=64)
    note: str = Field("", max_length=500)


class ReceiptOut(Schema):
    id: int
    receipt_code: str
    kind: str
    status: str
    location_status: str
    unverified_reason: str
    window_id: int | None
    flags: list[str]
    captured_at: datetime
    received_at: datetime
    duplicate: bool = False
    # The questionnaire's new phone number failed validation: the check-in is accepted, the
    # number is not saved, and the participant is told (the officer sees the reason).
    phone_refused: bool = False

    @staticmethod
    def resolve_flags(obj: Any) -> list[str]:
        flags = obj["flags"] if isinstance(obj, dict) else obj.flags
        return [str(f.get("kind")) for f in flags]

    @staticmethod
    def resolve_phone_refused(obj: Any) -> bool:
        answers = obj["questionnaire"] if isinstance(obj, dict) else obj.questionnaire
        return bool((answers or {}).get("phone_new_problem"))


class CheckinOut(ReceiptOut):
    participant_id: int
    attempt_reason: str
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    questionnaire: dict[str, Any]
    recorded_by_label: str
    note: str
    has_photo: bool = False

    @staticmethod
    def resolve_has_photo(obj: Any) -> bool:
        return bool(getattr(obj, "has_photo", False))


class WindowOut(Schema):
    id: int
    source: str
    mode: str
    due_date: date
    opens_at: datetime
    closes_at: datetime
    status: str


def _receipt(result: services.CheckinResult) -> tuple[int, ReceiptOut]:
    c = result.checkin
    body = ReceiptOut.from_orm(c)
    body.duplicate = not result.created
    return (201 if result.created else 200), body


@router.post("/remote", response={200: ReceiptOut, 201: ReceiptOut})
def checkin_remote(request: HttpRequest, payload: CheckinIn) -> tuple[int, ReceiptOut]:
    """A participant's own check-in. Retrying with the same idempotency key returns the first
    receipt (200, duplicate=true). Without a usable fix it is stored as location unverified."""
    fix = None
    if payload.location is not None:
        loc = payload.location
        fix = Fix(loc.latitude, loc.longitude, loc.accuracy_m, loc.timestamp or payload.captured_at)
    result = services.checkin_remote_submit(
        actor=principal_of(request),
        scope=scope_of(request),
        data=services.CheckinInput(
            idempotency_key=payload.idempotency_key,
            captured_at=payload.captured_at,
            fix=fix,
            location_error=payload.location_error,
            questionnaire=payload.questionnaire,
            photo_data_url=payload.photo,
            user_agent=request.headers.get("User-Agent", ""),
        ),
    )
    return _receipt(result)


@router.post("/attempts", response={200: ReceiptOut, 201: ReceiptOut})
def checkin_attempt(request: HttpRequest, payload: AttemptIn) -> tuple[int, ReceiptOut]:
    """Records a check-in that failed for technical reasons; never counted as non-compliance."""
    result = services.checkin_attempt_record(
        actor=principal_of(request),
        scope=scope_of(request),
        idempotency_key=payload.idempotency_key,
        captured_at=payload.captured_at,
        reason=payload.reason,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return _receipt(result)


@router.get("/participants/{participant_id}/windows", response=list[WindowOut])
def window_list(request: HttpRequest, participant_id: int) -> list[Any]:
    return selectors.windows_for_participant_read(
        scope=scope_of(request), actor=principal_of(request), participant_id=participant_id
    )


@router.get("/participants/{participant_id}/checkins", response=list[CheckinOut])
def checkin_list(request: HttpRequest, participant_id: int) -> list[Any]:
    return selectors.checkins_for_participant_read(
        scope=scope_of(request), actor=principal_of(request), participant_id=participant_id
    )


@router.post(
    "/participants/{participant_id}/in-person", response={200: ReceiptOut, 201: ReceiptOut}
)
def checkin_in_person(
    request: HttpRequest, participant_id: int, payload: InPersonIn
) -> tuple[int, ReceiptOut]:
    """An officer records an in-person check-in at the office."""
    result = services.checkin_in_person_record(
        actor=principal_of(request),
        scope=scope_of(request),
        participant_id=participant_id,
        idempotency_key=payload.idempotency_key,
        note=payload.note,
    )
    return _receipt(result)


@router.get("/checkins/{checkin_id}", response=CheckinOut)
def checkin_detail(request: HttpRequest, checkin_id: int) -> Any:
    return selectors.checkin_detail_read(
        scope=scope_of(request), actor=principal_of(request), checkin_id=checkin_id
    )
