"""The published types of people: what other contexts get back from its selectors, and what
they may name of people besides its services and selectors (case statuses and closure
reasons, release types, address input and address flag kinds; defined in choices.py and
rules.py, published here).

Frozen dataclasses only, no `Any` (mypy: `disallow_any_explicit` for this module)."""

from __future__ import annotations

from dataclasses import dataclass

from atd.people.choices import CaseStatus, ClosureReason, ReleaseType, Sex
from atd.people.rules import (
    REFERRAL_OUTCOME_LABELS,
    REOPEN_REASON_LABELS,
    AddressFlagKind,
    AddressInput,
    AtLargeFinding,
    AtLargeGround,
    AtLargePolicy,
    ContactFacts,
    ReferralOutcome,
    ReopenReason,
)

__all__ = [
    "REFERRAL_OUTCOME_LABELS",
    "REOPEN_REASON_LABELS",
    "AddressFlagKind",
    "AddressInput",
    "AtLargeFinding",
    "AtLargeGround",
    "AtLargePolicy",
    "ContactFacts",
    "ReferralOutcome",
    "ReopenReason",
    "CaseRouting",
    "CaseStatus",
    "ClosureReason",
    "ReleaseType",
    "Sex",
]


@dataclass(frozen=True)
class CaseRouting:
    """Where a participant's alerts and tasks go: their open case (else their latest), its
    office and its officer (None while unassigned)."""

    case_id: int
    office_id: int
    officer_id: int | None
