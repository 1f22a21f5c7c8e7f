"""form_action: the one shape of a staff form action (console, ladder, identity review)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from atd.core.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from atd.core.form_actions import form_action, not_found_as_404


def _request() -> HttpRequest:
    request = RequestFactory().post("/x")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_success_returns_the_value_and_says_done() -> None:
    request = _request()
    outcome = form_action(request, lambda: 7, done="Saved.", refused="Not saved")
    assert (outcome.ok, outcome.value) == (True, 7)
    assert _said(request) == [("success", "Saved.")]


def test_done_may_depend_on_the_value() -> None:
    request = _request()
    form_action(request, lambda: "b", done=lambda v: f"Recorded: {v}.", refused="Not recorded")
    assert _said(request) == [("success", "Recorded: b.")]


def test_a_refusal_says_why_and_is_not_ok() -> None:
    request = _request()

    def refuse() -> int:
        raise Conflict(detail="already closed")

    outcome = form_action(request, refuse, done="Saved.", refused="Not saved")
    assert (outcome.ok, outcome.value) == (False, None)
    assert _said(request) == [("error", "Not saved: already closed")]


def test_why_formats_the_refusal() -> None:
    request = _request()

    def refuse() -> int:
        raise ValidationFailed(errors=[FieldError("note", "is required")])

    def fields(exc: DomainError) -> str:
        return "; ".join(f"{e.field} {e.reason}" for e in exc.errors)

    form_action(request, refuse, done="Saved.", refused="Not saved", why=fields)
    assert _said(request) == [("error", "Not saved: note is required")]


def test_not_found_is_a_404_with_no_message() -> None:
    request = _request()

    def missing() -> int:
        raise NotFound()

    with pytest.raises(Http404):
        form_action(request, missing, done="Saved.", refused="Not saved")
    assert _said(request) == []
    with pytest.raises(Http404), not_found_as_404():
        raise NotFound()
