"""Bad input at the door, for every page and API operation: NUL bytes in parameters, bodies
over the size limit and values the database cannot compare answer 400 or 413 (problem+json
under /api/, a page elsewhere), never 500."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

# Device doors judge each record themselves and dead-letter a bad one with its raw bytes
# (docs/telemetry.md); refusing the whole request here would lose that record's trace.
DEVICE_DOORS = ("/api/telemetry/osmand",)

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class BadInput(Exception):
    """A request refused at the door; `status` is 400 or 413."""

    def __init__(self, status: int, title: str, detail: str, type_: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_


def too_large(exc: Exception | None = None) -> BadInput:
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        detail = "The request has too many fields or files."
    else:
        detail = "The request body is larger than this endpoint accepts."
    return BadInput(413, "Request too large", detail, "/problems/too-large")


def nul_byte(where: str) -> BadInput:
    return BadInput(
        400, "Bad request", f"{where} contains a NUL byte (\\u0000).", "/problems/bad-input"
    )


def bad_value() -> BadInput:
    return BadInput(
        400,
        "Bad request",
        "A value in the request cannot be stored or compared (out of range or malformed).",
        "/problems/bad-input",
    )


def bad_input_response(request: HttpRequest, problem: BadInput) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {
            "type": problem.type,
            "title": problem.title,
            "status": problem.status,
            "detail": problem.detail,
            "instance": request.path,
        }
        return HttpResponse(json.dumps(body), status=problem.status, content_type=PROBLEM_JSON)
    html = render_to_string(
        "core/bad_request.html", {"title": problem.title, "detail": problem.detail}, request
    )
    return HttpResponse(html, status=problem.status)


def _has_nul(pairs: Iterable[tuple[str, list[str]]]) -> str | None:
    for key, values in pairs:
        if "\x00" in key:
            return "a parameter name"
        for value in values:
            if "\x00" in value:
                return f"parameter {key!r}"
    return None


def request_check(request: HttpRequest) -> None:
    """Raises BadInput for a NUL byte in a query or url-encoded form parameter (PostgreSQL
    cannot store or compare one) or an over-limit url-encoded body. Multipart and JSON bodies
    are parsed by their views, which map the same errors (core.api, `bad_request`)."""
    if request.path.startswith(DEVICE_DOORS):
        return
    where = _has_nul(request.GET.lists())
    if where:
        raise nul_byte(where)
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        try:
            pairs = list(request.POST.lists())
        except TOO_LARGE as exc:
            raise too_large(exc) from None
        where = _has_nul(pairs)
        if where:
            raise nul_byte(where)


class BadInputMiddleware:
    """Checks parameters before any view or other middleware reads them, and turns a
    database refusal of a value a view let through into 400 instead of 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request_check(request)
        except BadInput as problem:
            return bad_input_response(request, problem)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, TOO_LARGE):
            return bad_input_response(request, too_large(exc))
        if isinstance(exc, DataError | OverflowError):
            # The caller's value (an id past 64 bits, a NUL the view let through): nothing
            # was stored. Logged for the operator; the caller gets a 400.
            log.info("refused a value on %s: %s", request.path, exc)
            return bad_input_response(request, bad_value())
        return None


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django's answer to a SuspiciousOperation raised outside a view (e.g. a
    multipart body over the limit, read by the CSRF check): 413 when it is about size."""
    if isinstance(exception, TOO_LARGE):
        return bad_input_response(request, too_large(exception))
    detail = "The request could not be understood."
    if isinstance(exception, SuspiciousOperation):
        detail = "The request was refused as malformed."
    return bad_input_response(request, BadInput(400, "Bad request", detail, "/problems/bad-input"))
