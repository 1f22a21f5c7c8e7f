"""Delivering queued notifications through the channel plug-ins, with retries.

One message goes claim → send → record, and no transaction is open while a channel sends (a
network call of up to its timeout): on SQLite an open write transaction would hold the database's
one write lock, and every other writer (web requests, workers) would wait on the network.

- **claim**: one conditional UPDATE of `claimed_until` (autocommit): of two workers, only one
  sees rowcount 1. The claim is a lease (CLAIM_FOR): a crashed worker's claim simply expires.
- **send**: each channel not yet sent, outside any transaction; each try is recorded as a
  DeliveryAttempt at once (its own short write), so a crash later does not resend it.
- **record**: one short transaction writes the outcome (sent, retry after a back-off, or failed
  with an audit entry), conditional on still holding the claim.

Delivery is at least once: a worker that dies after a channel accepted a message but before the
attempt was written leaves a claim that expires, and the next worker sends that channel again.
It is never sent by two workers at once: a worker starts a send only while its claim has at
least SEND_MARGIN left (renewing it when short, which fails if another worker has claimed it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, QuerySet

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
# Longer than one channel send can take (SMS, e-mail and webhook time out after 10 s): a send is
# started only while the claim outlasts it by this much, so no other worker can claim the
# message while it runs.
SEND_MARGIN = timedelta(seconds=30)
_SYSTEM_SCOPE = Scope.system()


@dataclass
class DeliveryRun:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0  # texts put off until the participant's quiet hours end


@dataclass
class _Claim:
    """A message this worker holds until `until`. `until` is also the claim's identity: a new
    claim needs `claimed_until < now`, so it always writes a later `until` than any claim
    before it, and a write conditional on `claimed_until = until` succeeds only while no other
    worker has claimed the message since."""

    pk: int
    until: datetime

    def held(self) -> QuerySet[Notification]:
        return Notification.objects.filter(pk=self.pk, claimed_until=self.until)


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _due(limit: int, now: datetime) -> list[int]:
    return list(
        Notification.objects.filter(status=Notification.Status.QUEUED, send_after__lte=now)
        .filter(_free(now))
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(pk: int, now: datetime) -> _Claim | None:
    """Claims one message just before sending it (not a batch up front, whose last leases
    would run out while the first messages are sent). The conditional UPDATE is the lock, in
    autocommit: on PostgreSQL a second worker's UPDATE waits for the first to commit (at once),
    then finds the row taken and changes nothing; on SQLite the writes are serialised."""
    until = now + CLAIM_FOR
    won = (
        Notification.objects.filter(pk=pk, status=Notification.Status.QUEUED, send_after__lte=now)
        .filter(_free(now))
        .update(claimed_until=until)
    )
    return _Claim(pk=pk, until=until) if won else None


def _claim_keep(claim: _Claim) -> bool:
    """Before a send: True if the claim outlasts it, renewing the lease when it runs short
    (False: the lease ran out and another worker claimed the message; it is theirs now)."""
    now = clock.now()
    if now + SEND_MARGIN <= claim.until:
        return True  # nobody can have claimed it: the lease has not run out
    until = now + CLAIM_FOR
    if not claim.held().update(claimed_until=until):
        return False
    claim.until = until
    return True


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


def _send(
    notification: Notification, channel_name: str, address: str
) -> tuple[DeliveryResult, int]:
    """One channel try, outside any transaction: (result, the channel's max attempts)."""
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
        return result, channel.max_attempts
    except Exception as exc:  # noqa: BLE001 - a broken plug-in is a failed attempt
        return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500]), 1


def _attempt_record(
    notification: Notification, channel_name: str, attempt_no: int, result: DeliveryResult
) -> None:
    """Written at once after the send (one INSERT, its own transaction): once recorded, a
    success is never resent and a failure counts towards the channel's limit, whatever happens
    to this worker next."""
    DeliveryAttempt.objects.create(
        notification=notification,
        channel=channel_name,
        attempt_no=attempt_no,
        at=clock.now(),
        ok=result.ok,
        error=result.error[:500],
        provider_ref=result.provider_ref[:200],
    )


def _outcome_record(
    claim: _Claim, failures: list[tuple[str, int, int, str]], run: DeliveryRun
) -> None:
    """The message's outcome, in one short transaction, only while this worker still holds the
    claim: sent, retried after a back-off, or failed (with its audit entry)."""
    now = clock.now()
    fields: dict[str, Any] = {"claimed_until": None, "attempt_count": F("attempt_count") + 1}
    delays = [retry_after(n, m) for _, n, m, _ in failures]
    if not failures:
        fields.update(status=Notification.Status.SENT, sent_at=now)
    elif any(d is not None for d in delays):
        fields["send_after"] = now + min(d for d in delays if d is not None)
    else:
        fields["status"] = Notification.Status.FAILED
    with transaction.atomic():
        if not claim.held().update(**fields):
            log.warning(
                "notification %s: another worker claimed it before its outcome was recorded; "
                "its attempts are recorded, its state is theirs to write",
                claim.pk,
            )
            return
        if fields.get("status") == Notification.Status.FAILED:
            # A message nobody will receive must not vanish into a log line.
            audit_record(
                actor=SYSTEM,
                action="notification.failed",
                object_type="notification",
                object_ids=[claim.pk],
                outcome="failed",
                reason="; ".join(f"{c}: {e}" for c, _, _, e in failures),
            )
    if not failures:
        run.sent += 1
    elif "send_after" in fields:
        run.retried += 1
    else:
        run.failed += 1


def _deliver_one(claim: _Claim, run: DeliveryRun) -> None:
    """Reads, then each channel's send and attempt, then the outcome; never a transaction
    around a send."""
    now = clock.now()
    notification = Notification.objects.select_related("alert").get(pk=claim.pk)
    done = set(
        DeliveryAttempt.objects.filter(notification=notification, ok=True).values_list(
            "channel", flat=True
        )
    )
    targets = _targets(notification, now)
    release = _quiet_release(notification, targets, now)
    if release is not None and release > now:
        # Held, not failed: no attempt is recorded; the message goes when the quiet hours end.
        if claim.held().update(send_after=release, claimed_until=None):
            run.held += 1
        return
    if not done:
        # Idempotent (its dedupe key), so a resend after a crash queues no second task.
        _letter_task(notification, targets)
    failures: list[tuple[str, int, int, str]] = []  # channel, attempt no, max attempts, error
    for channel_name, address in targets:
        if channel_name in done:
            continue
        if not _claim_keep(claim):
            log.warning("notification %s: claim lost before sending by %s", claim.pk, channel_name)
            return
        tries = DeliveryAttempt.objects.filter(
            notification=notification, channel=channel_name
        ).count()
        result, max_attempts = _send(notification, channel_name, address)
        _attempt_record(notification, channel_name, tries + 1, result)
        if not result.ok:
            # A permanent failure (refused by the provider, not a phone number) is not retried.
            limit = 1 if result.permanent else max_attempts
            failures.append((channel_name, tries + 1, limit, result.error[:200]))
    _outcome_record(claim, failures, run)


def notification_deliver_due(*, limit: int = 200) -> DeliveryRun:
    """One pass of the delivery worker (a periodic job; safe to run in parallel or after a
    crash). Messages are claimed one at a time, just before they are sent; one bad message
    does not stop the rest."""
    run = DeliveryRun()
    for pk in _due(limit, clock.now()):
        claim = _claim(pk, clock.now())
        if claim is None:
            continue  # another worker has it
        run.claimed += 1
        try:
            _deliver_one(claim, run)
        except Exception:
            log.exception("delivery of notification %s failed; its claim will expire", pk)
    return run
