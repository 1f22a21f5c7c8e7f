"""What a participant is told about their check-in windows, in their language through gettext.
Each text fits in one or two SMS segments in every language (tests/test_reminder_texts.py)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from atd.core.languages import language_supported


def window_open_text(language: str, *, in_person: bool, due: str) -> tuple[str, str]:
    with translation.override(language_supported(language) or "en"):
        subject = _("Your check-in window is open")
        if in_person:
            body = _("Please report in person at your office by %(due)s.") % {"due": due}
        else:
            body = _("Please check in with the atd app by %(due)s.") % {"due": due}
    return subject, body


def window_closing_text(language: str, *, in_person: bool, when: str) -> tuple[str, str]:
    """`when` is the closing time in the office's zone, zone named ("2026-06-08 23:59 CDT")."""
    with translation.override(language_supported(language) or "en"):
        subject = _("Your check-in window closes soon")
        if in_person:
            body = _(
                "Report in person at your office before %(when)s. If you cannot, call your officer."
            ) % {"when": when}
        else:
            body = _(
                "Check in with the atd app before %(when)s. If you cannot, call your officer."
            ) % {"when": when}
    return subject, body
