"""HTTP API for people, cases and intake: parse, authorize, call, serialize."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from atd.core.api import PageParams, api_key_auth, principal_of, require_key_scope, scope_of
from atd.core.errors import FieldError, ValidationFailed
from atd.core.models import ApiKey
from atd.core.roles import Role
from atd.core.uploads import delivery_read
from atd.people import selectors, services
from atd.people.choices import CaseStatus, ClosureReason
from atd.people.intake.readers import release_rows_decode
from atd.people.intake.service import intake_import
from atd.people.models import IntakeBatch
from atd.people.rules import AddressInput

router = Router(tags=["people"])
intake_router = Router(tags=["intake"])
me_router = Router(tags=["me"])


# --- schemas --------------------------------------------------------------


class FlagOut(Schema):
    kind: str
    detail: str


class AddressOut(Schema):
    id: int
    line1: str
    unit: str
    city: str
    state: str
    postal_code: str
    country: str
    verification: str
    is_current: bool
    valid_from: datetime
    valid_to: datetime | None
    flags: list[FlagOut]

    @staticmethod
    def resolve_flags(obj: Any) -> list[dict[str, str]]:
        return [
            {"kind": f.kind, "detail": f.detail} for f in obj.flags.all() if f.cleared_at is None
        ]


class AliasOut(Schema):
    given_names: str
    first_surname: str
    second_surname: str
    kind: str


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    closure_reason: str
    reason: str
    actor_label: str
    at: datetime


class CaseOut(Schema):
    id: int
    participant_id: int
    release_type: str
    release_date: date
    releasing_facility: str
    office_id: int
    office_code: str
    officer_id: int | None
    status: str
    closure_reason: str
    opened_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_office_code(obj: Any) -> str:
        return obj.office.code


class CaseDetailOut(CaseOut):
    status_changes: list[StatusChangeOut]

    @staticmethod
    def resolve_status_changes(obj: Any) -> list[Any]:
        return list(obj.status_changes.all())


class ParticipantSummaryOut(Schema):
    id: int
    a_number: str
    given_names: str
    first_surname: str
    second_surname: str
    preferred_language: str
    case_status: str | None
    office_code: str | None
    address_flags: list[str]

    @staticmethod
    def resolve_case_status(obj: Any) -> str | None:
        cases = list(obj.cases.all())
        return cases[0].status if cases else None

    @staticmethod
    def resolve_office_code(obj: Any) -> str | None:
        cases = list(obj.cases.all())
        return cases[0].office.code if cases else None

    @staticmethod
    def resolve_address_flags(obj: Any) -> list[str]:
        return sorted(
            {
                f.kind
                for a in obj.addresses.all()
                if a.is_current
                for f in a.flags.all()
                if f.cleared_at is None
            }
        )


class ParticipantPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ParticipantSummaryOut]


class ParticipantOut(Schema):
    id: int
    a_number: str
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date
    sex: str
    country_of_citizenship: str
    languages: list[str]
    preferred_language: str
    phone: str
    email: str
    has_portal_account: bool
    aliases: list[AliasOut]
    addresses: list[AddressOut]
    cases: list[CaseDetailOut]

    @staticmethod
    def resolve_has_portal_account(obj: Any) -> bool:
        return obj.user_id is not None

    @staticmethod
    def resolve_aliases(obj: Any) -> list[Any]:
        return list(obj.aliases.all())

    @staticmethod
    def resolve_addresses(obj: Any) -> list[Any]:
        return list(obj.addresses.all())

    @staticmethod
    def resolve_cases(obj: Any) -> list[Any]:
        return list(obj.cases.all())


class ParticipantListQuery(PageParams):
    q: str = Field("", max_length=100)
    office_id: int | None = Field(None, ge=1)
    officer_id: int | None = Field(None, ge=1)
    status: CaseStatus | None = None
    flag: str = Field("", max_length=20)


class AddressIn(Schema):
    line1: str = Field(..., max_length=200)
    unit: str = Field("", max_length=32)
    city: str = Field(..., max_length=100)
    state: str = Field("", max_length=32)
    postal_code: str = Field("", max_length=16)
    country: str = Field("US", min_length=2, max_length=2)
    reason: str = Field(..., min_length=1, max_length=500)


class StatusChangeIn(Schema):
    to_status: CaseStatus
    closure_reason: ClosureReason | None = None
    reason: str = Field(..., min_length=1, max_length=500)


class ReassignIn(Schema):
    officer_id: int | None = Field(None, ge=1)
    reason: str = Field(..., min_length=1, max_length=500)


class VerificationIn(Schema):
    verification: Literal["unverified", "verified", "failed"]
    reason: str = Field(..., min_length=1, max_length=400)


class FlagCountsOut(Schema):
    counts: dict[str, int]


class EnrollmentCodeOut(Schema):
    participant_id: int
    code: str
    expires_at: datetime


class RowErrorOut(Schema):
    row: int
    field: str
    reason: str


class IntakeBatchOut(Schema):
    id: int
    source: str
    filename: str
    received_at: datetime
    rows_total: int
    rows_imported: int
    rows_unchanged: int
    rows_rejected: int
    addresses_flagged: int
    errors: list[RowErrorOut]

    @staticmethod
    def resolve_errors(obj: Any) -> list[dict[str, Any]]:
        return [
            {"row": e.row_number, "field": e.field, "reason": e.reason}
            for e in obj.row_errors.all()[:10_000]
        ]


class MeOut(Schema):
    id: int
    username: str
    role: str
    office_id: int | None
    participant_id: int | None


# --- people ---------------------------------------------------------------


@router.get("/participants", response=ParticipantPage)
def participant_list(request: HttpRequest, query: Query[ParticipantListQuery]) -> dict[str, Any]:
    scope = scope_of(request)
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    filters = selectors.ParticipantFilters(
        q=query.q,
        office_id=query.office_id,
        officer_id=query.officer_id,
        status=query.status.value if query.status else "",
        flag=query.flag,
    )
    items, count = selectors.participant_list_read(
        scope=scope,
        actor=principal_of(request),
        filters=filters,
        offset=query.offset,
        limit=query.limit,
    )
    return {"count": count, "limit": query.limit, "offset": query.offset, "items": items}


@router.get("/participants/{participant_id}", response=ParticipantOut)
def participant_detail(request: HttpRequest, participant_id: int) -> Any:
    return selectors.participant_detail_read(
        scope=scope_of(request), actor=principal_of(request), participant_id=participant_id
    )


@router.post("/participants/{participant_id}/addresses", response={201: AddressOut})
def participant_address_change(
    request: HttpRequest, participant_id: int, payload: AddressIn
) -> Any:
    scope = scope_of(request)
    scope.require(
        Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN, Role.PARTICIPANT
    )
    address = services.address_change(
        actor=principal_of(request),
        scope=scope,
        participant_id=participant_id,
        address=AddressInput(
            line1=payload.line1,
            unit=payload.unit,
            city=payload.city,
            state=payload.state,
            postal_code=payload.postal_code,
            country=payload.country.upper(),
        ),
        reason=payload.reason,
    )
    return 201, address


@router.post(
    "/participants/{participant_id}/addresses/{address_id}/verification", response=AddressOut
)
def participant_address_verification(
    request: HttpRequest, participant_id: int, address_id: int, payload: VerificationIn
) -> Any:
    return services.address_verification_set(
        actor=principal_of(request),
        scope=scope_of(request),
        participant_id=participant_id,
        address_id=address_id,
        verification=payload.verification,
        reason=payload.reason,
    )


@router.get("/address-flags", response=FlagCountsOut)
def address_flag_counts(request: HttpRequest) -> dict[str, Any]:
    """Open flags on current addresses of the participants the caller may see, by kind."""
    scope = scope_of(request)
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    return {"counts": selectors.address_flag_counts(scope)}


@router.post("/participants/{participant_id}/enrollment-code", response={201: EnrollmentCodeOut})
def participant_enrollment_code(request: HttpRequest, participant_id: int) -> Any:
    code = services.participant_enrollment_code_issue(
        actor=principal_of(request), scope=scope_of(request), participant_id=participant_id
    )
    participant = selectors.participant_get_in_scope(
        scope=scope_of(request), participant_id=participant_id
    )
    return 201, {
        "participant_id": participant_id,
        "code": code,
        "expires_at": participant.enrollment_code_expires_at,
    }


@router.get("/cases/{case_id}", response=CaseDetailOut)
def case_detail(request: HttpRequest, case_id: int) -> Any:
    return selectors.case_detail_read(
        scope=scope_of(request), actor=principal_of(request), case_id=case_id
    )


@router.post("/cases/{case_id}/status", response=CaseOut)
def case_status_change(request: HttpRequest, case_id: int, payload: StatusChangeIn) -> Any:
    scope = scope_of(request)
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    return services.case_change_status(
        actor=principal_of(request),
        scope=scope,
        case_id=case_id,
        to_status=payload.to_status.value,
        closure_reason=payload.closure_reason.value if payload.closure_reason else "",
        reason=payload.reason,
    )


@router.post("/cases/{case_id}/assignment", response=CaseOut)
def case_reassign(request: HttpRequest, case_id: int, payload: ReassignIn) -> Any:
    return services.case_reassign(
        actor=principal_of(request),
        scope=scope_of(request),
        case_id=case_id,
        officer_id=payload.officer_id,
        reason=payload.reason,
    )


# --- intake ---------------------------------------------------------------


_RELEASES_BODY = {
    "requestBody": {
        "required": True,
        "description": "Release records (docs/intake.md): a JSON array, NDJSON, CSV text, "
        "or a multipart upload in the field `file`.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


@intake_router.post(
    "/releases",
    response={201: IntakeBatchOut},
    auth=[api_key_auth],
    summary="Import release records",
    openapi_extra=_RELEASES_BODY,
)
def intake_releases(request: HttpRequest) -> Any:
    key = require_key_scope(request, ApiKey.Scope.INTAKE)
    multipart = (request.content_type or "").startswith("multipart/")
    upload = request.FILES.get("file") if multipart else None
    if multipart and upload is None:
        raise ValidationFailed(
            errors=[FieldError("file", "upload the release file in the field `file`")]
        )
    delivery = delivery_read(request, upload)
    rows = release_rows_decode(delivery.content, fmt=delivery.fmt)
    result = intake_import(
        actor=key,
        rows=rows,
        source=IntakeBatch.Source.API,
        filename=delivery.name,
        content=delivery.content,
        max_rows=settings.ATD_INTAKE_MAX_ROWS,
    )
    return 201, result.batch


@intake_router.get("/batches/{batch_id}", response=IntakeBatchOut)
def intake_batch_detail(request: HttpRequest, batch_id: int) -> Any:
    return selectors.intake_batch_get(scope=scope_of(request), batch_id=batch_id)


# --- me -------------------------------------------------------------------


@me_router.get("", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    scope = scope_of(request)
    user = principal_of(request)
    return {
        "id": getattr(user, "pk", 0) or 0,
        "username": getattr(user, "username", "") or getattr(user, "name", ""),
        "role": scope.role,
        "office_id": scope.office_id,
        "participant_id": scope.participant_id,
    }
