"""HTTP API of reviews: requests, decisions, appeals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from atd.core.api import principal_of, scope_of
from atd.reviews import selectors, services

router = Router(tags=["reviews"])


class ReviewOut(Schema):
    id: int
    participant_id: int
    source: str
    kind: str
    status: str
    requested_at: datetime
    due_at: datetime
    current_technology: str
    to_technology: str
    current_cadence_days: int | None
    to_cadence_days: int | None
    supervision_ended_on: date | None
    compliance: dict[str, Any]
    recommendation: dict[str, Any]
    reason: str
    reason_text: str
    decided_at: datetime | None
    appeal_until: datetime | None
    device_return_required: bool


class RequestIn(Schema):
    statement: str = ""
    kind: str = "step_down"
    to_technology: str = ""
    to_cadence_days: int | None = None
    acknowledged: bool = False


class DecisionIn(Schema):
    approve: bool
    reason: str
    text: str = ""
    to_technology: str = ""
    to_cadence_days: int | None = None


class AppealIn(Schema):
    statement: str = ""


class AppealDecisionIn(Schema):
    overturn: bool
    reason: str
    text: str = ""


class AppealOut(Schema):
    id: int
    request_id: int
    status: str
    filed_at: datetime
    due_at: datetime
    decided_at: datetime | None


@router.post("/participants/{participant_id}/requests", response={201: ReviewOut})
def request_submit(request: HttpRequest, participant_id: int, payload: RequestIn) -> Any:
    review = services.review_request_submit(
        actor=principal_of(request),
        scope=scope_of(request),
        participant_id=participant_id,
        statement=payload.statement,
        kind=payload.kind,
        to_technology=payload.to_technology,
        to_cadence_days=payload.to_cadence_days,
        acknowledged=payload.acknowledged,
    )
    return 201, review


@router.get("/requests/{review_id}", response=ReviewOut)
def request_detail(request: HttpRequest, review_id: int) -> Any:
    return selectors.review_read(
        scope=scope_of(request), actor=principal_of(request), request_id=review_id
    )


@router.post("/requests/{review_id}/decision", response=ReviewOut)
def request_decide(request: HttpRequest, review_id: int, payload: DecisionIn) -> Any:
    return services.review_decide(
        actor=principal_of(request), scope=scope_of(request), request_id=review_id, **payload.dict()
    )


@router.post("/requests/{decided_review_id}/appeal", response={201: AppealOut})
def request_appeal(request: HttpRequest, decided_review_id: int, payload: AppealIn) -> Any:
    appeal = services.review_appeal_file(
        actor=principal_of(request),
        scope=scope_of(request),
        request_id=decided_review_id,
        statement=payload.statement,
    )
    return 201, appeal


@router.post("/appeals/{appeal_id}/decision", response=AppealOut)
def appeal_decide(request: HttpRequest, appeal_id: int, payload: AppealDecisionIn) -> Any:
    return services.appeal_decide(
        actor=principal_of(request), scope=scope_of(request), appeal_id=appeal_id, **payload.dict()
    )
