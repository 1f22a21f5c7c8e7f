"""What the SMS provider tells us afterwards: a message's delivery state, and a participant's
reply (STOP / PARAR stops texts to that number, START restarts them). Both come from signed
callbacks (alerts.provider_views); each change is one transaction and one audit entry."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from atd.alerts.models import DeliveryAttempt, SmsOptOut, phone_index
from atd.alerts.rules import phone_e164, sms_reply_intent, sms_status_advances
from atd.core import clock
from atd.core.actors import Actor
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.roles import Role

PROVIDER = Actor(id=None, label="sms-provider", role=Role.INTEGRATION)


@transaction.atomic
def sms_status_record(*, provider_ref: str, status: str, error_code: str = "") -> int:
    """Records the provider's report on one message; returns how many attempts it updated
    (0 for an unknown message id or a report older than what is recorded)."""
    status = status.strip().lower()
    if not provider_ref or len(provider_ref) > 200:
        raise ValidationFailed(errors=[FieldError("MessageSid", "a message id is required")])
    attempts = list(
        DeliveryAttempt.objects.select_for_update().filter(channel="sms", provider_ref=provider_ref)
    )
    changed = [a for a in attempts if sms_status_advances(a.provider_status, status)]
    if not changed:
        return 0
    now = clock.now()
    for attempt in changed:
        attempt.provider_status, attempt.provider_status_at = status, now
        attempt.provider_error = error_code[:64]
        attempt.save(update_fields=["provider_status", "provider_status_at", "provider_error"])
    audit_record(
        actor=PROVIDER,
        action="notification.sms_status",
        object_type="notification",
        object_ids=sorted({a.notification_id for a in changed}),
        reason=f"{status} {error_code}".strip(),
    )
    return len(changed)


@transaction.atomic
def sms_reply_record(*, sender: str, body: str, reply_ref: str = "") -> str:
    """A participant's reply. Returns "stop", "start" or "" (any other text is not kept here:
    replies are not a conversation channel; the officer's number is on every message)."""
    number = phone_e164(sender, settings.ATD_SMS_DEFAULT_REGION)
    if number is None:
        raise ValidationFailed(errors=[FieldError("From", "not a valid phone number")])
    intent = sms_reply_intent(body)
    if intent == "stop":
        # The number is encrypted at rest: the row is found by its blind index (ADR 0021).
        row, created = SmsOptOut.objects.get_or_create(
            number_index=phone_index(number),
            defaults={"number": number, "since": clock.now(), "reply_ref": reply_ref[:200]},
        )
        if created:
            # The audit names the opt-out row, not the number: the log holds no phone numbers.
            audit_record(
                actor=PROVIDER,
                action="sms.opt_out",
                object_type="sms_opt_out",
                object_ids=[row.pk],
                reason="reply STOP",
            )
    elif intent == "start":
        previous = SmsOptOut.objects.filter(number_index=phone_index(number)).first()
        if previous is not None:
            audit_record(
                actor=PROVIDER,
                action="sms.opt_in",
                object_type="sms_opt_out",
                object_ids=[previous.pk],
                reason="reply START",
            )
            previous.delete()
    return intent
