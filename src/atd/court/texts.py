"""What a participant is told about their hearings, in their language through gettext.

The time comes already written in the court's zone with the zone named
(`rules.hearing_when_text`); these functions only put it into words. Each text is short enough
that a reminder, with a court name of up to 60 characters and an address of up to 100, fits in
three SMS segments in every language (tests/test_texts.py counts them; docs/alerts.md).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from atd.core.languages import language_supported


def hearing_reminder_text(
    language: str, *, court: str, when: str, address: str = "", label: str = ""
) -> tuple[str, str]:
    """The 7-day, 1-day ("7d", "1d") or morning-of ("day") reminder: where (court and address),
    when (court time, zone named) and what to bring."""
    with translation.override(language_supported(language) or "en"):
        if label == "day":
            subject = _("Your court hearing is today")
        else:
            subject = _("Court hearing reminder")
        where = f"{court}, {address}" if address else court
        body = _(
            "Hearing %(when)s at %(where)s. Bring this notice, a photo ID and your case "
            "papers. You must attend; if you cannot, call your officer now."
        ) % {"when": when, "where": where}
    return subject, body


def hearing_changed_text(
    language: str, *, court: str, when: str, address: str = ""
) -> tuple[str, str]:
    with translation.override(language_supported(language) or "en"):
        subject = _("Your court hearing has changed")
        where = f"{court}, {address}" if address else court
        body = _("Your hearing is now at %(court)s on %(when)s.") % {"court": where, "when": when}
    return subject, body
