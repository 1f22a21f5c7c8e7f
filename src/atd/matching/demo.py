"""Demo data for matching: a trained model and one feed batch with a few likely matches,
a near miss and unrelated bookings, linked so the review queue has work."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from atd.core.scope import Scope
from atd.matching import selectors, services
from atd.matching.linkage.bootstrap import model_from_synthetic
from atd.matching.synthetic import (
    SynthPerson,
    near_miss,
    person_new,
    record_variant,
)
from atd.people import selectors as people_selectors

_ADMIN = Scope.system()


def _row(p: SynthPerson, booking_id: str) -> dict[str, Any]:
    return {
        "booking_id": booking_id,
        "booking_date": "2026-11-01",
        "agency": "Demo County Sheriff",
        "given_names": p.given_names,
        "first_surname": p.first_surname,
        "second_surname": p.second_surname,
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex,
        "charges": ["driving without a license"],
    }


def demo_seed(ctx: dict[str, Any]) -> None:
    if selectors.feed_batch_list(scope=_ADMIN, limit=1):
        return  # already seeded
    rng = random.Random(21)  # noqa: S311 - a fixed seed: the same demo every time
    people = people_selectors.participants_for_linkage()[:200]
    if not people:
        return
    if selectors.linkage_model_active() is None:
        services.linkage_model_save(
            actor=None,
            settings_json=model_from_synthetic(),
            records=0,
            participants=0,
            note="demo: trained on a synthetic population",
        )
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(rng.sample(people, min(8, len(people)))):
        if p.date_of_birth is None:
            continue
        base = SynthPerson(
            key=i,
            given_names=p.given_names,
            first_surname=p.first_surname,
            second_surname=p.second_surname,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
        )
        variant = record_variant(rng, base, noise=0.5) if i % 2 else replace(base)
        rows.append(_row(variant, f"DEMO-M{i}"))
        if i < 2:
            rows.append(_row(near_miss(rng, base, 100 + i), f"DEMO-N{i}"))
    rows.extend(_row(person_new(rng, 200 + i), f"DEMO-U{i}") for i in range(20))
    batch = services.feed_import(
        actor=None, source="demo-county", rows=rows, channel="json", filename="demo.json"
    ).batch
    services.feed_batch_link(actor=None, batch=batch)
