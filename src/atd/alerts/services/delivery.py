"""Delivering queued notifications through the channel plug-ins, with retries.

Workers claim a message with a conditional UPDATE (`claimed_until`), so two workers never send
the same message and a crashed worker's claim simply expires. Each channel try is recorded as
a DeliveryAttempt; a failure is retried after a back-off until the channel's limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from atd.alerts.channels import DeliveryResult, OutgoingMessage, channel_get
from atd.alerts.models import DeliveryAttempt, Notification, SmsOptOut, phone_index
from atd.alerts.policy import alert_policy
from atd.alerts.rules import (
    LEGAL_NOTICE_KINDS,
    on_call_at,
    pages_for,
    participant_channel,
    phone_e164,
    quiet_hours_apply,
    quiet_hours_parse,
    quiet_hours_release,
    retry_after,
)
from atd.alerts.selectors import preference_for, supervisors_of_office
from atd.alerts.services.preferences import hours_of
from atd.alerts.services.raising import notification_enqueue
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record
from atd.core.scope import Scope
from atd.people.selectors import (
    case_routing_for_participants,
    participant_get_in_scope,
    participant_timezones,
)

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=2)
_SYSTEM_SCOPE = Scope.system()


@dataclass
class DeliveryRun:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0  # texts put off until the participant's quiet hours end


def _claim(limit: int, now: datetime) -> list[int]:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    candidates = list(
        Notification.objects.filter(status=Notification.Status.QUEUED, send_after__lte=now)
        .filter(free)
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    claimed = []
    for pk in candidates:
        # The conditional UPDATE is the lock: only one worker sees rowcount 1.
        if (
            Notification.objects.filter(pk=pk, status=Notification.Status.QUEUED)
            .filter(free)
            .update(claimed_until=now + CLAIM_FOR)
        ):
            claimed.append(pk)
    return claimed


def _targets(notification: Notification, now: datetime) -> list[tuple[str, str]]:
    """(channel, address) pairs for one message, from its channel or the recipient's choice."""
    policy = alert_policy()
    if notification.channel == "webhook":
        return [("webhook", policy.webhook_url)]
    if notification.user_id is not None:
        user = get_user_model().objects.filter(pk=notification.user_id).first()
        if user is None:
            return []
        pref = preference_for(user.pk)
        addresses = {"in_app": "", "email": user.email, "sms": pref.phone if pref else ""}
        if notification.channel:
            return [(notification.channel, addresses.get(notification.channel, ""))]
        chosen = ["in_app"]
        severity = notification.alert.severity if notification.alert_id else ""  # type: ignore[union-attr]
        # Paging channels only for the severities the officer chose, inside on-call hours or
        # for escalations (an escalation is addressed to them because nobody else acted).
        if pref is not None and severity and pages_for(severity, pref.page_severities):
            if notification.kind.startswith("alert.escalation") or on_call_at(hours_of(pref), now):
                chosen += [c for c in pref.channels if c in ("email", "sms")]
        return [(c, addresses[c]) for c in dict.fromkeys(chosen)]
    participant = participant_get_in_scope(
        scope=_SYSTEM_SCOPE, participant_id=notification.participant_id or -1
    )
    number = phone_e164(participant.phone, settings.ATD_SMS_DEFAULT_REGION) or participant.phone
    opted_out = bool(number) and SmsOptOut.objects.filter(number_index=phone_index(number)).exists()
    channel = notification.channel or participant_channel(
        phone=participant.phone, sms_opted_out=opted_out, email=participant.email
    )
    if channel == "sms" and opted_out:
        # Asked for a text, but the participant replied STOP: the notice goes another way.
        channel = participant_channel(phone="", sms_opted_out=True, email=participant.email)
    address = {"sms": number, "email": participant.email}.get(channel, "")
    return [(channel, address or "")]


def _quiet_release(
    notification: Notification, targets: list[tuple[str, str]], now: datetime
) -> datetime | None:
    """When a participant's text falls in their quiet hours: the time they end (else None)."""
    if notification.participant_id is None:
        return None
    if not any(quiet_hours_apply(notification.kind, channel) for channel, _ in targets):
        return None
    hours = quiet_hours_parse(getattr(settings, "ATD_QUIET_HOURS", ""))
    zone = participant_timezones([notification.participant_id]).get(
        notification.participant_id, "UTC"
    )
    return quiet_hours_release(hours, now, zone)


def _letter_task(notification: Notification, targets: list[tuple[str, str]]) -> None:
    """A legally required notice that can reach the participant only in the portal (they
    replied STOP, or have no usable number, and have no e-mail address) becomes a task for
    their officer: send it by letter. Queued once per notice (the dedupe key)."""
    if notification.kind not in LEGAL_NOTICE_KINDS or notification.participant_id is None:
        return
    if any(channel in ("sms", "email") for channel, _ in targets):
        return
    route = case_routing_for_participants([notification.participant_id]).get(
        notification.participant_id
    )
    if route is None:
        return
    recipients = [route.officer_id] if route.officer_id else []
    if not recipients:
        recipients = [u.pk for u in supervisors_of_office(route.office_id)]
    for user_id in recipients:
        notification_enqueue(
            kind="letter_needed",
            subject=f"Send by letter: {notification.subject}"[:200],
            body=(
                f"Participant {notification.participant_id} cannot be reached by text (they "
                "replied STOP or the number is not valid) and has no e-mail address. This notice "
                "is legally required: send it by letter, in their language "
                f"({notification.language}).\n\n{notification.subject}\n{notification.body}"
            ),
            dedupe_key=f"alerts.letter:{notification.pk}:{user_id}",
            user_id=user_id,
            channel="in_app",
        )


def _payload(notification: Notification) -> dict[str, Any]:
    if not notification.alert_id:
        return {}
    a = notification.alert
    assert a is not None
    return {
        "alert": {
            "id": a.pk,
            "kind": a.kind,
            "severity": a.severity,
            "status": a.status,
            "participant_id": a.participant_id,
            "office_id": a.office_id,
            "opened_at": a.opened_at.isoformat(),
            "ack_due_at": a.ack_due_at.isoformat(),
        }
    }


def _deliver_one(pk: int, run: DeliveryRun) -> None:
    now = clock.now()
    notification = Notification.objects.select_related("alert").get(pk=pk)
    done = set(
        DeliveryAttempt.objects.filter(notification=notification, ok=True).values_list(
            "channel", flat=True
        )
    )
    failures: list[tuple[str, int, int]] = []  # channel, attempts so far, max attempts
    errors: list[str] = []
    targets = _targets(notification, now)
    release = _quiet_release(notification, targets, now)
    if release is not None and release > now:
        # Held, not failed: no attempt is recorded; the message goes when the quiet hours end.
        notification.send_after = release
        notification.claimed_until = None
        notification.save(update_fields=["send_after", "claimed_until"])
        run.held += 1
        return
    if not done:
        _letter_task(notification, targets)
    for channel_name, address in targets:
        if channel_name in done:
            continue
        tries = DeliveryAttempt.objects.filter(
            notification=notification, channel=channel_name
        ).count()
        try:
            channel = channel_get(channel_name)
            result = channel.send(
                OutgoingMessage(
                    notification_id=notification.pk,
                    kind=notification.kind,
                    subject=notification.subject,
                    body=notification.body,
                    language=notification.language,
                    address=address,
                    payload=_payload(notification),
                )
            )
            max_attempts = channel.max_attempts
        except Exception as exc:  # noqa: BLE001 - a broken plug-in is a failed attempt
            result = DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
            max_attempts = 1
        DeliveryAttempt.objects.create(
            notification=notification,
            channel=channel_name,
            attempt_no=tries + 1,
            at=now,
            ok=result.ok,
            error=result.error[:500],
            provider_ref=result.provider_ref[:200],
        )
        if not result.ok:
            # A permanent failure (refused by the provider, not a phone number) is not retried.
            failures.append((channel_name, tries + 1, 1 if result.permanent else max_attempts))
            errors.append(result.error[:200])
    notification.attempt_count += 1
    notification.claimed_until = None
    delays = [retry_after(n, m) for _, n, m in failures]
    if not failures:
        notification.status = Notification.Status.SENT
        notification.sent_at = now
        run.sent += 1
    elif any(d is not None for d in delays):
        notification.send_after = now + min(d for d in delays if d is not None)
        run.retried += 1
    else:
        notification.status = Notification.Status.FAILED
        run.failed += 1
        # A message nobody will receive must not vanish into a log line.
        audit_record(
            actor=SYSTEM,
            action="notification.failed",
            object_type="notification",
            object_ids=[notification.pk],
            outcome="failed",
            reason="; ".join(
                f"{c}: {e}" for c, e in zip((c for c, _, _ in failures), errors, strict=True)
            ),
        )
    notification.save(
        update_fields=["status", "sent_at", "send_after", "attempt_count", "claimed_until"]
    )


def notification_deliver_due(*, limit: int = 200) -> DeliveryRun:
    """One pass of the delivery worker (a periodic job; safe to run in parallel or after a
    crash). Each message commits on its own, so one bad message does not block the rest."""
    run = DeliveryRun()
    ids = _claim(limit, clock.now())
    run.claimed = len(ids)
    for pk in ids:
        try:
            with transaction.atomic():
                _deliver_one(pk, run)
        except Exception:
            log.exception("delivery of notification %s failed; its claim will expire", pk)
    return run
