"""Who did something: a user, an integration key, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atd.core.roles import Role


@dataclass(frozen=True)
class Actor:
    id: int | None
    label: str
    role: str


SYSTEM = Actor(id=None, label="system", role="system")


def actor_for(subject: Any) -> Actor:
    """Accepts an Actor, a User, or an ApiKey and returns the audit identity."""
    if isinstance(subject, Actor):
        return subject
    if subject is None:
        return SYSTEM
    if hasattr(subject, "prefix") and hasattr(subject, "secret_hash"):
        return Actor(id=None, label=f"api-key:{subject.prefix}", role=Role.INTEGRATION)
    if getattr(subject, "is_authenticated", False):
        return Actor(id=subject.pk, label=subject.get_username(), role=getattr(subject, "role", ""))
    return Actor(id=None, label="anonymous", role="anonymous")
