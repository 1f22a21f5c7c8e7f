"""The periodic court checks: report-by deadlines, unserved notices, missed hearings, reminders.

Restart-safe: every run derives its work from stored rows, and every alert and message carries
an idempotency key (alert source_ref, notification dedupe_key), so a run after a pause catches
up and a repeated run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from atd.alerts.services import AlertSignal, alert_raise_many, notification_enqueue
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.scope import Scope
from atd.court import rules, texts
from atd.court.choices import HearingOutcome, NoticeKind
from atd.court.models import Hearing, Notice
from atd.court.services.hearings import hearing_missed_signal
from atd.people.selectors import case_office_timezones, participant_queryset_in_scope

BATCH = 2000
ADMIN_SCOPE = Scope.system()


@dataclass
class CourtCheckResult:
    report_deadlines: int = 0
    unserved_notices: int = 0
    hearings_missed: int = 0
    reminders: int = 0


def court_checks_run(*, actor: Any) -> CourtCheckResult:
    """One pass of every check (the periodic job `court.checks`); alerts are raised as `actor`
    in batches of BATCH, one transaction each."""
    now = clock.now()
    today = timezone.localdate(now)
    result = CourtCheckResult()
    result.report_deadlines = _report_deadlines(actor, today)
    result.unserved_notices = _unserved_notices(actor, today)
    result.hearings_missed = _missed_hearings(actor)
    result.reminders = _hearing_reminders(now)
    return result


def _raise(actor: Any, signals: list[AlertSignal]) -> int:
    raised = 0
    for start in range(0, len(signals), BATCH):
        with transaction.atomic():
            outcome = alert_raise_many(actor=actor, signals=signals[start : start + BATCH])
        raised += len(outcome.created) + len(outcome.updated)
    return raised


def _report_deadlines(actor: Any, today: date) -> int:
    # A case that left "pending first report" reported (an officer recorded it), even if the
    # notice itself was not marked.
    rows = Notice.objects.filter(
        kind=NoticeKind.NOTICE_TO_REPORT,
        reported_on__isnull=True,
        report_by__lt=today,
        case__status="pending_first_report",
    ).values_list("pk", "participant_id", "report_by")
    signals = [
        AlertSignal(
            kind=AlertKind.REPORT_DEADLINE,
            occurred_at=datetime.combine(report_by + timedelta(days=1), time.min, tzinfo=UTC),
            source="court.notice",
            source_ref=f"{pk}:report_by:{report_by.isoformat()}",
            participant_id=participant_id,
            title="Report-by deadline passed without a report",
            detail={"notice_id": pk, "report_by": report_by.isoformat()},
        )
        for pk, participant_id, report_by in rows.iterator(chunk_size=BATCH)
        if report_by is not None
        and rules.report_deadline_passed(report_by=report_by, reported_on=None, today=today)
    ]
    return _raise(actor, signals)


def _unserved_notices(actor: Any, today: date) -> int:
    days = int(getattr(settings, "ATD_COURT_NOTICE_SERVICE_DAYS", 30))
    rows = Notice.objects.filter(
        served_on__isnull=True,
        issued_on__lt=today - timedelta(days=days),
    ).exclude(case__status="closed")
    signals = [
        AlertSignal(
            kind=AlertKind.NOTICE_NOT_SERVED,
            occurred_at=clock.now(),
            source="court.notice",
            source_ref=f"{pk}:unserved",
            participant_id=participant_id,
            title=f"{NoticeKind(kind).label} not served after {days} days",
            detail={"notice_id": pk, "issued_on": issued_on.isoformat()},
        )
        for pk, participant_id, kind, issued_on in rows.values_list(
            "pk", "participant_id", "kind", "issued_on"
        ).iterator(chunk_size=BATCH)
        if rules.notice_service_overdue(
            issued_on=issued_on, served_on=None, today=today, allowed_days=days
        )
    ]
    return _raise(actor, signals)


def _missed_hearings(actor: Any) -> int:
    """A failure to appear raises at once when recorded; this catches any that a crash or an
    import path left without their alert (the source_ref makes it a no-op otherwise)."""
    hearings = list(
        Hearing.objects.filter(
            outcome=HearingOutcome.FAILED_TO_APPEAR,
            outcome_recorded_at__gte=clock.now() - timedelta(days=30),
        ).only("pk", "participant_id", "scheduled_at", "court_name")
    )
    return _raise(actor, [hearing_missed_signal(h) for h in hearings])


def _hearing_reminders(now: datetime) -> int:
    horizon = now + max(lead for _, lead in rules.REMINDER_LEADS)
    hearings = list(
        Hearing.objects.filter(scheduled_at__gt=now, scheduled_at__lte=horizon, outcome="")
    )
    if not hearings:
        return 0
    languages = dict(
        participant_queryset_in_scope(ADMIN_SCOPE)
        .filter(pk__in={h.participant_id for h in hearings})
        .values_list("pk", "preferred_language")
    )
    zones = case_office_timezones({h.case_id for h in hearings})
    sent = 0
    for hearing in hearings:
        # The court's own zone when recorded, else the case office's.
        zone = hearing.court_timezone or zones.get(hearing.case_id)
        for label in rules.hearing_reminders_due(
            scheduled_at=hearing.scheduled_at, now=now, zone=zone
        ):
            language = languages.get(hearing.participant_id) or "en"
            subject, body = texts.hearing_reminder_text(
                language,
                court=hearing.court_name,
                when=rules.hearing_when_text(hearing.scheduled_at, zone),
                address=hearing.court_address,
                label=label,
            )
            # Idempotent: the dedupe key names the hearing, its revision and the reminder, so a
            # job run twice (or on two replicas) queues one message.
            created = notification_enqueue(
                # The morning-of reminder has its own kind: quiet hours do not hold it.
                kind="hearing_reminder_day" if label == "day" else "hearing_reminder",
                subject=subject,
                body=body,
                dedupe_key=f"court.hearing:{hearing.pk}:r{hearing.revision}:{label}",
                participant_id=hearing.participant_id,
                language=language,
            )
            sent += int(created)
    return sent
