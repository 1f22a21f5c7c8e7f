"""Domain errors and their RFC 9457 problem+json form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    reason: str
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "reason": self.reason}
        if self.row is not None:
            out["row"] = self.row
        return out


@dataclass
class DomainError(Exception):
    """Base for errors a caller can act on. `status` maps to HTTP; `detail` is safe to show."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    title: str = "Bad request"
    type: str = "about:blank"

    def __str__(self) -> str:
        return self.detail or self.title

    def problem(self, instance: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


@dataclass
class ValidationFailed(DomainError):
    status: int = 422
    title: str = "Validation failed"
    type: str = "/problems/validation"


@dataclass
class NotFound(DomainError):
    """Also what an out-of-scope object answers: no hint that it exists."""

    status: int = 404
    title: str = "Not found"
    type: str = "/problems/not-found"


@dataclass
class Forbidden(DomainError):
    status: int = 403
    title: str = "Forbidden"
    type: str = "/problems/forbidden"


@dataclass
class Conflict(DomainError):
    status: int = 409
    title: str = "Conflict"
    type: str = "/problems/conflict"


@dataclass
class Unauthorized(DomainError):
    status: int = 401
    title: str = "Authentication required"
    type: str = "/problems/unauthorized"
