"""Writes of matching. Feed intake and linkage live in `feeds.service` and `linkage.service`
(re-exported here); this module owns the review decisions.

Only `candidate_confirm` raises anything outside matching, and only an alert: a match never
changes a supervision plan or creates an enforcement task by itself.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.db import transaction

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertEvidence, AlertKind
from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import Conflict, NotFound, ValidationFailed
from atd.core.scope import Scope
from atd.matching import rules, selectors
from atd.matching.choices import CandidateStatus, SecondIdentifier
from atd.matching.feeds.service import FeedImportResult, feed_import
from atd.matching.linkage.keys import blocking_keys_rebuild
from atd.matching.linkage.service import (
    enrollments_link_pending,
    feed_batch_link,
    feed_batches_link_pending,
    link_bookings,
    linkage_model_save,
    linkage_model_train,
)
from atd.matching.models import MatchCandidate
from atd.people import selectors as people_selectors

__all__ = [
    "FeedImportResult",
    "candidate_confirm",
    "candidate_reject",
    "enrollments_link_pending",
    "feed_batch_link",
    "feed_batches_link_pending",
    "feed_import",
    "blocking_keys_rebuild",
    "link_bookings",
    "linkage_model_save",
    "linkage_model_train",
]


def _pending_for_update(scope: Scope, candidate_id: int) -> MatchCandidate:
    scope.require(*selectors.QUEUE_ROLES)
    candidate = (
        MatchCandidate.objects.select_for_update()
        .select_related("booking", "model")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        raise NotFound()
    if candidate.status != CandidateStatus.PENDING:
        raise Conflict(detail=f"this candidate was already decided ({candidate.status})")
    return candidate


@transaction.atomic
def candidate_confirm(
    *,
    actor: Any,
    scope: Scope,
    candidate_id: int,
    second_identifier: str,
    verification_note: str = "",
    reason: str,
    authenticated_at: datetime | None,
) -> MatchCandidate:
    """A records analyst confirms that a booking is the participant's. Needs a second
    identifier that agrees and a fresh authentication; raises the arrest_match alert for the
    case officer, carrying the model's explanation as evidence."""
    candidate = _pending_for_update(scope, candidate_id)
    now = clock.now()
    if not rules.authentication_is_fresh(
        authenticated_at=authenticated_at,
        now=now,
        minutes=settings.ATD_MATCHING_FRESH_AUTH_MINUTES,
    ):
        raise ValidationFailed(
            detail=(
                "confirming a match needs a fresh authentication: sign in again or enter your "
                f"password (within {settings.ATD_MATCHING_FRESH_AUTH_MINUTES} minutes)"
            )
        )
    if not reason.strip():
        raise ValidationFailed(detail="a reason is required")
    booking = candidate.booking
    ok, why = rules.second_identifier_agrees(
        kind=second_identifier,
        booking_dob=booking.date_of_birth,
        participant_dob=people_selectors.participant_dob(candidate.participant_id),
        alias_dob=people_selectors.alias_dob(candidate.alias_id),
        booking_fingerprint=booking.fingerprint_id,
        known_fingerprints=selectors.fingerprints_known_for(candidate.participant_id),
        verification_note=verification_note,
    )
    if not ok:
        raise ValidationFailed(detail=f"second identifier does not agree: {why}")
    candidate.status = CandidateStatus.CONFIRMED
    candidate.decided_at = now
    candidate.decided_by = actor if getattr(actor, "pk", None) else None
    candidate.decision_reason = reason.strip()[:500]
    candidate.second_identifier = second_identifier
    candidate.verification_note = verification_note.strip()[:500]
    result = alert_raise_many(
        actor=actor,
        signals=[
            AlertSignal(
                kind=AlertKind.ARREST_MATCH,
                occurred_at=datetime.combine(booking.booking_date, time(0), tzinfo=now.tzinfo),
                source="matching",
                source_ref=f"candidate:{candidate.pk}",
                participant_id=candidate.participant_id,
                severity="high",
                title=f"Confirmed booking match: {booking.agency}"[:200],
                detail={"booking_date": booking.booking_date.isoformat(), "source": booking.source},
                evidence=AlertEvidence(
                    facts={
                        "booking": {
                            "source": booking.source,
                            "booking_id": booking.booking_id,
                            "booking_date": booking.booking_date.isoformat(),
                            "agency": booking.agency,
                            "charges": booking.charges,
                            "name_as_recorded": booking.name_as_recorded,
                        },
                        "probability": candidate.probability,
                        "match_weight": candidate.match_weight,
                        "model_version": candidate.model.version,
                        "explanation": candidate.explanation,
                        "second_identifier": second_identifier,
                        "confirmed_by": getattr(actor, "username", str(actor)),
                        "reason": candidate.decision_reason,
                    }
                ),
            )
        ],
    )
    ids = result.created + result.updated
    candidate.alert_id = ids[0] if ids else None
    candidate.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "decision_reason",
            "second_identifier",
            "verification_note",
            "alert_id",
        ]
    )
    audit_record(
        actor=actor,
        action="matching.candidate_confirm",
        object_type="match_candidate",
        object_ids=[candidate.pk],
        reason=f"{second_identifier}: {candidate.decision_reason}",
    )
    return candidate


@transaction.atomic
def candidate_reject(*, actor: Any, scope: Scope, candidate_id: int, reason: str) -> MatchCandidate:
    """Not the same person. The decided row stays, so re-linking never queues this pair again."""
    candidate = _pending_for_update(scope, candidate_id)
    if not reason.strip():
        raise ValidationFailed(detail="a reason is required")
    candidate.status = CandidateStatus.REJECTED
    candidate.decided_at = clock.now()
    candidate.decided_by = actor if getattr(actor, "pk", None) else None
    candidate.decision_reason = reason.strip()[:500]
    candidate.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit_record(
        actor=actor,
        action="matching.candidate_reject",
        object_type="match_candidate",
        object_ids=[candidate.pk],
        reason=candidate.decision_reason,
    )
    return candidate


SECOND_IDENTIFIERS = SecondIdentifier
