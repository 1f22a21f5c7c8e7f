"""Reads of identity review, scoped to the caller; every read of a participant's photo or of
the review queue is an audit entry (who, which photo, why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models

from atd.checkins.choices import EnrolmentSource, FollowUpStatus, IdentityVerdict
from atd.checkins.identity_rules import QueueState, purge_due_at, queue_state
from atd.checkins.models import (
    Checkin,
    CheckinPhoto,
    EnrolmentPhoto,
    IdentityFollowUp,
    IdentityReview,
)
from atd.checkins.photo_store import photo_data_read
from atd.core.audit import audit_record
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import participant_ids_in_scope, participant_labels_in_scope

STAFF = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


class PhotoPurpose(models.TextChoices):
    """Why a photo is opened: the audit entry says so. A link names its purpose."""

    IDENTITY_REVIEW = "identity_review", "identity review"
    CHECKIN_REVIEW = "checkin_review", "check-in review"
    ENROLMENT_CHECK = "enrolment_check", "enrolment photo check"


def photo_purpose(raw: str | None) -> PhotoPurpose:
    """The purpose a link names; anything else is the plain check-in review."""
    try:
        return PhotoPurpose(raw or PhotoPurpose.CHECKIN_REVIEW)
    except ValueError:
        return PhotoPurpose.CHECKIN_REVIEW


@dataclass(frozen=True)
class ServedPhoto:
    content_type: str
    content: bytes


@dataclass(frozen=True)
class EnrolmentSummary:
    id: int
    taken_at: datetime
    source: str
    source_label: str
    taken_by_label: str
    width: int
    height: int


@dataclass(frozen=True)
class QueueItem:
    checkin_id: int
    participant_id: int
    name: str
    a_number: str
    receipt_code: str
    received_at: datetime
    location_status: str
    has_enrolment_photo: bool
    purge_due_at: datetime


@dataclass(frozen=True)
class Verdict:
    verdict: str
    verdict_label: str
    reviewer_label: str
    reviewed_at: datetime
    note: str
    alert_id: int | None
    photo_purged_at: datetime | None
    follow_up_status: str | None


@dataclass(frozen=True)
class ReviewPage:
    checkin_id: int
    participant_id: int
    name: str
    a_number: str
    receipt_code: str
    received_at: datetime
    captured_at: datetime
    location_status: str
    state: QueueState
    has_checkin_photo: bool
    enrolment: EnrolmentSummary | None
    verdict: Verdict | None
    purge_due_at: datetime


@dataclass(frozen=True)
class FollowUpItem:
    id: int
    participant_id: int
    name: str
    a_number: str
    checkin_id: int
    created_at: datetime
    note: str
    mine: bool


def _audit(actor: Any, action: str, participant_ids: list[int], reason: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="participant",
        object_ids=participant_ids,
        reason=reason,
    )


def _retention_days() -> int:
    return int(settings.ATD_IDENTITY_PHOTO_RETENTION_DAYS)


def _summary(photo: EnrolmentPhoto | None) -> EnrolmentSummary | None:
    if photo is None:
        return None
    return EnrolmentSummary(
        id=photo.pk,
        taken_at=photo.taken_at,
        source=photo.source,
        source_label=str(EnrolmentSource(photo.source).label),
        taken_by_label=photo.taken_by_label,
        width=photo.width,
        height=photo.height,
    )


def _current_enrolment(participant_id: int) -> EnrolmentPhoto | None:
    return (
        EnrolmentPhoto.objects.filter(participant_id=participant_id, replaced_at__isnull=True)
        .defer("data")
        .order_by("-taken_at", "-pk")
        .first()
    )


def enrolment_photo_summary(*, scope: Scope, participant_id: int) -> EnrolmentSummary | None:
    """The current enrolment photo's facts (no bytes) for the participant page, whose own
    read is audited."""
    if not participant_ids_in_scope(scope).filter(pk=participant_id).exists():
        raise NotFound()
    return _summary(_current_enrolment(participant_id))


def identity_queue_count(*, scope: Scope) -> int:
    """How many check-in photos in the caller's scope wait for a verdict (a count, no
    personal data)."""
    return _waiting(scope).count()


def _waiting(scope: Scope) -> models.QuerySet[Checkin]:
    return Checkin.objects.filter(
        kind="remote",
        status="completed",
        photo__isnull=False,
        identity_review__isnull=True,
        participant_id__in=participant_ids_in_scope(scope),
    )


def identity_queue_read(*, scope: Scope, actor: Any, limit: int = 100) -> list[QueueItem]:
    """Remote check-ins with a photo and no verdict yet, oldest first (the oldest lapse
    first: an unreviewed photo is purged its retention period after receipt)."""
    scope.require(*STAFF)
    rows = list(
        _waiting(scope)
        .order_by("received_at", "pk")
        .values_list("pk", "participant_id", "receipt_code", "received_at", "location_status")[
            :limit
        ]
    )
    pids = sorted({r[1] for r in rows})
    labels = participant_labels_in_scope(scope=scope, participant_ids=pids)
    enrolled = set(
        EnrolmentPhoto.objects.filter(participant_id__in=pids, replaced_at__isnull=True)
        .values_list("participant_id", flat=True)
        .distinct()
    )
    days = _retention_days()
    items = [
        QueueItem(
            checkin_id=pk,
            participant_id=pid,
            name=labels[pid].name if pid in labels else "",
            a_number=labels[pid].a_number if pid in labels else "",
            receipt_code=code,
            received_at=received_at,
            location_status=location,
            has_enrolment_photo=pid in enrolled,
            purge_due_at=purge_due_at(received_at, retention_days=days),
        )
        for pk, pid, code, received_at, location in rows
    ]
    _audit(actor, "checkin.identity_queue", pids, f"identity review queue, {len(items)} item(s)")
    return items


def identity_review_read(*, scope: Scope, actor: Any, checkin_id: int) -> ReviewPage:
    """One check-in's identity review: the facts beside the two photos (the photos are
    fetched, and audited, one by one)."""
    scope.require(*STAFF)
    checkin = Checkin.objects.filter(
        pk=checkin_id, participant_id__in=participant_ids_in_scope(scope)
    ).first()
    if checkin is None:
        raise NotFound()
    pid = checkin.participant_id
    label = participant_labels_in_scope(scope=scope, participant_ids=[pid]).get(pid)
    has_photo = CheckinPhoto.objects.filter(checkin_id=checkin.pk).exists()
    review = IdentityReview.objects.filter(checkin_id=checkin.pk).first()
    verdict = None
    if review is not None:
        follow_up = IdentityFollowUp.objects.filter(review=review).first()
        verdict = Verdict(
            verdict=review.verdict,
            verdict_label=str(IdentityVerdict(review.verdict).label),
            reviewer_label=review.reviewer_label,
            reviewed_at=review.reviewed_at,
            note=review.note,
            alert_id=review.alert_id,
            photo_purged_at=review.photo_purged_at,
            follow_up_status=follow_up.status if follow_up else None,
        )
    state = queue_state(
        kind=checkin.kind,
        status=checkin.status,
        has_photo=has_photo,
        photo_purged=review is not None and review.photo_purged_at is not None,
        verdict=review.verdict if review else None,
    )
    since = review.reviewed_at if review else checkin.received_at
    _audit(actor, "checkin.identity_review_read", [pid], f"checkin {checkin.pk}")
    return ReviewPage(
        checkin_id=checkin.pk,
        participant_id=pid,
        name=label.name if label else "",
        a_number=label.a_number if label else "",
        receipt_code=checkin.receipt_code,
        received_at=checkin.received_at,
        captured_at=checkin.captured_at,
        location_status=checkin.location_status,
        state=state,
        has_checkin_photo=has_photo,
        enrolment=_summary(_current_enrolment(pid)),
        verdict=verdict,
        purge_due_at=purge_due_at(since, retention_days=_retention_days()),
    )


def checkin_photo_serve(
    *, scope: Scope, actor: Any, checkin_id: int, purpose: PhotoPurpose
) -> ServedPhoto:
    """A check-in photo's bytes for staff in scope; the view is an audit entry with the
    photo and the purpose."""
    scope.require(*STAFF)
    photo = (
        CheckinPhoto.objects.filter(
            checkin_id=checkin_id, checkin__participant_id__in=participant_ids_in_scope(scope)
        )
        .select_related("checkin")
        .first()
    )
    if photo is None:
        raise NotFound()
    _audit(
        actor,
        "checkin.photo_read",
        [photo.checkin.participant_id],
        f"checkin {checkin_id} photo: {purpose.label}",
    )
    return ServedPhoto(content_type=photo.content_type, content=photo_data_read(photo))


def enrolment_photo_serve(
    *, scope: Scope, actor: Any, photo_id: int, purpose: PhotoPurpose
) -> ServedPhoto:
    """An enrolment photo's bytes for staff in scope (current or replaced, until purged);
    audited with the photo and the purpose."""
    scope.require(*STAFF)
    photo = EnrolmentPhoto.objects.filter(
        pk=photo_id, participant_id__in=participant_ids_in_scope(scope)
    ).first()
    if photo is None:
        raise NotFound()
    _audit(
        actor,
        "checkin.enrolment_photo_read",
        [photo.participant_id],
        f"enrolment photo {photo.pk}: {purpose.label}",
    )
    return ServedPhoto(content_type=photo.content_type, content=photo_data_read(photo))


def identity_follow_ups_read(
    *, scope: Scope, actor: Any, user_id: int | None, limit: int = 100
) -> list[FollowUpItem]:
    """Open follow-ups of unclear verdicts in the caller's scope, the caller's own first."""
    scope.require(*STAFF)
    rows = list(
        IdentityFollowUp.objects.filter(
            status=FollowUpStatus.OPEN, participant_id__in=participant_ids_in_scope(scope)
        )
        .select_related("review")
        .order_by("created_at", "pk")[:limit]
    )
    pids = sorted({r.participant_id for r in rows})
    labels = participant_labels_in_scope(scope=scope, participant_ids=pids)
    items = [
        FollowUpItem(
            id=r.pk,
            participant_id=r.participant_id,
            name=labels[r.participant_id].name if r.participant_id in labels else "",
            a_number=labels[r.participant_id].a_number if r.participant_id in labels else "",
            checkin_id=r.review.checkin_id,
            created_at=r.created_at,
            note=r.review.note,
            mine=user_id is not None and r.officer_id == user_id,
        )
        for r in rows
    ]
    items.sort(key=lambda i: (not i.mine, i.created_at))
    if items:
        _audit(actor, "checkin.identity_follow_ups", pids, f"{len(items)} open follow-up(s)")
    return items
