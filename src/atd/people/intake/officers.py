"""Officers for imported cases: the named one if they may take it, else the least loaded."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth import get_user_model
from django.db.models import Count

from atd.core.roles import CASELOAD_ROLES
from atd.people.models import Case, CaseStatus


class OfficerPicker:
    """Assigns cases without a named officer to the office's least-loaded officer."""

    def __init__(self) -> None:
        users = get_user_model().objects.filter(role__in=list(CASELOAD_ROLES), is_active=True)
        self.by_username = {u.username: u for u in users.exclude(office=None)}
        load = dict(
            Case.objects.exclude(status=CaseStatus.CLOSED)
            .exclude(officer=None)
            .values_list("officer_id")
            .annotate(n=Count("id"))
        )
        self.load: Counter[int] = Counter(
            {u.pk: load.get(u.pk, 0) for u in self.by_username.values()}
        )
        self.by_office: dict[int, list[int]] = {}
        for u in self.by_username.values():
            if u.office_id is not None:
                self.by_office.setdefault(u.office_id, []).append(u.pk)

    def pick(self, office_id: int, username: str) -> tuple[int | None, str | None]:
        if username:
            user = self.by_username.get(username)
            if user is None:
                return None, "is not an active officer"
            if user.office_id != office_id:
                return None, "belongs to another office"
            self.load[user.pk] += 1
            return user.pk, None
        candidates = self.by_office.get(office_id)
        if not candidates:
            return None, None
        chosen = min(candidates, key=lambda pk: (self.load[pk], pk))
        self.load[chosen] += 1
        return chosen, None
