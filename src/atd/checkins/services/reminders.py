"""Reminders to participants about their check-in windows, in their own language: when a
window opens, and a few hours (ATD_CHECKIN_CLOSING_REMINDER_HOURS) before it closes if they
have not checked in yet.

Restart-safe and idempotent: each reminder's dedupe key names the window (a unique column), so a
job that runs twice, on two replicas, or catches up after downtime queues one message per window
and kind. The closing reminder is exempt from quiet hours (the window may close before they end).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import formats, translation

from atd.alerts.services import notification_enqueue
from atd.checkins import texts
from atd.checkins.choices import WindowStatus
from atd.checkins.models import CheckinWindow
from atd.checkins.services.windows import SYSTEM_SCOPE
from atd.core import clock
from atd.core.languages import language_supported
from atd.people.selectors import participant_queryset_in_scope, participant_timezones


def _closing_lead() -> timedelta:
    return timedelta(hours=int(getattr(settings, "ATD_CHECKIN_CLOSING_REMINDER_HOURS", 4)))


def _local_text(moment: object, zone: str) -> str:
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")  # type: ignore[attr-defined]


@transaction.atomic
def window_reminders_enqueue(*, batch: int = 2000) -> int:
    """Queues "your check-in window is open" for every open window not yet checked in, and
    "it closes soon" once the window is within the closing lead of its end."""
    now = clock.now()
    lead = _closing_lead()
    windows = list(
        CheckinWindow.objects.filter(
            status=WindowStatus.OPEN, opens_at__lte=now, closes_at__gt=now
        ).order_by("opens_at", "pk")[:batch]
    )
    if not windows:
        return 0
    pids = {w.participant_id for w in windows}
    languages = dict(
        participant_queryset_in_scope(SYSTEM_SCOPE)
        .filter(pk__in=pids)
        .values_list("pk", "preferred_language")
    )
    zones = participant_timezones(pids)
    queued = 0
    for w in windows:
        language = language_supported(languages.get(w.participant_id) or "en") or "en"
        in_person = w.mode == "in_person"
        if now >= w.closes_at - lead:
            subject, body = texts.window_closing_text(
                language,
                in_person=in_person,
                when=_local_text(w.closes_at, zones.get(w.participant_id, "UTC")),
            )
            kind, key = "checkin_window_closing", f"checkins:window-closing:{w.pk}"
        else:
            with translation.override(language):
                due = formats.date_format(w.due_date, "DATE_FORMAT")
            subject, body = texts.window_open_text(language, in_person=in_person, due=due)
            kind, key = "checkin_window_open", f"checkins:window-open:{w.pk}"
        queued += notification_enqueue(
            kind=kind,
            subject=subject,
            body=body,
            dedupe_key=key,
            participant_id=w.participant_id,
            language=language,
        )
    return queued
