"""One staff form action on a console page, the same way everywhere: run the service call; an
id out of the caller's scope (NotFound) answers 404 with no hint that it exists; a refusal
(any other DomainError) becomes an error message "<refused>: <why>"; success a success
message. The view then redirects where it likes (the services audit what they change)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest

from atd.core.errors import DomainError, NotFound

T = TypeVar("T")


@contextmanager
def not_found_as_404() -> Iterator[None]:
    """NotFound inside the block answers 404 (an out-of-scope id looks like a missing one)."""
    try:
        yield
    except NotFound:
        raise Http404 from None


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What the action did: `ok` with the service's `value`, or refused (a message says why)."""

    ok: bool
    value: T | None = None


def form_action(
    request: HttpRequest,
    run: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    refused: str,
    why: Callable[[DomainError], str] = str,
) -> Outcome[T]:
    """Run `run()`: NotFound → Http404; another DomainError → messages.error(f"{refused}:
    {why(exc)}") and a refused Outcome; else messages.success(done) (or done(value))."""
    with not_found_as_404():
        try:
            value = run()
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, f"{refused}: {why(exc)}")
            return Outcome(ok=False)
    messages.success(request, done(value) if callable(done) else done)
    return Outcome(ok=True, value=value)
