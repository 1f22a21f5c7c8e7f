"""Identity review at check-in: enrolment photos taken by staff, reviewers' verdicts on remote
check-in photos (no match raises an alert, unclear opens a follow-up task), the follow-up's
closing, and the retention purge of the photos (docs/checkins.md, "Identity review")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from atd.alerts.selectors import participant_ids_with_unresolved_alert
from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertEvidence, AlertKind
from atd.checkins.choices import EnrolmentSource, FollowUpStatus
from atd.checkins.identity_rules import (
    PhotoFacts,
    QueueState,
    Retention,
    Verdict,
    queue_state,
    retention_decision,
    verdict_refusal,
)
from atd.checkins.models import (
    Checkin,
    CheckinPhoto,
    EnrolmentPhoto,
    IdentityFollowUp,
    IdentityReview,
)
from atd.checkins.photo_store import photo_data_for_storage
from atd.core import clock
from atd.core.actors import SYSTEM, actor_for
from atd.core.audit import audit_record
from atd.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from atd.core.extensions import legal_hold_participant_ids
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.core.uploads import image_clean
from atd.people.selectors import (
    case_routing_for_participants,
    participant_get_in_scope,
    participant_ids_in_scope,
)

STAFF = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


def enrolment_photo_current(participant_id: int) -> EnrolmentPhoto | None:
    """The participant's reference photo: the newest one not replaced (no scope: callers have
    checked the participant is theirs)."""
    return (
        EnrolmentPhoto.objects.filter(participant_id=participant_id, replaced_at__isnull=True)
        .order_by("-taken_at", "-pk")
        .first()
    )


@transaction.atomic
def enrolment_photo_record(
    *, actor: Any, scope: Scope, participant_id: int, content: bytes, source: str
) -> EnrolmentPhoto:
    """Staff take the participant's enrolment photo (at intake or an in-person check-in). It
    must be a real image; it is stored re-encoded without metadata. A new photo replaces the
    current one, whose retention clock starts then."""
    scope.require(*STAFF)
    participant = participant_get_in_scope(scope=scope, participant_id=participant_id)
    if source not in EnrolmentSource.values:
        raise ValidationFailed(errors=[FieldError("source", "intake or in_person")])
    if len(content) > settings.ATD_CHECKIN_PHOTO_MAX_BYTES:
        raise ValidationFailed(errors=[FieldError("photo", "is too large")])
    clean = image_clean(content, field="photo")
    now = clock.now()
    # Lock the participant's current photo so two uploads at once leave exactly one current.
    previous = list(
        EnrolmentPhoto.objects.select_for_update().filter(
            participant_id=participant.pk, replaced_at__isnull=True
        )
    )
    EnrolmentPhoto.objects.filter(pk__in=[p.pk for p in previous]).update(replaced_at=now)
    who = actor_for(actor)
    photo = EnrolmentPhoto.objects.create(
        participant=participant,
        source=source,
        content_type=clean.content_type,
        size_bytes=len(clean.content),
        sha256=hashlib.sha256(clean.content).hexdigest(),
        width=clean.width,
        height=clean.height,
        data=photo_data_for_storage(clean.content),
        taken_at=now,
        taken_by_id=who.id,
        taken_by_label=who.label,
    )
    audit_record(
        actor=actor,
        action="checkin.enrolment_photo",
        object_type="participant",
        object_ids=[participant.pk],
        reason=f"enrolment photo {photo.pk} ({source})"
        + (f", replaces {', '.join(str(p.pk) for p in previous)}" if previous else ""),
    )
    return photo


@transaction.atomic
def identity_verdict_record(
    *, actor: Any, scope: Scope, checkin_id: int, verdict: str, note: str = ""
) -> IdentityReview:
    """A reviewer's verdict on a remote check-in's photo. Match closes the item; no match
    raises an identity alert; unclear opens a follow-up task for the case officer. One verdict
    per check-in: a second one is a conflict, not an overwrite."""
    scope.require(*STAFF)
    checkin = (
        Checkin.objects.select_for_update()
        .filter(pk=checkin_id, participant_id__in=participant_ids_in_scope(scope))
        .first()
    )
    if checkin is None:
        raise NotFound()
    photo = CheckinPhoto.objects.filter(checkin_id=checkin.pk).first()
    existing = IdentityReview.objects.filter(checkin_id=checkin.pk).first()
    state = queue_state(
        kind=checkin.kind,
        status=checkin.status,
        has_photo=photo is not None,
        photo_purged=existing is not None and existing.photo_purged_at is not None,
        verdict=existing.verdict if existing else None,
    )
    if state == QueueState.REVIEWED:
        raise Conflict(detail="this check-in already has an identity verdict")
    if state != QueueState.WAITING:
        raise Conflict(detail=f"this check-in is not waiting for identity review ({state})")
    enrolment = enrolment_photo_current(checkin.participant_id)
    refusal = verdict_refusal(verdict, has_enrolment_photo=enrolment is not None)
    if refusal is not None:
        raise ValidationFailed(errors=[FieldError("verdict", refusal)])
    note = note.replace("\x00", "").strip()[:500]
    if verdict != Verdict.MATCH and not note:
        raise ValidationFailed(errors=[FieldError("note", "say what you saw")])
    who = actor_for(actor)
    now = clock.now()
    try:
        with transaction.atomic():
            review = IdentityReview.objects.create(
                checkin=checkin,
                participant_id=checkin.participant_id,
                verdict=verdict,
                enrolment_photo=enrolment,
                enrolment_sha256=enrolment.sha256 if enrolment else "",
                checkin_photo_sha256=photo.sha256 if photo else "",
                reviewer_id=who.id,
                reviewer_label=who.label,
                reviewed_at=now,
                note=note,
            )
    except IntegrityError:
        raise Conflict(detail="this check-in already has an identity verdict") from None
    if verdict == Verdict.NO_MATCH:
        result = alert_raise_many(
            actor=actor,
            signals=[
                AlertSignal(
                    kind=AlertKind.IDENTITY_NO_MATCH,
                    occurred_at=now,
                    source="checkins",
                    source_ref=f"identity:{checkin.pk}",
                    participant_id=checkin.participant_id,
                    detail={"checkin_id": checkin.pk, "review_id": review.pk},
                    evidence=AlertEvidence(
                        facts={
                            "checkin_id": checkin.pk,
                            "receipt_code": checkin.receipt_code,
                            "review_id": review.pk,
                            "reviewer": who.label,
                            "note": note,
                        }
                    ),
                    title="Check-in photo does not match the enrolment photo",
                )
            ],
        )
        ids = result.created + result.updated
        review.alert_id = ids[0] if ids else None
        review.save(update_fields=["alert_id"])
    elif verdict == Verdict.UNCLEAR:
        route = case_routing_for_participants([checkin.participant_id]).get(checkin.participant_id)
        IdentityFollowUp.objects.create(
            review=review,
            participant_id=checkin.participant_id,
            officer_id=route.officer_id if route else None,
            created_at=now,
        )
    audit_record(
        actor=actor,
        action="checkin.identity_verdict",
        object_type="participant",
        object_ids=[checkin.participant_id],
        reason=f"checkin {checkin.pk} {checkin.receipt_code}: {verdict}"
        + (f", alert {review.alert_id}" if review.alert_id else ""),
    )
    return review


@transaction.atomic
def identity_follow_up_close(
    *, actor: Any, scope: Scope, follow_up_id: int, note: str
) -> IdentityFollowUp:
    """The officer settles an unclear verdict's follow-up, saying how."""
    scope.require(*STAFF)
    task = (
        IdentityFollowUp.objects.select_for_update()
        .filter(pk=follow_up_id, participant_id__in=participant_ids_in_scope(scope))
        .first()
    )
    if task is None:
        raise NotFound()
    if task.status != FollowUpStatus.OPEN:
        raise Conflict(detail="this follow-up is already done")
    note = note.replace("\x00", "").strip()[:500]
    if not note:
        raise ValidationFailed(errors=[FieldError("note", "say how it was settled")])
    task.status = FollowUpStatus.DONE
    task.done_at = clock.now()
    task.done_by_label = actor_for(actor).label
    task.done_note = note
    task.save(update_fields=["status", "done_at", "done_by_label", "done_note"])
    audit_record(
        actor=actor,
        action="checkin.identity_follow_up_done",
        object_type="participant",
        object_ids=[task.participant_id],
        reason=f"follow-up {task.pk}: {note[:100]}",
    )
    return task


@dataclass(frozen=True)
class PhotoPurgeResult:
    checkin_photos: int
    enrolment_photos: int
    held: int  # past their period but kept as evidence


def identity_photos_purge(*, now: datetime | None = None) -> PhotoPurgeResult:
    """Deletes the photo bytes whose retention period is over (check-in photos: from review,
    or receipt when never reviewed; enrolment photos: from replacement), keeping those that
    evidence holds (legal hold, unresolved identity alert, open follow-up). Restart-safe: it
    derives everything from stored rows; each batch is its own transaction with one audit
    entry, so a run that dies part-way loses nothing and the next run goes on."""
    now = now or clock.now()
    days = int(settings.ATD_IDENTITY_PHOTO_RETENTION_DAYS)
    holds = legal_hold_participant_ids()
    alerted = participant_ids_with_unresolved_alert(kinds=[AlertKind.IDENTITY_NO_MATCH])
    following = set(
        IdentityFollowUp.objects.filter(status=FollowUpStatus.OPEN).values_list(
            "participant_id", flat=True
        )
    )

    def facts(participant_id: int, since: datetime | None) -> PhotoFacts:
        return PhotoFacts(
            since=since,
            legal_hold=participant_id in holds,
            open_alert=participant_id in alerted,
            open_follow_up=participant_id in following,
        )

    held = 0
    checkin_purge: list[tuple[int, int]] = []  # (checkin id, participant id)
    rows = CheckinPhoto.objects.values_list(
        "checkin_id",
        "checkin__participant_id",
        "checkin__received_at",
        "checkin__identity_review__reviewed_at",
    )
    for checkin_id, pid, received_at, reviewed_at in rows.iterator(chunk_size=2000):
        decision = retention_decision(
            facts(pid, reviewed_at or received_at), now=now, retention_days=days
        )
        if decision == Retention.PURGE:
            checkin_purge.append((checkin_id, pid))
        elif decision not in (Retention.WITHIN_PERIOD, Retention.CURRENT_ENROLMENT):
            held += 1
    enrolment_purge: list[tuple[int, int]] = []
    erows = EnrolmentPhoto.objects.filter(replaced_at__isnull=False).values_list(
        "pk", "participant_id", "replaced_at"
    )
    for photo_id, pid, replaced_at in erows.iterator(chunk_size=2000):
        decision = retention_decision(facts(pid, replaced_at), now=now, retention_days=days)
        if decision == Retention.PURGE:
            enrolment_purge.append((photo_id, pid))
        elif decision != Retention.WITHIN_PERIOD:
            held += 1
    for start in range(0, len(checkin_purge), 500):
        _purge_checkin_batch(checkin_purge[start : start + 500], now, days)
    for start in range(0, len(enrolment_purge), 500):
        _purge_enrolment_batch(enrolment_purge[start : start + 500], days)
    return PhotoPurgeResult(len(checkin_purge), len(enrolment_purge), held)


@transaction.atomic
def _purge_checkin_batch(batch: list[tuple[int, int]], now: datetime, days: int) -> None:
    checkin_ids = [c for c, _ in batch]
    CheckinPhoto.objects.filter(checkin_id__in=checkin_ids).delete()
    IdentityReview.objects.filter(checkin_id__in=checkin_ids).update(photo_purged_at=now)
    audit_record(
        actor=SYSTEM,
        action="checkin.photo_purge",
        object_type="checkin",
        object_ids=checkin_ids,
        reason=f"retention {days} days: {len(checkin_ids)} check-in photo(s) of "
        f"{len({p for _, p in batch})} participant(s) deleted",
    )


@transaction.atomic
def _purge_enrolment_batch(batch: list[tuple[int, int]], days: int) -> None:
    photo_ids = [p for p, _ in batch]
    EnrolmentPhoto.objects.filter(pk__in=photo_ids).delete()
    audit_record(
        actor=SYSTEM,
        action="checkin.enrolment_photo_purge",
        object_type="enrolment_photo",
        object_ids=photo_ids,
        reason=f"retention {days} days: {len(photo_ids)} replaced enrolment photo(s) deleted",
    )
