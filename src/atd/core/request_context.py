"""Per-request facts the audit log needs (request id, source IP), carried in a contextvar."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    source_ip: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "atd_request_context",
    default=RequestContext(),  # noqa: B039 (frozen, immutable)
)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(context)


def unbind(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
