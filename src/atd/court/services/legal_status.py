"""Writes for legal status: a step on a participant's timeline; a status that ends supervision
closes the open case with that reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from atd.core import clock
from atd.core.actors import actor_for
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.scope import STAFF_CASE_ROLES, Scope
from atd.court import rules
from atd.court.choices import LegalStatus
from atd.court.models import LegalStatusEvent
from atd.court.services.summary import case_summary_refresh
from atd.people import services as people_services
from atd.people.selectors import (
    case_get_in_scope,
    case_queryset_in_scope,
    case_routing_for_participants,
    participant_get_in_scope,
)


@transaction.atomic
def legal_status_record(
    *,
    actor: Any,
    scope: Scope,
    participant_id: int,
    status: str,
    effective_on: date,
    note: str = "",
    source: str = "",
    close_case: bool = True,
) -> LegalStatusEvent:
    """Adds a step to the legal status timeline. A status that ends supervision (removed,
    departed, deceased, in custody, relief granted) closes the open case with that reason, so
    the case, its alerts and every report agree."""
    scope.require(*STAFF_CASE_ROLES)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    if status not in LegalStatus.values:
        raise ValidationFailed(errors=[FieldError("status", "unknown legal status")])
    if effective_on > clock.now().date():
        raise ValidationFailed(
            errors=[FieldError("effective_on", "a status cannot take effect in the future")]
        )
    routing = case_routing_for_participants([participant.pk])
    case_id = routing[participant.pk].case_id if participant.pk in routing else None
    event = LegalStatusEvent.objects.create(
        participant=participant,
        case_id=case_id,
        status=status,
        effective_on=effective_on,
        recorded_at=clock.now(),
        source=source[:64],
        note=note.strip()[:500],
        recorded_by=actor_for(actor).label,
    )
    case_summary_refresh(
        list(
            case_queryset_in_scope(Scope.system())
            .filter(participant_id=participant.pk)
            .values_list("pk", flat=True)
        )
    )
    closure = rules.closure_reason_for(status)
    if close_case and closure and case_id is not None:
        case = case_get_in_scope(scope=scope, case_id=case_id)
        if case.status != "closed":
            people_services.case_change_status(
                actor=actor,
                scope=scope,
                case_id=case_id,
                to_status="closed",
                closure_reason=closure,
                reason=f"legal status {status} effective {effective_on.isoformat()}",
            )
    audit_record(
        actor=actor,
        action="court.legal_status",
        object_type="participant",
        object_ids=[participant.pk],
        reason=status,
    )
    return event
