"""Linkage input rows: a booking, and a participant's own name and each alias, as features."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from atd.matching.linkage.features import PersonRecord, person_features
from atd.matching.models import BookingRecord
from atd.people import selectors as people_selectors


def booking_rows(bookings: Iterable[BookingRecord]) -> list[dict[str, Any]]:
    return [
        person_features(
            PersonRecord(
                unique_id=f"b{b.pk}",
                given_names=b.given_names,
                first_surname=b.first_surname,
                second_surname=b.second_surname,
                date_of_birth=b.date_of_birth,
                date_of_birth_recorded=b.date_of_birth_recorded,
                sex=b.sex,
                postal_code=b.postal_code,
                city=b.city,
                street=b.address,
                booking_id=b.pk,
            )
        )
        for b in bookings
    ]


def participant_rows(people: Iterable[people_selectors.ParticipantLinkRow]) -> list[dict[str, Any]]:
    """One row per participant name and one per alias (an alias without its own date of birth
    carries the participant's)."""
    rows = []
    for p in people:
        common: dict[str, Any] = {
            "sex": p.sex,
            "postal_code": p.postal_code,
            "city": p.city,
            "street": p.street,
            "participant_id": p.participant_id,
        }
        rows.append(
            person_features(
                PersonRecord(
                    unique_id=f"p{p.participant_id}",
                    given_names=p.given_names,
                    first_surname=p.first_surname,
                    second_surname=p.second_surname,
                    date_of_birth=p.date_of_birth,
                    **common,
                )
            )
        )
        for a in p.aliases:
            rows.append(
                person_features(
                    PersonRecord(
                        unique_id=f"a{a.alias_id}",
                        given_names=a.given_names,
                        first_surname=a.first_surname,
                        second_surname=a.second_surname,
                        date_of_birth=a.date_of_birth or p.date_of_birth,
                        alias_id=a.alias_id,
                        **common,
                    )
                )
            )
    return rows
