"""What a participant is told about an office appointment, in their language through gettext.
With an office name of up to 60 characters and an address of up to 100, it fits in three SMS
segments in every language (alerts/tests/test_reminder_texts.py)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from atd.core.languages import language_supported


def appointment_reminder_text(
    language: str, *, office: str, address: str, when: str
) -> tuple[str, str]:
    """`when` is the appointment's time in the office's zone, zone named."""
    with translation.override(language_supported(language) or "en"):
        subject = _("Appointment reminder")
        where = f"{office}, {address}" if address else office
        body = _(
            "Office appointment %(when)s at %(where)s. Bring this message and a photo ID. "
            "If you cannot come, call your officer now."
        ) % {"when": when, "where": where}
    return subject, body
