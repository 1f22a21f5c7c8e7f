"""Fills the compliance record of a review from the apps that own each part: check-ins from
`atd.checkins.selectors.window_status_counts`, alerts from
`atd.alerts.selectors.alert_counts_for_participant`, hearings from `atd.court.selectors`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from atd.alerts.selectors import alert_counts_for_participant, alert_open_critical_count
from atd.checkins.selectors import window_status_counts
from atd.checkins.types import WindowStatusCounts
from atd.core.scope import Scope
from atd.court.selectors import hearing_attendance_for
from atd.people.selectors import case_queryset_in_scope
from atd.reviews.rules import ComplianceRecord

ADMIN = Scope.system()


def compliance_record_build(
    *, participant_id: int, now: datetime, window_days: int
) -> ComplianceRecord:
    """The caller has checked the participant is in scope."""
    since = now - timedelta(days=window_days)
    notes: list[str] = []
    case = (
        case_queryset_in_scope(ADMIN)
        .filter(participant_id=participant_id)
        .exclude(status="closed")
        .order_by("-release_date")
        .first()
    )
    days = (timezone.localdate(now) - case.release_date).days if case else 0
    checkins = _checkin_counts(participant_id, since, now, notes)
    alerts = alert_counts_for_participant(participant_id=participant_id, since=since)
    hearings = hearing_attendance_for(participant_id, since=since.date())
    return ComplianceRecord(
        days_supervised=max(days, 0),
        window_days=window_days,
        checkins_on_time=checkins.completed,
        checkins_late=0,  # not tracked apart: a late check-in counts as on time (see notes)
        checkins_missed=checkins.missed,
        checkins_attempted=checkins.attempted,
        alerts_by_kind=dict(alerts.by_kind),
        alerts_by_disposition=dict(alerts.by_disposition),
        alerts_unresolved=alerts.unresolved,
        alerts_critical_open=alert_open_critical_count(participant_id=participant_id),
        hearings_attended=hearings.attended,
        hearings_missed=hearings.missed,
        notes=tuple(notes),
    )


def _checkin_counts(
    participant_id: int, since: datetime, until: datetime, notes: list[str]
) -> WindowStatusCounts:
    # A participant's own scope limits the count to that one person.
    own = Scope(role="participant", user_id=None, office_id=None, participant_id=participant_id)
    counts = window_status_counts(scope=own, since=since, until=until)
    notes.append("late check-ins are not tracked separately (counted as on time)")
    return counts
