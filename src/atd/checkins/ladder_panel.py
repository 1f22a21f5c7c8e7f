"""The graduated-response panel of the officer's participant page: the current rung, the
misses that counted and those that did not (and why), the ladder's tasks and actions."""

from __future__ import annotations

from typing import Any

from atd.checkins.ladder_selectors import ladder_read
from atd.checkins.services.ladder import rung_label
from atd.core import clock
from atd.core.roles import Role
from atd.core.scope import STAFF_CASE_ROLES, Scope

READ_ROLES = (*STAFF_CASE_ROLES, Role.AUDITOR)


def ladder_panel_context(request: Any, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    if scope.role not in READ_ROLES:
        return None
    view = ladder_read(
        scope=scope, actor=request.user, participant_id=participant_id, now=clock.now()
    )
    policy = view.policy
    return {
        "view": view,
        "rung": int(view.standing.rung),
        "rung_label": rung_label(view.standing.rung),
        "rungs": [
            (1, f"{policy.reminder_at}", rung_label(1)),
            (2, f"{policy.call_at}", rung_label(2)),
            (3, f"{policy.review_at}", rung_label(3)),
        ],
        "can_act": scope.role in STAFF_CASE_ROLES,
    }
