"""Typed values court publishes to other contexts: departure requests and verified departures
(the cohort report counts "departed" from `DepartureVerified`, with its as-of time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from atd.court.choices import DepartureStage, DepartureVerification

__all__ = ["DepartureStage", "DepartureVerification", "DepartureVerified", "DepartureView"]


@dataclass(frozen=True)
class DepartureVerified:
    """A confirmed departure and how it was verified: who, how, when."""

    departure_id: int
    participant_id: int
    case_id: int
    departed_on: date
    verified_at: datetime
    verified_by: str
    verified_by_id: int | None
    method: str
    note: str


@dataclass(frozen=True)
class DepartureView:
    """What the participant sees of their departure request (stage is a DepartureStage)."""

    departure_id: int
    opened_at: datetime
    stage: str
    stage_label: str
    planned_departure_on: date | None
    departed_on: date | None
