"""The locate package (issue 19): what the field team needs to find a participant whose case is
at large, gathered from every context in one read that is scoped and audited once, with who
read it and why.

Sections: the last known positions and their times; addresses with their flags; phones (the
current number and its history); recent check-ins; places frequently visited (grid cells of
the track over a stated window, `console.rules.places_frequent`); booking records linked by
matching; the open hearing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from atd.checkins.selectors import checkins_recent_for_participant
from atd.console.rules import Place, places_frequent
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.scope import Scope
from atd.court.selectors import hearing_open_for_participant
from atd.matching.selectors import LinkedBooking, bookings_linked_to_participant
from atd.people import selectors as people_selectors
from atd.telemetry.selectors import positions_latest, track_sample_for_participant

PLACES_WINDOW = timedelta(days=30)
PLACES_MAX_FIXES = 20_000


@dataclass(frozen=True)
class PositionLine:
    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None


@dataclass(frozen=True)
class AddressLine:
    text: str
    current: bool
    verification: str
    valid_from: datetime
    valid_to: datetime | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class PhoneLine:
    number: str
    since: datetime | None
    until: datetime | None
    note: str


@dataclass(frozen=True)
class CheckinLine:
    at: datetime
    kind: str
    status: str
    location: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class HearingLine:
    at: datetime
    court: str
    kind: str


@dataclass(frozen=True)
class LocatePackage:
    participant_id: int
    a_number: str
    name: str
    date_of_birth: str
    languages: str
    case_status: str
    office: str
    generated_at: datetime
    generated_by: str
    reason: str
    positions: tuple[PositionLine, ...]
    addresses: tuple[AddressLine, ...]
    phones: tuple[PhoneLine, ...]
    checkins: tuple[CheckinLine, ...]
    places: tuple[Place, ...]
    places_since: datetime
    places_until: datetime
    places_fixes: int
    bookings: tuple[LinkedBooking, ...]
    hearing: HearingLine | None


def _address_text(a: Any) -> str:
    if not a.line1:
        return "(blank)"
    unit = f", {a.unit}" if a.unit else ""
    return f"{a.line1}{unit}, {a.city} {a.state} {a.postal_code}".strip()


def locate_package_read(
    *, scope: Scope, actor: Any, participant_id: int, reason: str, now: datetime
) -> LocatePackage:
    """Assembles the package; every read is audited (one entry naming the sections, the
    reader and the reason). A reason is required: this is the person's whole whereabouts."""
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise ValidationFailed(errors=[FieldError("reason", "say why you open the package")])
    p = people_selectors.participant_locate_read(scope=scope, participant_id=participant_id)
    cases = list(p.cases.all())
    case = next((c for c in cases if c.status != "closed"), cases[0] if cases else None)
    positions = tuple(
        PositionLine(t.at, t.lat, t.lon, t.accuracy_m)
        for t in positions_latest(scope=scope, participant_id=p.pk, limit=10)
    )
    since = now - PLACES_WINDOW
    sample = track_sample_for_participant(scope, p.pk, since, now, PLACES_MAX_FIXES)
    places = tuple(places_frequent([(t.at, t.lat, t.lon) for t in sample.points]))
    addresses = tuple(
        AddressLine(
            text=_address_text(a),
            current=a.is_current,
            verification=a.get_verification_display(),
            valid_from=a.valid_from,
            valid_to=a.valid_to,
            flags=tuple(f.get_kind_display() for f in a.flags.all() if f.cleared_at is None),
        )
        for a in p.addresses.all()
    )
    changes = list(p.phone_changes.all())  # newest first
    phones: list[PhoneLine] = []
    if p.phone:
        phones.append(
            PhoneLine(p.phone, changes[0].changed_at if changes else None, None, "current")
        )
    # (newer, the change before it): the number a change replaced was in use since the one before.
    older_of = [*changes[1:], None]
    for newer, older in zip(changes, older_of[: len(changes)], strict=True):
        if newer.old_phone:
            phones.append(
                PhoneLine(
                    newer.old_phone,
                    older.changed_at if older else None,
                    newer.changed_at,
                    f"replaced: {newer.reason}",
                )
            )
    checkins = tuple(
        CheckinLine(
            at=c.received_at,
            kind=c.get_kind_display(),
            status=c.get_status_display(),
            location=c.get_location_status_display(),
            lat=c.latitude,
            lon=c.longitude,
        )
        for c in checkins_recent_for_participant(scope=scope, participant_id=p.pk, limit=10)
    )
    hearing = hearing_open_for_participant(scope=scope, participant_id=p.pk)
    bookings = tuple(bookings_linked_to_participant(scope=scope, participant_id=p.pk))
    audit_record(
        actor=actor,
        action="locate_package.read",
        object_type="participant",
        object_ids=[p.pk],
        reason=f"{reason[:400]} (positions, addresses, phones, check-ins, places, "
        f"bookings, hearing)",
    )
    name = " ".join(x for x in (p.given_names, p.first_surname, p.second_surname) if x)
    return LocatePackage(
        participant_id=p.pk,
        a_number=p.a_number,
        name=name,
        date_of_birth=p.date_of_birth.isoformat(),
        languages=", ".join(p.languages or []),
        case_status=case.get_status_display() if case else "no case",
        office=case.office.name if case else "",
        generated_at=now,
        generated_by=getattr(actor, "username", "") or str(actor),
        reason=reason[:500],
        positions=positions,
        addresses=addresses,
        phones=tuple(phones),
        checkins=checkins,
        places=places,
        places_since=since,
        places_until=now,
        places_fixes=sample.fix_count,
        bookings=bookings,
        hearing=HearingLine(
            hearing.scheduled_at, hearing.court_name, hearing.get_hearing_type_display()
        )
        if hearing
        else None,
    )
