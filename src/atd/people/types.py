"""People's published types: what other contexts and views may name of people besides its
services and selectors (case statuses and closure reasons, release types, address input and
address flag kinds). Defined in choices.py and rules.py; published here."""

from __future__ import annotations

from atd.people.choices import CaseStatus, ClosureReason, ReleaseType, Sex
from atd.people.rules import AddressFlagKind, AddressInput

__all__ = [
    "AddressFlagKind",
    "AddressInput",
    "CaseStatus",
    "ClosureReason",
    "ReleaseType",
    "Sex",
]
