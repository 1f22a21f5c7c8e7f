"""Identity review rules, without a database: queue eligibility, verdicts, photo retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atd.checkins.identity_rules import (
    PhotoFacts,
    QueueState,
    Retention,
    purge_due_at,
    queue_state,
    retention_decision,
    verdict_refusal,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _state(**kw: object) -> QueueState:
    base: dict[str, object] = {
        "kind": "remote",
        "status": "completed",
        "has_photo": True,
        "photo_purged": False,
        "verdict": None,
    }
    base.update(kw)
    return queue_state(**base)  # type: ignore[arg-type]


def test_a_remote_completed_checkin_with_a_photo_and_no_verdict_waits_for_review() -> None:
    assert _state() == QueueState.WAITING


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kind": "in_person"}, QueueState.NOT_REMOTE),
        ({"status": "attempted"}, QueueState.NOT_COMPLETED),
        ({"has_photo": False}, QueueState.NO_PHOTO),
        ({"has_photo": False, "photo_purged": True}, QueueState.PHOTO_PURGED),
        ({"verdict": "match"}, QueueState.REVIEWED),
        ({"verdict": "unclear", "photo_purged": True}, QueueState.REVIEWED),
    ],
)
def test_checkins_that_do_not_wait_for_review_say_why(
    change: dict[str, object], expected: QueueState
) -> None:
    assert _state(**change) == expected


def test_every_verdict_is_allowed_when_there_is_an_enrolment_photo() -> None:
    for verdict in ("match", "no_match", "unclear"):
        assert verdict_refusal(verdict, has_enrolment_photo=True) is None


def test_without_an_enrolment_photo_only_unclear_can_be_recorded() -> None:
    assert verdict_refusal("unclear", has_enrolment_photo=False) is None
    assert "no enrolment photo" in (verdict_refusal("match", has_enrolment_photo=False) or "")
    assert "no enrolment photo" in (verdict_refusal("no_match", has_enrolment_photo=False) or "")


@pytest.mark.parametrize("bad", ["", "MATCH", "maybe", "match\x00", "no match"])
def test_an_unknown_verdict_is_refused(bad: str) -> None:
    assert verdict_refusal(bad, has_enrolment_photo=True) is not None


def test_a_photo_is_kept_for_the_retention_period_then_purged() -> None:
    reviewed = NOW - timedelta(days=89, hours=23)
    assert (
        retention_decision(PhotoFacts(since=reviewed), now=NOW, retention_days=90)
        == Retention.WITHIN_PERIOD
    )
    assert (
        retention_decision(PhotoFacts(since=NOW - timedelta(days=90)), now=NOW, retention_days=90)
        == Retention.PURGE
    )
    assert purge_due_at(reviewed, retention_days=90) == reviewed + timedelta(days=90)


def test_evidence_holds_an_expired_photo_whatever_its_age() -> None:
    old = NOW - timedelta(days=400)
    assert (
        retention_decision(PhotoFacts(since=old, legal_hold=True), now=NOW, retention_days=90)
        == Retention.LEGAL_HOLD
    )
    assert (
        retention_decision(PhotoFacts(since=old, open_alert=True), now=NOW, retention_days=90)
        == Retention.OPEN_ALERT
    )
    assert (
        retention_decision(PhotoFacts(since=old, open_follow_up=True), now=NOW, retention_days=90)
        == Retention.OPEN_FOLLOW_UP
    )


def test_a_legal_hold_is_named_before_any_other_reason_to_keep() -> None:
    facts = PhotoFacts(since=None, legal_hold=True, open_alert=True, open_follow_up=True)
    assert retention_decision(facts, now=NOW, retention_days=1) == Retention.LEGAL_HOLD


def test_the_current_enrolment_photo_is_never_purged_by_age() -> None:
    assert (
        retention_decision(PhotoFacts(since=None), now=NOW, retention_days=1)
        == Retention.CURRENT_ENROLMENT
    )


def test_the_retention_period_is_configurable() -> None:
    since = NOW - timedelta(days=10)
    assert retention_decision(PhotoFacts(since=since), now=NOW, retention_days=7) == Retention.PURGE
    assert (
        retention_decision(PhotoFacts(since=since), now=NOW, retention_days=30)
        == Retention.WITHIN_PERIOD
    )
