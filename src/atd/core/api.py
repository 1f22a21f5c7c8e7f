"""API plumbing shared by every router: authentication, scope, problem+json, pagination."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, SessionAuth
from pydantic import AfterValidator, Field

from atd.core.apikeys import api_key_authenticate
from atd.core.bad_input import TOO_LARGE, BadInput, bad_value, too_large
from atd.core.errors import (
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
)
from atd.core.middleware import staff_has_mfa
from atd.core.models import ApiKey
from atd.core.roles import Role
from atd.core.scope import Scope

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class StaffOrParticipantSession(SessionAuth):
    """Django session (CSRF-checked). Staff sessions count only once a second factor exists."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if getattr(user, "is_staff_role", False) and not staff_has_mfa(user):
            return None
        return user


class IntegrationKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return api_key_authenticate(key)


session_auth = StaffOrParticipantSession()
api_key_auth = IntegrationKey()


def principal_of(request: HttpRequest) -> Any:
    """The authenticated user or API key that ninja put on the request."""
    return getattr(request, "auth", None)


def scope_of(request: HttpRequest) -> Scope:
    principal = getattr(request, "auth", None)
    if isinstance(principal, ApiKey):
        return Scope(role=Role.INTEGRATION, user_id=None, office_id=None)
    return Scope.for_user(principal if principal is not None else request.user)


def require_key_scope(request: HttpRequest, scope: str) -> ApiKey:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, ApiKey) or scope not in principal.scopes:
        raise Forbidden(detail="this API key is not allowed to use this endpoint")
    return principal


def problem_response(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    body.setdefault("instance", request.path)
    return HttpResponse(
        json.dumps(body, default=str), status=body["status"], content_type=PROBLEM_JSON
    )


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return problem_response(request, exc.problem())

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = []
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", ())]
            if loc and loc[0] in {"body", "query", "path", "form", "header", "cookie"}:
                loc = loc[1:]
                if len(loc) > 1:
                    loc = loc[1:]  # drop the handler's parameter name ("payload", "query")
            errors.append(FieldError(field=".".join(loc) or "request", reason=str(err.get("msg"))))
        problem = DomainError(
            status=422, title="Validation failed", type="/problems/validation", errors=errors
        )
        return problem_response(request, problem.problem())

    @api.exception_handler(AuthenticationError)
    def _unauth(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(request, Unauthorized().problem())

    @api.exception_handler(AuthorizationError)
    def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(request, Forbidden().problem())

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(request, NotFound().problem())

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        title = {403: "Forbidden", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem_response(
            request,
            {"type": "about:blank", "title": title, "status": exc.status_code, "detail": str(exc)},
        )

    def _bad_input(request: HttpRequest, problem: BadInput) -> HttpResponse:
        return problem_response(
            request,
            {
                "type": problem.type,
                "title": problem.title,
                "status": problem.status,
                "detail": problem.detail,
            },
        )

    @api.exception_handler(DataError)
    def _data(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value the schema let through (a NUL byte, an out-of-range
        # number or date). That is the caller's input, not a server fault; nothing was stored.
        log.info("database refused a value on %s: %s", request.path, exc)
        return _bad_input(request, bad_value())

    @api.exception_handler(OverflowError)
    def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # SQLite's form of the same refusal: an integer past 64 bits.
        log.info("value out of range on %s: %s", request.path, exc)
        return _bad_input(request, bad_value())

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields)
        # when a handler first reads it: 413, not the 500 a generic handler would give.
        if isinstance(exc, TOO_LARGE):
            return _bad_input(request, too_large(exc))
        return _bad_input(
            request,
            BadInput(
                400, "Bad request", "The request was refused as malformed.", "/problems/bad-input"
            ),
        )

    @api.exception_handler(RecursionError)
    def _too_deep(request: HttpRequest, exc: RecursionError) -> HttpResponse:
        # A handler that decodes its own body met JSON nested deeper than Python recurses.
        return _bad_input(
            request,
            BadInput(
                400, "Bad request", "The request body is nested too deeply.", "/problems/bad-input"
            ),
        )

    @api.exception_handler(UnicodeError)
    def _encoding(request: HttpRequest, exc: UnicodeError) -> HttpResponse:
        return _bad_input(
            request,
            BadInput(400, "Bad request", "The request is not valid UTF-8.", "/problems/bad-input"),
        )

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unhandled error on %s", request.path)
        return problem_response(
            request,
            {
                "type": "about:blank",
                "title": "Internal error",
                "status": 500,
                "detail": "The server could not complete the request; nothing was changed.",
            },
        )


def _utc_in_range(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    offset = value.utcoffset() or timedelta(0)
    if abs(offset) > timedelta(hours=14):
        raise ValueError("time zone offset must be within ±14 hours")
    if not 1900 <= value.year <= 2200:
        raise ValueError("year must be between 1900 and 2200")
    return value.astimezone(UTC)


# A timestamp parameter: offsets a real clock can have, years a case can have, stored as UTC.
SafeDatetime = Annotated[datetime, AfterValidator(_utc_in_range)]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=settings.ATD_API_MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=10_000_000)


def page_of(queryset: Any, params: PageParams) -> tuple[list[Any], int]:
    """Returns the slice and the total; callers audit the ids they actually return."""
    count = queryset.count()
    items = list(queryset[params.offset : params.offset + params.limit])
    return items, count
