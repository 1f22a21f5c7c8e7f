"""What scheduling adds to other apps' pages: the officer's participant panel and the
participant's portal section (both read through scoped, audited selectors)."""

from __future__ import annotations

from typing import Any

from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.scheduling import selectors


def participant_panel_context(
    request: Any, scope: Scope, participant_id: int
) -> dict[str, Any] | None:
    if scope.role not in STAFF_CASE_ROLES:
        return None
    try:
        items = selectors.appointment_list_read(
            scope=scope, actor=request.user, participant_id=participant_id
        )
    except NotFound:
        return None
    return {"items": items[:10], "participant_id": participant_id, "here": request.get_full_path()}


def portal_section_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    """Upcoming appointments, each with the next days it could move to."""
    if scope.role != Role.PARTICIPANT or not scope.participant_id:
        return None
    try:
        items = selectors.appointment_list_read(
            scope=scope,
            actor=request.user,
            participant_id=scope.participant_id,
            upcoming_only=True,
        )
    except NotFound:
        return None
    options: dict[int, list[selectors.DayOption]] = {}
    rows = []
    for appointment in items:
        if not selectors.appointment_is_upcoming(appointment):
            continue
        if appointment.office_id not in options:
            office = selectors.office_get(appointment.office_id)
            first, _ = selectors.scheduling_dates(office)
            options[appointment.office_id] = selectors.day_options(office, start=first, count=10)
        rows.append({"appointment": appointment, "options": options[appointment.office_id]})
    return {"rows": rows}


def dashboard_card_context(request: Any, scope: Scope) -> dict[str, Any] | None:
    """The caller's office(s) most backlogged first: days booked ahead and late people."""
    if scope.role not in selectors.OFFICE_READ_ROLES:
        return None
    rows = selectors.backlog_report(scope)[:5]
    return {"rows": rows} if rows else None
