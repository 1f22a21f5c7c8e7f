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
    "participant_choice": gettext_lazy("your own choice"),
    "critical_alert": gettext_lazy("an open critical alert"),
    "not_acknowledged": gettext_lazy("court obligations not acknowledged"),
    "not_applicable": gettext_lazy("the request does not fit your current plan"),
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


def cadence_name(days: int) -> str:
    """ "every 4 weeks" / "every 10 days", in the active language."""
    if days == 1:
        return _("every day")
    if days == 7:
        return _("every week")
    if days and days % 7 == 0:
        return _("every %(n)s weeks") % {"n": days // 7}
    return _("every %(n)s days") % {"n": days}


def _first_paragraph(
    kind: str, approved: bool, old: str, new: str, old_cadence: str, new_cadence: str, ended: str
) -> str:
    if kind == "lower_cadence":
        if approved:
            return _("Your request is approved. You now check in %(new)s instead of %(old)s.") % {
                "new": new_cadence,
                "old": old_cadence,
            }
        return _("Your request is denied. You keep checking in %(old)s.") % {"old": old_cadence}
    if kind == "end_monitoring":
        if approved:
            return _(
                "Your request is approved. Electronic monitoring (%(old)s) ends. Your reporting "
                "continues: %(new)s."
            ) % {"old": old, "new": new}
        return _("Your request is denied. Your electronic monitoring stays %(old)s.") % {"old": old}
    if kind == "leave_program":
        if approved:
            return _(
                "Your request is approved. You have left the supervision program on %(date)s."
            ) % {"date": ended}
        return _("Your request to leave the program is denied. Your supervision continues.")
    if approved:
        return _("Your request is approved. Your monitoring changes from %(old)s to %(new)s.") % {
            "old": old,
            "new": new,
        }
    return _("Your request is denied. Your monitoring stays %(old)s.") % {"old": old, "new": new}


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
    kind: str = "step_down",
    old_cadence_days: int = 0,
    new_cadence_days: int = 0,
    ended_on: str = "",
) -> Letter:
    lang = letter_language(language)
    with translation.override(lang):
        old, new = technology_name(old_technology), technology_name(new_technology)
        reason_name = REASON_NAMES.get(reason)
        paragraphs = [
            _first_paragraph(
                kind,
                approved,
                old,
                new,
                cadence_name(old_cadence_days),
                cadence_name(new_cadence_days),
                ended_on or decided_on,
            ),
            _("Reason: %(reason)s.") % {"reason": str(reason_name) if reason_name else reason},
        ]
        if kind == "leave_program" and approved:
            paragraphs.append(
                _(
                    "Your court hearings and notices stay as they are: you must still attend "
                    "every hearing and follow the court's instructions."
                )
            )
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
