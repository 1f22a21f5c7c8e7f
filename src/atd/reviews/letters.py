"""The decision letter a participant receives, written in their language through gettext.

The wording lives in the translation catalogs (src/atd/locale), like every other text a
participant reads, so a translator finds it where they find the rest; the choice of paragraphs
is plain logic and stays testable without a database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atd.core.languages import language_supported

TECHNOLOGY_NAMES = {
    "gps_ankle": gettext_lazy("GPS ankle monitor"),
    "wrist": gettext_lazy("wrist-worn device"),
    "smartphone": gettext_lazy("smartphone check-in"),
    "telephone": gettext_lazy("telephone reporting"),
    "in_person": gettext_lazy("in-person reporting only"),
}

REASON_NAMES = {
    "sustained_compliance": gettext_lazy("sustained compliance"),
    "short_record": gettext_lazy("not yet supervised long enough"),
    "missed_checkins": gettext_lazy("missed check-ins in the review period"),
    "unresolved_alerts": gettext_lazy("unresolved alerts"),
    "missed_hearing": gettext_lazy("a missed court hearing"),
    "court_order": gettext_lazy("a court order or legal requirement"),
    "lowest_level": gettext_lazy("already at the least restrictive level"),
    "other": gettext_lazy("see the explanation below"),
}


@dataclass(frozen=True)
class Letter:
    language: str
    title: str
    paragraphs: tuple[str, ...]
    explanation: str


def letter_language(preferred: str) -> str:
    """The participant's language if every letter text exists in it, else English."""
    return language_supported(preferred) or "en"


def technology_name(code: str) -> str:
    """A technology's name in the active language (the code itself if it is unknown)."""
    name = TECHNOLOGY_NAMES.get(code)
    return str(name) if name is not None else code


def decision_letter(
    *,
    language: str,
    approved: bool,
    old_technology: str,
    new_technology: str,
    reason: str,
    explanation: str,
    decided_on: str,
    appeal_until: str | None,
    device_return: bool,
) -> Letter:
    lang = letter_language(language)
    with translation.override(lang):
        old, new = technology_name(old_technology), technology_name(new_technology)
        reason_name = REASON_NAMES.get(reason)
        if approved:
            first = _("Your request is approved. Your monitoring changes from %(old)s to %(new)s.")
        else:
            first = _("Your request is denied. Your monitoring stays %(old)s.")
        paragraphs = [
            first % {"old": old, "new": new},
            _("Reason: %(reason)s.") % {"reason": str(reason_name) if reason_name else reason},
        ]
        if approved and device_return:
            paragraphs.append(_("Your officer will arrange the return of your device."))
        if not approved and appeal_until:
            paragraphs.append(
                _(
                    "You may appeal this decision to a supervisor until %(until)s, from your "
                    "portal or by telling your officer."
                )
                % {"until": appeal_until}
            )
        paragraphs.append(_("Date of decision: %(date)s") % {"date": decided_on})
        title = _("Decision on your request for review of monitoring")
    return Letter(lang, title, tuple(paragraphs), explanation)
