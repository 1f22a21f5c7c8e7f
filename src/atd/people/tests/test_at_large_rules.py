"""The at-large rules, reopening and referral outcomes, as pure functions (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from atd.people.rules import (
    AtLargeGround,
    AtLargePolicy,
    ContactFacts,
    ReferralOutcome,
    at_large_findings,
    case_reopen_problem,
    case_transition_problem,
    referral_outcome_effect,
    referral_outcome_problem,
)

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
POLICY = AtLargePolicy()


def grounds(facts: ContactFacts, now: datetime = NOW) -> set[str]:
    return {f.ground for f in at_large_findings(facts, policy=POLICY, now=now)}


def test_strap_cut_then_silence_for_the_period_proposes_at_large() -> None:
    cut = NOW - timedelta(hours=49)
    facts = ContactFacts(last_contact_at=cut - timedelta(hours=1), strap_cut_at=cut)
    assert grounds(facts) == {AtLargeGround.STRAP_CUT_NO_CONTACT}


def test_strap_cut_within_the_period_proposes_nothing_yet() -> None:
    cut = NOW - timedelta(hours=47)
    assert (
        grounds(ContactFacts(last_contact_at=cut - timedelta(hours=1), strap_cut_at=cut)) == set()
    )


def test_contact_after_a_strap_cut_clears_the_rule() -> None:
    cut = NOW - timedelta(days=5)
    facts = ContactFacts(last_contact_at=cut + timedelta(hours=3), strap_cut_at=cut)
    assert grounds(facts) == set()


def test_strap_cut_period_is_configurable() -> None:
    cut = NOW - timedelta(hours=13)
    facts = ContactFacts(last_contact_at=None, strap_cut_at=cut)
    short = AtLargePolicy(strap_cut_silence=timedelta(hours=12))
    assert [f.ground for f in at_large_findings(facts, policy=short, now=NOW)] == [
        AtLargeGround.STRAP_CUT_NO_CONTACT
    ]


def test_missed_hearing_with_no_contact_since_proposes_at_large() -> None:
    fta = NOW - timedelta(days=3)
    assert grounds(
        ContactFacts(last_contact_at=fta - timedelta(days=1), failed_to_appear_at=fta)
    ) == {AtLargeGround.HEARING_MISSED}


def test_missed_hearing_followed_by_a_check_in_proposes_nothing() -> None:
    fta = NOW - timedelta(days=3)
    facts = ContactFacts(last_contact_at=fta + timedelta(days=1), failed_to_appear_at=fta)
    assert grounds(facts) == set()


def test_report_deadline_passed_past_grace_without_report_proposes_at_large() -> None:
    facts = ContactFacts(
        last_contact_at=datetime(2026, 5, 1, tzinfo=UTC), report_by=date(2026, 6, 1), reported=False
    )
    assert grounds(facts) == {AtLargeGround.REPORT_DEADLINE_PASSED}


def test_report_deadline_within_grace_or_reported_proposes_nothing() -> None:
    early = ContactFacts(last_contact_at=None, report_by=date(2026, 6, 5), reported=False)
    assert grounds(early) == set()
    done = ContactFacts(last_contact_at=None, report_by=date(2026, 5, 1), reported=True)
    assert grounds(done) == set()


def test_repeated_missed_check_ins_with_long_silence_propose_at_large() -> None:
    facts = ContactFacts(last_contact_at=NOW - timedelta(days=15), missed_checkins=3)
    assert grounds(facts) == {AtLargeGround.CHECKINS_MISSED}


def test_two_misses_or_recent_contact_do_not_propose() -> None:
    assert (
        grounds(ContactFacts(last_contact_at=NOW - timedelta(days=30), missed_checkins=2)) == set()
    )
    assert (
        grounds(ContactFacts(last_contact_at=NOW - timedelta(days=3), missed_checkins=5)) == set()
    )


def test_several_grounds_are_all_named() -> None:
    cut = NOW - timedelta(days=20)
    facts = ContactFacts(
        last_contact_at=cut - timedelta(days=1),
        strap_cut_at=cut,
        failed_to_appear_at=NOW - timedelta(days=5),
        missed_checkins=4,
    )
    assert grounds(facts) == {
        AtLargeGround.STRAP_CUT_NO_CONTACT,
        AtLargeGround.HEARING_MISSED,
        AtLargeGround.CHECKINS_MISSED,
    }


def test_at_large_is_reachable_from_active_and_leaves_to_active_or_closed() -> None:
    assert case_transition_problem("active", "at_large", closure_reason="", reason="r") is None
    assert case_transition_problem("at_large", "active", closure_reason="", reason="r") is None
    assert (
        case_transition_problem("at_large", "closed", closure_reason="deceased", reason="r") is None
    )
    assert "cannot go" in (
        case_transition_problem("closed", "at_large", closure_reason="", reason="r") or ""
    )


@pytest.mark.parametrize("kind", ["re_encounter", "re_release", "departure_did_not_happen"])
def test_a_closed_case_reopens_with_a_reason(kind: str) -> None:
    assert case_reopen_problem("closed", reopen_reason=kind, note="") is None


def test_reopening_needs_a_closed_case_and_a_known_reason() -> None:
    assert case_reopen_problem("active", reopen_reason="re_release", note="") is not None
    assert case_reopen_problem("closed", reopen_reason="whim\x00", note="") is not None
    assert case_reopen_problem("closed", reopen_reason="other", note="  ") is not None
    assert case_reopen_problem("closed", reopen_reason="other", note="clerical error") is None


def test_referral_outcomes_drive_the_case() -> None:
    assert referral_outcome_effect("located_resumed") == ("active", "")
    assert referral_outcome_effect("in_custody") == ("closed", "taken_into_custody")
    assert referral_outcome_effect("departed") == ("closed", "voluntarily_departed")
    assert referral_outcome_effect("deceased") == ("closed", "deceased")
    assert referral_outcome_effect("not_found") is None


def test_not_found_needs_the_attempts() -> None:
    nf = ReferralOutcome.NOT_FOUND
    assert referral_outcome_problem(nf, attempts=2, min_attempts=3, note="x") is not None
    assert referral_outcome_problem(nf, attempts=3, min_attempts=3, note="x") is None
    assert (
        referral_outcome_problem("located_resumed", attempts=0, min_attempts=3, note="") is not None
    )
    assert referral_outcome_problem("escaped", attempts=9, min_attempts=3, note="x") is not None
