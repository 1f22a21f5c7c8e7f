"""Pure review rules: the compliance record, the step-down recommendation, deadlines, and the
decision letter in the participant's language. No Django; `now` is passed in."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from atd.supervision.types import TECHNOLOGY_LADDER


@dataclass(frozen=True)
class ComplianceRecord:
    """What the officer sees with a request, over the review window (e.g. the last 90 days)."""

    days_supervised: int
    window_days: int
    checkins_on_time: int = 0
    checkins_late: int = 0
    checkins_missed: int = 0
    checkins_attempted: int = 0
    alerts_by_kind: dict[str, int] = field(default_factory=dict)
    alerts_by_disposition: dict[str, int] = field(default_factory=dict)
    alerts_unresolved: int = 0
    hearings_attended: int = 0
    hearings_missed: int = 0
    checkins_available: bool = True
    alerts_available: bool = True
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True)
class Recommendation:
    eligible: bool
    from_technology: str
    to_technology: str
    reasons: tuple[str, ...]
    suggested_reason: str  # a DecisionReason value

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "reasons": list(self.reasons)}


def next_step_down(technology: str, ladder: tuple[str, ...] = TECHNOLOGY_LADDER) -> str | None:
    """ankle -> wrist -> app -> telephone -> in-person only; None at the bottom or if unknown."""
    if technology not in ladder:
        return None
    index = ladder.index(technology)
    return ladder[index + 1] if index + 1 < len(ladder) else None


def recommend(
    record: ComplianceRecord, technology: str, *, required_days: int = 90
) -> Recommendation:
    """Eligible for the next step down after `required_days` supervised with no missed check-in,
    no unresolved alert and no missed hearing in the window. Unknown history never counts as
    compliance: if a source could not be read, the recommendation is not to step down yet."""
    target = next_step_down(technology)
    blockers: list[tuple[str, str]] = []
    if technology not in TECHNOLOGY_LADDER:
        blockers.append(("other", "no active supervision plan with a known technology"))
    elif target is None:
        blockers.append(("lowest_level", "already at the least restrictive level"))
    if record.days_supervised < required_days:
        blockers.append(
            ("short_record", f"supervised {record.days_supervised} of {required_days} days")
        )
    if not record.checkins_available:
        blockers.append(("other", "check-in history could not be read: check it by hand"))
    if record.checkins_missed:
        blockers.append(("missed_checkins", f"{record.checkins_missed} missed check-in(s)"))
    if not record.alerts_available:
        blockers.append(("other", "alert history could not be read: check it by hand"))
    if record.alerts_unresolved:
        blockers.append(("unresolved_alerts", f"{record.alerts_unresolved} unresolved alert(s)"))
    if record.hearings_missed:
        blockers.append(("missed_hearing", f"{record.hearings_missed} missed hearing(s)"))
    if blockers:
        return Recommendation(
            eligible=False,
            from_technology=technology,
            to_technology="",
            reasons=tuple(text for _, text in blockers),
            suggested_reason=blockers[0][0],
        )
    return Recommendation(
        eligible=True,
        from_technology=technology,
        to_technology=target or "",
        reasons=(
            f"{record.days_supervised} days supervised",
            f"{record.checkins_on_time} check-in(s) on time, none missed",
            "no unresolved alert, no missed hearing",
        ),
        suggested_reason="sustained_compliance",
    )


def decision_due(requested_at: datetime, days: int) -> datetime:
    return requested_at + timedelta(days=days)


def is_overdue(due_at: datetime, now: datetime, *, pending: bool) -> bool:
    return pending and now > due_at


def appeal_open(appeal_until: datetime | None, now: datetime) -> bool:
    return appeal_until is not None and now <= appeal_until


def decision_problem(*, approve: bool, reason: str, to_technology: str, current: str) -> str | None:
    """None when a decision is complete, else what is missing. A step-down must go down."""
    if not reason:
        return "choose a reason"
    if approve:
        allowed = (
            TECHNOLOGY_LADDER[TECHNOLOGY_LADDER.index(current) + 1 :]
            if current in TECHNOLOGY_LADDER
            else ()
        )
        if to_technology not in allowed:
            return "an approved review must move to a less restrictive technology"
    return None


# --- the decision letter --------------------------------------------------------------------

TECHNOLOGY_NAMES = {
    "en": {
        "gps_ankle": "GPS ankle monitor",
        "wrist": "wrist-worn device",
        "smartphone": "smartphone check-in",
        "telephone": "telephone reporting",
        "in_person": "in-person reporting only",
    },
    "es": {
        "gps_ankle": "monitor GPS de tobillo",
        "wrist": "dispositivo de muñeca",
        "smartphone": "registro por teléfono inteligente",
        "telephone": "reporte por teléfono",
        "in_person": "solo reporte en persona",
    },
    "pt": {
        "gps_ankle": "monitor GPS de tornozelo",
        "wrist": "dispositivo de pulso",
        "smartphone": "registro pelo celular",
        "telephone": "apresentação por telefone",
        "in_person": "somente apresentação presencial",
    },
}

_LETTER = {
    "en": {
        "title": "Decision on your request for review of monitoring",
        "approved": "Your request is approved. Your monitoring changes from {old} to {new}.",
        "denied": "Your request is denied. Your monitoring stays {old}.",
        "reason": "Reason: {reason}.",
        "appeal": "You may appeal this decision to a supervisor until {until}, from your portal or by telling your officer.",
        "device": "Your officer will arrange the return of your device.",
        "date": "Date of decision: {date}",
    },
    "es": {
        "title": "Decisión sobre su solicitud de revisión del monitoreo",
        "approved": "Su solicitud fue aprobada. Su monitoreo cambia de {old} a {new}.",
        "denied": "Su solicitud fue negada. Su monitoreo sigue siendo {old}.",
        "reason": "Motivo: {reason}.",
        "appeal": "Puede apelar esta decisión ante un supervisor hasta el {until}, desde su portal o avisando a su oficial.",
        "device": "Su oficial coordinará la devolución de su dispositivo.",
        "date": "Fecha de la decisión: {date}",
    },
    "pt": {
        "title": "Decisão sobre o seu pedido de revisão do monitoramento",
        "approved": "Seu pedido foi aprovado. Seu monitoramento muda de {old} para {new}.",
        "denied": "Seu pedido foi negado. Seu monitoramento continua sendo {old}.",
        "reason": "Motivo: {reason}.",
        "appeal": "Você pode recorrer desta decisão a um supervisor até {until}, pelo portal ou avisando seu oficial.",
        "device": "Seu oficial vai combinar a devolução do seu dispositivo.",
        "date": "Data da decisão: {date}",
    },
}

REASON_NAMES = {
    "en": {
        "sustained_compliance": "sustained compliance",
        "short_record": "not yet supervised long enough",
        "missed_checkins": "missed check-ins in the review period",
        "unresolved_alerts": "unresolved alerts",
        "missed_hearing": "a missed court hearing",
        "court_order": "a court order or legal requirement",
        "lowest_level": "already at the least restrictive level",
        "other": "see the explanation below",
    },
    "es": {
        "sustained_compliance": "cumplimiento sostenido",
        "short_record": "aún no lleva suficiente tiempo bajo supervisión",
        "missed_checkins": "registros no realizados en el período revisado",
        "unresolved_alerts": "alertas sin resolver",
        "missed_hearing": "una audiencia a la que no asistió",
        "court_order": "una orden judicial o un requisito legal",
        "lowest_level": "ya está en el nivel menos restrictivo",
        "other": "vea la explicación abajo",
    },
    "pt": {
        "sustained_compliance": "cumprimento contínuo",
        "short_record": "ainda não está sob supervisão há tempo suficiente",
        "missed_checkins": "registros não feitos no período analisado",
        "unresolved_alerts": "alertas não resolvidos",
        "missed_hearing": "uma audiência perdida",
        "court_order": "uma ordem judicial ou exigência legal",
        "lowest_level": "já está no nível menos restritivo",
        "other": "veja a explicação abaixo",
    },
}


@dataclass(frozen=True)
class Letter:
    language: str
    title: str
    paragraphs: tuple[str, ...]
    explanation: str


def letter_language(preferred: str) -> str:
    code = (preferred or "en")[:2].lower()
    return code if code in _LETTER else "en"


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
    text, names = _LETTER[lang], TECHNOLOGY_NAMES[lang]
    old, new = names.get(old_technology, old_technology), names.get(new_technology, new_technology)
    paragraphs = [
        (text["approved"] if approved else text["denied"]).format(old=old, new=new),
        text["reason"].format(reason=REASON_NAMES[lang].get(reason, reason)),
    ]
    if approved and device_return:
        paragraphs.append(text["device"])
    if not approved and appeal_until:
        paragraphs.append(text["appeal"].format(until=appeal_until))
    paragraphs.append(text["date"].format(date=decided_on))
    return Letter(lang, text["title"], tuple(paragraphs), explanation)
