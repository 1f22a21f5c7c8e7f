"""HTTP API of court: notices, service, hearings, outcomes, legal status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from atd.core.api import principal_of, scope_of
from atd.court import departure, selectors, services

router = Router(tags=["court"])


class NoticeOut(Schema):
    id: int
    case_id: int
    kind: str
    issued_on: date
    report_by: date | None
    reported_on: date | None
    served_on: date | None
    service_method: str


class HearingOut(Schema):
    id: int
    case_id: int
    scheduled_at: datetime
    court_name: str
    court_address: str
    court_timezone: str
    hearing_type: str
    outcome: str
    outcome_note: str


class LegalStatusOut(Schema):
    status: str
    effective_on: date
    recorded_at: datetime
    note: str


class CourtRecordOut(Schema):
    participant_id: int
    current_status: str
    notices: list[NoticeOut]
    hearings: list[HearingOut]
    statuses: list[LegalStatusOut]


class NoticeIn(Schema):
    kind: str
    issued_on: date
    report_by: date | None = None
    served_on: date | None = None
    service_method: str = ""


class ServiceIn(Schema):
    served_on: date
    service_method: str


class ReportIn(Schema):
    reported_on: date


class HearingIn(Schema):
    scheduled_at: datetime
    court_name: str
    hearing_type: str
    court_address: str = ""
    court_timezone: str = ""


class HearingRescheduleIn(Schema):
    scheduled_at: datetime
    court_name: str = ""
    court_address: str = ""
    reason: str


class OutcomeIn(Schema):
    outcome: str
    note: str = ""
    legal_status: str = ""


class LegalStatusIn(Schema):
    status: str
    effective_on: date
    note: str = ""


@router.get("/participants/{participant_id}/record", response=CourtRecordOut)
def court_record(request: HttpRequest, participant_id: int) -> Any:
    return selectors.court_record_read(
        scope=scope_of(request), actor=principal_of(request), participant_id=participant_id
    )


@router.post("/cases/{case_id}/notices", response={201: NoticeOut})
def notice_issue(request: HttpRequest, case_id: int, payload: NoticeIn) -> Any:
    notice = services.notice_issue(
        actor=principal_of(request), scope=scope_of(request), case_id=case_id, **payload.dict()
    )
    return 201, notice


@router.post("/notices/{notice_id}/service", response=NoticeOut)
def notice_serve(request: HttpRequest, notice_id: int, payload: ServiceIn) -> Any:
    return services.notice_serve(
        actor=principal_of(request), scope=scope_of(request), notice_id=notice_id, **payload.dict()
    )


@router.post("/notices/{notice_id}/report", response=NoticeOut)
def notice_report(request: HttpRequest, notice_id: int, payload: ReportIn) -> Any:
    return services.notice_report_record(
        actor=principal_of(request), scope=scope_of(request), notice_id=notice_id, **payload.dict()
    )


@router.post("/cases/{case_id}/hearings", response={201: HearingOut})
def hearing_schedule(request: HttpRequest, case_id: int, payload: HearingIn) -> Any:
    hearing = services.hearing_schedule(
        actor=principal_of(request), scope=scope_of(request), case_id=case_id, **payload.dict()
    )
    return 201, hearing


@router.post("/hearings/{hearing_id}/reschedule", response=HearingOut)
def hearing_reschedule(request: HttpRequest, hearing_id: int, payload: HearingRescheduleIn) -> Any:
    return services.hearing_reschedule(
        actor=principal_of(request),
        scope=scope_of(request),
        hearing_id=hearing_id,
        **payload.dict(),
    )


@router.post("/hearings/{hearing_id}/outcome", response=HearingOut)
def hearing_outcome(request: HttpRequest, hearing_id: int, payload: OutcomeIn) -> Any:
    return services.hearing_outcome_record(
        actor=principal_of(request),
        scope=scope_of(request),
        hearing_id=hearing_id,
        **payload.dict(),
    )


@router.post("/participants/{participant_id}/legal-status", response={201: LegalStatusOut})
def legal_status(request: HttpRequest, participant_id: int, payload: LegalStatusIn) -> Any:
    event = services.legal_status_record(
        actor=principal_of(request),
        scope=scope_of(request),
        participant_id=participant_id,
        **payload.dict(),
    )
    return 201, event


class DepartureOut(Schema):
    id: int
    case_id: int
    status: str
    travel_document_status: str
    travel_document_requested_on: date | None
    travel_document_issued_on: date | None
    planned_departure_on: date | None
    departed_on: date | None
    device_return_required: bool


class DepartureOpenIn(Schema):
    note: str = ""


class DepartureUpdateIn(Schema):
    travel_document_status: str
    requested_on: date | None = None
    issued_on: date | None = None
    planned_departure_on: date | None = None
    note: str = ""


class DepartureConfirmIn(Schema):
    departed_on: date
    verification_method: str
    verification_note: str = ""


@router.post("/cases/{case_id}/departure", response={201: DepartureOut})
def departure_open(request: HttpRequest, case_id: int, payload: DepartureOpenIn) -> Any:
    row = departure.departure_open(
        actor=principal_of(request), scope=scope_of(request), case_id=case_id, note=payload.note
    )
    return 201, row


@router.post("/departures/{departure_id}", response=DepartureOut)
def departure_update(request: HttpRequest, departure_id: int, payload: DepartureUpdateIn) -> Any:
    return departure.departure_update(
        actor=principal_of(request),
        scope=scope_of(request),
        departure_id=departure_id,
        **payload.dict(),
    )


@router.post("/departures/{departure_id}/confirm", response=DepartureOut)
def departure_confirm(request: HttpRequest, departure_id: int, payload: DepartureConfirmIn) -> Any:
    return departure.departure_confirm(
        actor=principal_of(request),
        scope=scope_of(request),
        departure_id=departure_id,
        departed_on=payload.departed_on,
        verification_method=payload.verification_method,
        verification_note=payload.verification_note,
    )
