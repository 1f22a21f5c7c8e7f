"""The published types of people: what other contexts get back from its selectors.

Frozen dataclasses only, no `Any` (mypy: `disallow_any_explicit` for this module)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseRouting:
    """Where a participant's alerts and tasks go: their open case (else their latest), its
    office and its officer (None while unassigned)."""

    case_id: int
    office_id: int
    officer_id: int | None
