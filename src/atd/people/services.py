"""Writes for people and cases: each one atomic, attributed and audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.extensions import office_move_hooks, participants_changed
from atd.core.fieldcrypt import blind_index
from atd.core.roles import CASELOAD_ROLES, Role
from atd.core.scope import Scope
from atd.people.addresses import (
    AddressContext,
    address_flags_write,
    address_prepare,
    address_shared_flags_refresh,
)
from atd.people.case_status import case_status_write
from atd.people.models import (
    Address,
    Alias,
    Case,
    CaseAssignment,
    Participant,
    PhoneChange,
)
from atd.people.phones import phone_default_region

# The locate referral services are published here with the other writes (their module is
# private to people).
from atd.people.referrals import (  # noqa: F401
    locate_attempt_record,
    locate_referral_open,
    locate_referral_outcome,
)

# phone_normalize is published with the services: a caller in another context (a check-in's
# questionnaire) checks a number before calling participant_phone_change.
from atd.people.rules import (
    REOPEN_REASON_LABELS,
    AddressInput,
    case_reopen_problem,
    case_transition_problem,
    phone_is_change,
    phone_normalize,
)
from atd.people.rules import (
    phone_is_e164 as phone_is_e164,
)
from atd.people.search_index import participant_search_tokens
from atd.people.selectors import case_get_in_scope, participant_get_in_scope

ENROLLMENT_CODE_TTL = timedelta(days=14)


@transaction.atomic
def address_change(
    *, actor: Any, scope: Scope, participant_id: int, address: AddressInput, reason: str
) -> Address:
    """Replaces the current address, keeping the old one as history, and flags problems."""
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    now = clock.now()
    prepared = address_prepare(address)
    context = AddressContext([prepared], exclude_participant=participant.pk)
    findings = context.findings(prepared)
    Address.objects.filter(participant=participant, is_current=True).update(
        is_current=False, valid_to=now
    )
    row = Address.objects.create(
        participant=participant,
        line1=prepared.value.line1,
        unit=prepared.value.unit,
        city=prepared.value.city,
        state=prepared.value.state,
        postal_code=prepared.value.postal_code,
        country=prepared.value.country or "US",
        normalized_key=prepared.key,
        building_key=prepared.building_key,
        valid_from=now,
        recorded_by=actor_for(actor).label,
    )
    address_flags_write([(row.pk, findings)], now=now)
    address_shared_flags_refresh([prepared.key], now=now)
    participants_changed([participant.pk])  # e.g. matching's blocking keys (postcode, street)
    audit_record(
        actor=actor,
        action="address.change",
        object_type="participant",
        object_ids=[participant.pk],
        reason=reason,
    )
    return row


@transaction.atomic
def participant_phone_change(
    *, actor: Any, scope: Scope, participant_id: int, phone: str, reason: str
) -> PhoneChange | None:
    """Replaces the participant's phone number, keeping the old one as history. The same
    number written differently changes nothing (returns None, nothing recorded)."""
    participant_get_in_scope(scope=scope, participant_id=participant_id)
    if not reason.strip():
        raise ValidationFailed(errors=[FieldError("reason", "say why the number changes")])
    try:
        value = phone_normalize(phone, phone_default_region())
    except ValueError as exc:
        raise ValidationFailed(errors=[FieldError("phone", str(exc))]) from None
    # Locked so two changes at once each record the number the other replaced.
    participant = Participant.objects.select_for_update().get(pk=participant_id)
    if not phone_is_change(participant.phone, value, phone_default_region()):
        return None
    change = PhoneChange.objects.create(
        participant=participant,
        old_phone=participant.phone,
        new_phone=value,
        changed_at=clock.now(),
        recorded_by=actor_for(actor).label,
        reason=reason.strip()[:300],
    )
    participant.phone = value
    participant.save(update_fields=["phone"])
    audit_record(
        actor=actor,
        action="participant.phone_change",
        object_type="participant",
        object_ids=[participant.pk],
        reason=reason,
    )
    return change


@transaction.atomic
def address_verification_set(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    address_id: int,
    verification: str,
    reason: str,
) -> Address:
    """Records that an officer verified (or failed to verify) an address, e.g. at a home visit."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    address = (
        Address.objects.select_for_update().filter(pk=address_id, participant=participant).first()
    )
    if address is None:
        raise NotFound()
    if verification not in Address.Verification.values or not reason.strip():
        raise ValidationFailed(detail="give a verification state and a reason")
    address.verification = verification
    address.save(update_fields=["verification"])
    audit_record(
        actor=actor,
        action="address.verification",
        object_type="participant",
        object_ids=[participant.pk],
        reason=f"{verification}: {reason}"[:500],
    )
    return address


@transaction.atomic
def alias_add(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    given_names: str,
    first_surname: str,
    second_surname: str = "",
    kind: str = Alias.Kind.SPELLING,
    source: str = "",
) -> Alias:
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    if not given_names.strip() or not first_surname.strip():
        raise ValidationFailed(detail="an alias needs given names and a surname")
    alias = Alias(
        participant=participant,
        given_names=given_names.strip(),
        first_surname=first_surname.strip(),
        second_surname=second_surname.strip(),
        kind=kind,
        source=source,
    )
    # Names are encrypted: the alias is found by the blind index of its names.
    name_index = Alias._meta.get_field("name_index").value_from(alias)  # type: ignore[attr-defined]
    existing = Alias.objects.filter(participant=participant, name_index=name_index).first()
    if existing is not None:
        alias = existing
    else:
        alias.save()
    names = [
        f"{a.given_names} {a.first_surname} {a.second_surname}" for a in participant.aliases.all()
    ]
    participant.search_tokens = participant_search_tokens(
        participant.given_names,
        participant.first_surname,
        participant.second_surname,
        names,
        a_number=participant.a_number,
    )
    participant.save(update_fields=["search_tokens"])
    participants_changed([participant.pk])
    audit_record(
        actor=actor, action="alias.add", object_type="participant", object_ids=[participant.pk]
    )
    return alias


@transaction.atomic
def case_change_status(
    *, actor: Any, scope: Scope, case_id: int, to_status: str, reason: str, closure_reason: str = ""
) -> Case:
    case = case_get_in_scope(scope=scope, case_id=case_id, for_update=True)
    problem = case_transition_problem(
        case.status, to_status, closure_reason=closure_reason, reason=reason
    )
    if problem:
        raise (
            Conflict(detail=problem) if "cannot go" in problem else ValidationFailed(detail=problem)
        )
    case_status_write(
        case, actor=actor, to_status=to_status, closure_reason=closure_reason, reason=reason
    )
    audit_record(
        actor=actor,
        action="case.status_change",
        object_type="case",
        object_ids=[case.pk],
        reason=reason,
    )
    return case


@transaction.atomic
def case_reopen(
    *, actor: Any, scope: Scope, case_id: int, reopen_reason: str, note: str = ""
) -> Case:
    """Reopens a closed (or departed) case as active, with the reason in its status history.
    Its office and officer are the case's own, so their scope applies again at once; a report
    as of a date before shows it closed, after it open (reports read the status history)."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    case = case_get_in_scope(scope=scope, case_id=case_id, for_update=True)
    problem = case_reopen_problem(case.status, reopen_reason=reopen_reason, note=note)
    if problem:
        raise (
            Conflict(detail=problem)
            if "only a closed" in problem
            else ValidationFailed(detail=problem)
        )
    other_open = (
        Case.objects.filter(participant_id=case.participant_id)
        .exclude(status="closed")
        .exclude(pk=case.pk)
        .exists()
    )
    if other_open:
        raise Conflict(detail="this participant already has an open case")
    label = REOPEN_REASON_LABELS[reopen_reason]
    reason = f"reopened: {label}" + (f": {note.strip()}" if note.strip() else "")
    case_status_write(case, actor=actor, to_status="active", closure_reason="", reason=reason)
    audit_record(
        actor=actor,
        action="case.reopen",
        object_type="case",
        object_ids=[case.pk],
        reason=reason[:500],
    )
    return case


@transaction.atomic
def case_reassign(
    *, actor: Any, scope: Scope, case_id: int, officer_id: int | None, reason: str
) -> Case:
    """Moves a case to another officer (and that officer's office). Access follows at once,
    because every selector reads the assignment from the case row itself."""
    scope.require(Role.SUPERVISOR, Role.ADMIN)
    case = case_get_in_scope(scope=scope, case_id=case_id, for_update=True)
    if not reason.strip():
        raise ValidationFailed(detail="a reason is required to reassign a case")
    user_model = get_user_model()
    officer = None
    office_id = case.office_id
    if officer_id is not None:
        officer = user_model.objects.filter(
            pk=officer_id, role__in=list(CASELOAD_ROLES), is_active=True
        ).first()
        if officer is None or officer.office_id is None:
            raise ValidationFailed(
                errors=[FieldError("officer_id", "no active officer with an office has this id")]
            )
        # A supervisor reassigns within their office; an admin anywhere.
        if scope.role == Role.SUPERVISOR and officer.office_id != scope.office_id:
            raise ValidationFailed(
                errors=[FieldError("officer_id", "the officer belongs to another office")]
            )
        office_id = officer.office_id
    moved_from = case.office_id
    case.officer = officer
    case.office_id = office_id
    case.save(update_fields=["officer", "office"])
    if moved_from is not None and moved_from != office_id:
        for hook in office_move_hooks:
            hook.run(
                actor=actor,
                participant_id=case.participant_id,
                from_office_id=moved_from,
                to_office_id=office_id,
                reason=reason.strip(),
            )
    CaseAssignment.objects.create(
        case=case,
        office_id=office_id,
        officer=officer,
        reason=reason.strip()[:500],
        actor_label=actor_for(actor).label,
        at=clock.now(),
    )
    audit_record(
        actor=actor, action="case.reassign", object_type="case", object_ids=[case.pk], reason=reason
    )
    return case


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@transaction.atomic
def participant_enrollment_code_issue(*, actor: Any, scope: Scope, participant_id: int) -> str:
    """A one-time code the participant uses to create their portal account; shown once."""
    scope.require(Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud over the phone
    code = "".join(secrets.choice(alphabet) for _ in range(10))
    participant.enrollment_code_hash = _code_hash(code)
    participant.enrollment_code_expires_at = clock.now() + ENROLLMENT_CODE_TTL
    participant.save(update_fields=["enrollment_code_hash", "enrollment_code_expires_at"])
    audit_record(
        actor=actor,
        action="participant.enrollment_code_issue",
        object_type="participant",
        object_ids=[participant.pk],
    )
    return code


@transaction.atomic
def participant_account_enroll(*, a_number: str, code: str, password: str) -> Any:
    """Creates the participant's own account. Wrong A-number or code answer the same error."""
    participant = (
        Participant.objects.select_for_update()
        .filter(a_number_index=blind_index(a_number.strip(), kind="a-number"))
        .first()
    )
    invalid = ValidationFailed(detail=gettext("the A-number or enrollment code is not valid"))
    if (
        participant is None
        or not participant.enrollment_code_hash
        or participant.enrollment_code_expires_at is None
        or participant.enrollment_code_expires_at < clock.now()
        or not secrets.compare_digest(participant.enrollment_code_hash, _code_hash(code))
    ):
        raise invalid
    if participant.user_id is not None:
        raise Conflict(detail=gettext("this participant already has an account"))
    user_model = get_user_model()
    user = user_model(
        username=f"p{participant.a_number}",
        role=Role.PARTICIPANT,
        preferred_language=participant.preferred_language,
    )
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            errors=[FieldError("password", message) for message in exc.messages]
        ) from None
    user.set_password(password)
    user.save()
    participant.user = user
    participant.enrollment_code_hash = ""
    participant.enrollment_code_expires_at = None
    participant.save(update_fields=["user", "enrollment_code_hash", "enrollment_code_expires_at"])
    audit_record(
        actor=user,
        action="participant.account_enroll",
        object_type="participant",
        object_ids=[participant.pk],
    )
    return user
