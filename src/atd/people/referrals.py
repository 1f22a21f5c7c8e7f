"""Locate referrals (issue 19): a case at large handed to the field team, its attempts, and
its outcome, which drives the case (people.rules.referral_outcome_effect)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.case_status import case_status_write
from atd.people.models import LocateAttempt, LocateReferral
from atd.people.rules import ReferralOutcome, referral_outcome_effect, referral_outcome_problem
from atd.people.selectors import case_get_in_scope

FIELD_ROLES = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


@transaction.atomic
def locate_referral_open(
    *, actor: Any, scope: Scope, case_id: int, taken_by: str, note: str = ""
) -> LocateReferral:
    """Hands a case at large to the field team; `taken_by` names who took it."""
    scope.require(*FIELD_ROLES)
    case = case_get_in_scope(scope=scope, case_id=case_id, for_update=True)
    if case.status != "at_large":
        raise Conflict(detail="only a case at large is referred to the field team")
    if not taken_by.strip():
        raise ValidationFailed(errors=[FieldError("taken_by", "say who took the referral")])
    if LocateReferral.objects.filter(case=case, status=LocateReferral.Status.OPEN).exists():
        raise Conflict(detail="this case already has an open referral")
    referral = LocateReferral.objects.create(
        case=case,
        taken_by=taken_by.strip()[:150],
        note=note.strip()[:500],
        opened_at=clock.now(),
        opened_by=actor_for(actor).label,
    )
    audit_record(
        actor=actor,
        action="locate_referral.open",
        object_type="case",
        object_ids=[case.pk],
        reason=f"referral {referral.pk} taken by {referral.taken_by}",
    )
    return referral


def _referral_locked(scope: Scope, referral_id: int) -> LocateReferral:
    referral = LocateReferral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound()
    case_get_in_scope(scope=scope, case_id=referral.case_id)  # NotFound out of scope
    return referral


@transaction.atomic
def locate_attempt_record(
    *, actor: Any, scope: Scope, referral_id: int, note: str, place: str = ""
) -> LocateAttempt:
    """One attempt to find the person (a visit, a call), on an open referral."""
    scope.require(*FIELD_ROLES)
    referral = _referral_locked(scope, referral_id)
    if referral.status != LocateReferral.Status.OPEN:
        raise Conflict(detail="the referral already has its outcome")
    if not note.strip():
        raise ValidationFailed(errors=[FieldError("note", "describe the attempt")])
    attempt = LocateAttempt.objects.create(
        referral=referral,
        at=clock.now(),
        place=place.strip()[:200],
        note=note.strip()[:500],
        recorded_by=actor_for(actor).label,
    )
    audit_record(
        actor=actor,
        action="locate_referral.attempt",
        object_type="case",
        object_ids=[referral.case_id],
        reason=f"referral {referral.pk} attempt {attempt.pk}",
    )
    return attempt


@transaction.atomic
def locate_referral_outcome(
    *, actor: Any, scope: Scope, referral_id: int, outcome: str, note: str, min_attempts: int = 3
) -> LocateReferral:
    """Records a referral's outcome and applies it to the case: located -> active; in
    custody, departed, deceased -> closed with that reason; not found -> stays at large."""
    scope.require(*FIELD_ROLES)
    referral = _referral_locked(scope, referral_id)
    if referral.status != LocateReferral.Status.OPEN:
        raise Conflict(detail="the referral already has its outcome")
    attempts = referral.attempts.count()
    problem = referral_outcome_problem(
        outcome, attempts=attempts, min_attempts=min_attempts, note=note
    )
    if problem:
        raise ValidationFailed(detail=problem)
    case = case_get_in_scope(scope=scope, case_id=referral.case_id, for_update=True)
    effect = referral_outcome_effect(outcome)
    if effect is not None and case.status != "at_large":
        raise Conflict(detail="the case is no longer at large; record the outcome on its page")
    now = clock.now()
    who = actor_for(actor).label
    referral.status = LocateReferral.Status.CLOSED
    referral.outcome = outcome
    referral.outcome_note = note.strip()[:500]
    referral.outcome_at = now
    referral.outcome_by = who
    referral.save(update_fields=["status", "outcome", "outcome_note", "outcome_at", "outcome_by"])
    label = ReferralOutcome(outcome).value
    if effect is not None:
        to_status, closure = effect
        case_status_write(
            case,
            actor=actor,
            to_status=to_status,
            closure_reason=closure,
            reason=f"locate referral {referral.pk}: {label}: {note.strip()}",
        )
    audit_record(
        actor=actor,
        action="locate_referral.outcome",
        object_type="case",
        object_ids=[case.pk],
        reason=f"referral {referral.pk}: {label} after {attempts} attempt(s)",
    )
    return referral
