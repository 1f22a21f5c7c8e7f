"""Who may see which cases: computed once from the caller, applied by every selector.

An officer or contractor specialist sees their own caseload, a supervisor their office,
a participant only themselves, an admin everything. Records analysts and auditors see no
case through this path: they work their own queues, which apply `Scope.allows_queue`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest

from atd.core.errors import Forbidden
from atd.core.roles import CASELOAD_ROLES, Role


@dataclass(frozen=True)
class Scope:
    role: str
    user_id: int | None
    office_id: int | None
    participant_id: int | None = None

    @classmethod
    def for_user(cls, user: Any) -> Scope:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(role="anonymous", user_id=None, office_id=None)
        participant_id = None
        if user.role == Role.PARTICIPANT:
            # Reverse one-to-one from people.Participant; read by attribute, no import.
            profile = getattr(user, "participant_profile", None)
            participant_id = profile.pk if profile is not None else -1
        return cls(
            role=user.role,
            user_id=user.pk,
            office_id=user.office_id,
            participant_id=participant_id,
        )

    @classmethod
    def system(cls) -> Scope:
        """The platform acting on its own (periodic jobs, summaries, reports, the demo seed):
        it sees every case, as an admin does, and is no user and no office."""
        return cls(role=Role.ADMIN, user_id=None, office_id=None)

    @property
    def sees_cases(self) -> bool:
        return self.role in CASELOAD_ROLES or self.role in {
            Role.SUPERVISOR,
            Role.ADMIN,
            Role.PARTICIPANT,
        }

    def case_q(
        self,
        *,
        officer: str = "officer_id",
        office: str = "office_id",
        participant: str = "participant_id",
    ) -> Q:
        """A filter over any table that names a case's officer, office and participant.

        The field paths are the caller's, so the rule stays in one place whatever the table.
        """
        if self.role in CASELOAD_ROLES:
            return Q(**{officer: self.user_id})
        if self.role == Role.SUPERVISOR:
            if self.office_id is None:
                return Q(pk__in=[])
            return Q(**{office: self.office_id})
        if self.role == Role.ADMIN:
            return Q()
        if self.role == Role.PARTICIPANT:
            return Q(**{participant: self.participant_id})
        return Q(pk__in=[])

    def require(self, *roles: str) -> None:
        """Raises Forbidden (403, no details) when the caller's role may not use an action."""
        if self.role not in roles:
            raise Forbidden()

    def allows(self, *roles: str) -> bool:
        return self.role in roles


STAFF_CASE_ROLES = (
    Role.CASE_OFFICER,
    Role.CONTRACTOR_SPECIALIST,
    Role.SUPERVISOR,
    Role.ADMIN,
)


def scope_for(request: HttpRequest, roles: Collection[str]) -> Scope:
    """The signed-in caller's scope for a console page; a role not in `roles` gets Django's 403
    page (PermissionDenied), the same answer for every page that refuses a role."""
    scope = Scope.for_user(request.user)
    if scope.role not in roles:
        raise PermissionDenied
    return scope
