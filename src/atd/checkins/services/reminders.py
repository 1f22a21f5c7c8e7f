"""Reminders to participants when a check-in window opens, in their own language.

Restart-safe: each reminder's dedupe key names the window, so a job that runs twice (or catches
up after downtime) queues one message per window.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from atd.alerts.services import notification_enqueue
from atd.checkins.choices import WindowStatus
from atd.checkins.models import CheckinWindow
from atd.checkins.services.windows import SYSTEM_SCOPE
from atd.core import clock
from atd.people.selectors import participant_queryset_in_scope

SUPPORTED = ("en", "es")


@transaction.atomic
def window_reminders_enqueue(*, batch: int = 2000) -> int:
    """Queues "your check-in window is open" for every open window not yet checked in."""
    now = clock.now()
    windows = list(
        CheckinWindow.objects.filter(
            status=WindowStatus.OPEN, opens_at__lte=now, closes_at__gt=now
        ).order_by("opens_at", "pk")[:batch]
    )
    if not windows:
        return 0
    languages = dict(
        participant_queryset_in_scope(SYSTEM_SCOPE)
        .filter(pk__in={w.participant_id for w in windows})
        .values_list("pk", "preferred_language")
    )
    queued = 0
    for w in windows:
        language = (languages.get(w.participant_id) or "en").split("-")[0]
        language = language if language in SUPPORTED else "en"
        with translation.override(language):
            due = formats.date_format(w.due_date, "DATE_FORMAT")
            subject = _("Your check-in window is open")
            if w.mode == "in_person":
                body = _("Please report in person at your office by %(due)s.") % {"due": due}
            else:
                body = _("Please check in with the atd app by %(due)s.") % {"due": due}
        queued += notification_enqueue(
            kind="checkin_window_open",
            subject=subject,
            body=body,
            dedupe_key=f"checkins:window-open:{w.pk}",
            participant_id=w.participant_id,
            language=language,
        )
    return queued
