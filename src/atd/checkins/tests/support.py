"""Test helpers for checkins: plans, windows and participant scopes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from atd.checkins.services import SYSTEM_SCOPE, windows_generate
from atd.core import clock
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.supervision.services import plan_set

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday


def key() -> str:
    return uuid.uuid4().hex


def plan_for(
    participant_id: int,
    *,
    at: datetime = T0,
    technology: str = "smartphone",
    cadence: int = 7,
    mode: str = "remote",
    start: date | None = None,
) -> Any:
    with clock.frozen_at(at):
        plan = plan_set(
            actor=None,
            scope=SYSTEM_SCOPE,
            participant_id=participant_id,
            technology=technology,
            cadence_days=cadence,
            checkin_mode=mode,
            start_date=start or at.date(),
            reason="test plan",
        )
        windows_generate()
    return plan


def participant_scope(participant_id: int) -> Scope:
    return Scope(role=Role.PARTICIPANT, user_id=None, office_id=None, participant_id=participant_id)
