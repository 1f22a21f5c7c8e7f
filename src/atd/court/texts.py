"""What a participant is told about their hearings, in their language through gettext.

The time comes already written in the court's zone with the zone named
(`rules.hearing_when_text`); these functions only put it into words.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from atd.core.languages import language_supported


def hearing_reminder_text(language: str, *, court: str, when: str) -> tuple[str, str]:
    with translation.override(language_supported(language) or "en"):
        subject = _("Court hearing reminder")
        body = _(
            "You have a hearing at %(court)s on %(when)s. Attending is required. "
            "If you cannot attend, contact your officer now."
        ) % {"court": court, "when": when}
    return subject, body


def hearing_changed_text(language: str, *, court: str, when: str) -> tuple[str, str]:
    with translation.override(language_supported(language) or "en"):
        subject = _("Your court hearing has changed")
        body = _("Your hearing is now at %(court)s on %(when)s.") % {"court": court, "when": when}
    return subject, body
