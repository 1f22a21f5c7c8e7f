"""Pure rules of identity review at check-in: which check-ins go to the review queue, which
verdicts a reviewer may record, and how long a photo is kept. No Django: `now` and the
configured period are passed in (import-linter holds this module to the rules contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Verdict(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"  # raises an alert
    UNCLEAR = "unclear"  # opens a follow-up task for the officer


class QueueState(StrEnum):
    """Why a check-in is, or is not, waiting for identity review."""

    WAITING = "waiting"
    NOT_REMOTE = "not_remote"  # an in-person check-in: the officer saw the person
    NOT_COMPLETED = "not_completed"  # a technical attempt carries no photo to compare
    NO_PHOTO = "no_photo"
    PHOTO_PURGED = "photo_purged"  # past its retention: nothing left to compare
    REVIEWED = "reviewed"


def queue_state(
    *, kind: str, status: str, has_photo: bool, photo_purged: bool, verdict: str | None
) -> QueueState:
    """A remote, completed check-in that carries a photo and has no verdict yet waits for
    review. A recorded verdict is final (one verdict per check-in)."""
    if verdict:
        return QueueState.REVIEWED
    if kind != "remote":
        return QueueState.NOT_REMOTE
    if status != "completed":
        return QueueState.NOT_COMPLETED
    if photo_purged:
        return QueueState.PHOTO_PURGED
    if not has_photo:
        return QueueState.NO_PHOTO
    return QueueState.WAITING


def verdict_refusal(verdict: str, *, has_enrolment_photo: bool) -> str | None:
    """Why this verdict cannot be recorded, or None. Match and no match compare two photos, so
    they need an enrolment photo; without one the reviewer can only say unclear (and the
    follow-up is to take the enrolment photo)."""
    if verdict not in {v.value for v in Verdict}:
        return "the verdict must be match, no match or unclear"
    if verdict != Verdict.UNCLEAR and not has_enrolment_photo:
        return "there is no enrolment photo to compare with: record unclear"
    return None


class Retention(StrEnum):
    """What the purge job does with one photo, and why."""

    LEGAL_HOLD = "legal_hold"  # held: the participant is under a legal hold
    OPEN_ALERT = "open_alert"  # held: an unresolved identity alert cites the participant
    OPEN_FOLLOW_UP = "open_follow_up"  # held: an unclear verdict's task is still open
    CURRENT_ENROLMENT = "current_enrolment"  # the reference photo in use is kept
    WITHIN_PERIOD = "within_period"
    PURGE = "purge"


@dataclass(frozen=True)
class PhotoFacts:
    """One stored photo as the retention rule sees it. `since` starts the clock: the review
    of a check-in photo (its receipt while unreviewed, so a backlog cannot keep photos for
    ever), the replacement of an enrolment photo (None while it is the current one)."""

    since: datetime | None
    legal_hold: bool = False
    open_alert: bool = False
    open_follow_up: bool = False


def purge_due_at(since: datetime, *, retention_days: int) -> datetime:
    return since + timedelta(days=retention_days)


def retention_decision(facts: PhotoFacts, *, now: datetime, retention_days: int) -> Retention:
    """Evidence first: a legal hold, an unresolved identity alert or an open follow-up keeps
    the photo whatever its age. Otherwise it is purged `retention_days` after `since`."""
    if facts.legal_hold:
        return Retention.LEGAL_HOLD
    if facts.open_alert:
        return Retention.OPEN_ALERT
    if facts.open_follow_up:
        return Retention.OPEN_FOLLOW_UP
    if facts.since is None:
        return Retention.CURRENT_ENROLMENT
    if now < purge_due_at(facts.since, retention_days=retention_days):
        return Retention.WITHIN_PERIOD
    return Retention.PURGE
