"""Per-request facts the audit log needs (request id, source IP, the caller's own request id),
carried in a contextvar."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""  # made by this server, never taken from the request
    source_ip: str = ""  # the client, resolved through trusted proxies only
    client_request_id: str = ""  # X-Request-ID as the caller sent it: a claim, kept apart


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
