"""Fixtures for matching tests: a feed key, a model trained once per session, people."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import pytest
from django.apps import apps

from atd.core.apikeys import api_key_issue
from atd.matching.linkage.model import LinkageEngine
from atd.matching.synthetic import feature_rows, synthetic_set
from atd.testing.world import World, participant_with_case


@lru_cache(maxsize=1)
def trained_settings() -> dict[str, Any]:
    """EM-trained on a synthetic population (pure, no database): done once per test session."""
    s = synthetic_set(participants=1200, linked=300, near_misses=60, unrelated=200, seed=3)
    left, right = feature_rows(s)
    return LinkageEngine(left, right).train(max_pairs=2e5)


@pytest.fixture
def active_model(db: Any) -> Any:
    from atd.matching.services import linkage_model_save

    return linkage_model_save(
        actor=None, settings_json=trained_settings(), records=800, participants=2000, note="test"
    )


@pytest.fixture
def feed_key(db: Any) -> str:
    _, plain = api_key_issue(actor=None, name="test booking feed", scopes=["matching_feed"])
    return plain


def person(
    world: World,
    *,
    given: str,
    surname: str,
    second: str = "",
    dob: date,
    sex: str = "M",
    aliases: tuple[tuple[str, str, str], ...] = (),
) -> Any:
    participant, _ = participant_with_case(
        world.office_a, world.users["case_officer"], given=given, surname=surname
    )
    participant.second_surname = second
    participant.date_of_birth = dob
    participant.sex = sex
    participant.save(update_fields=["second_surname", "date_of_birth", "sex"])
    alias_model = apps.get_model("people", "Alias")
    for g, f, s in aliases:
        alias_model.objects.create(
            participant=participant, given_names=g, first_surname=f, second_surname=s
        )
    return participant
