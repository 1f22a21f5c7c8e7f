"""A feed batch reads only the participants its blocking rules reach (the blocking-key table),
and scores exactly as a run against every enrolled participant would."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from atd.core.scope import Scope
from atd.matching import selectors, services
from atd.matching.linkage.blocking import ALL_RULES, KeyCaps
from atd.matching.linkage.keys import blocking_keys_rebuild, feed_candidates, keyed
from atd.matching.linkage.model import LinkageEngine
from atd.matching.linkage.rows import booking_rows, participant_rows
from atd.matching.models import BlockingKey, BlockingKeyCount, LinkageRun
from atd.matching.tests.conftest import person
from atd.people import services as people_services
from atd.people.rules import AddressInput
from atd.testing.world import World

ADMIN = Scope(role="admin", user_id=None, office_id=None)


def _booking(booking_id: str, dob: str, **names: Any) -> dict[str, Any]:
    return {
        "booking_id": booking_id,
        "booking_date": "2026-11-01",
        "agency": "County Jail",
        "date_of_birth": dob,
        "sex": "M",
        **names,
    }


def _population(world: World) -> list[Any]:
    return [
        person(world, given="José Luis", surname="Hernández", second="López", dob=date(1985, 4, 3)),
        person(
            world,
            given="Ana María",
            surname="Cárcamo",
            second="Ruiz",
            dob=date(1990, 1, 2),
            aliases=(("Anita", "Ruiz", ""),),
        ),
        person(world, given="Pedro", surname="Zelaya", second="Ayala", dob=date(1979, 12, 24)),
        person(world, given="Wei", surname="Zhang", dob=date(2001, 7, 7)),
        person(world, given="Olga", surname="Ivanova", dob=date(1966, 3, 30)),
    ]


def _batch() -> Any:
    rows = [
        _booking("K1", "1985-04-03", given_names="JOSE", first_surname="HERNANDEZ"),
        _booking("K2", "1985-03-04", given_names="Jose Luis", first_surname="Lopez"),
        _booking("K3", "1990-01-02", given_names="Anita", first_surname="Ruiz"),
        _booking("K4", "1979-12-24", given_names="Pedro", first_surname="Zelalla"),
        _booking("K5", "1950-05-05", given_names="Nadie", first_surname="Conocido"),
    ]
    return services.feed_import(actor=None, source="county", rows=rows, channel="json").batch


@pytest.mark.django_db
def test_a_batch_scores_by_key_exactly_as_against_everyone(world: World, active_model: Any) -> None:
    _population(world)
    batch = _batch()
    bookings = list(selectors.bookings_for_linkage(batch_ids=[batch.pk]))
    everyone = services.link_bookings(
        actor=None, kind="full", bookings=bookings, people=selectors.participants_for_linkage()
    )
    by_key = services.feed_batch_link(actor=None, batch=batch)

    def scored(result: Any) -> dict[tuple[int, int, int | None], float]:
        return {(p.booking_id, p.participant_id, p.alias_id): p.probability for p in result.pairs}

    assert scored(by_key) and scored(by_key) == scored(everyone)


@pytest.mark.django_db
def test_a_batch_reads_only_the_participants_its_rules_reach(
    world: World, active_model: Any
) -> None:
    people = _population(world)
    batch = _batch()
    left = booking_rows(selectors.bookings_for_linkage(batch_ids=[batch.pk]))
    found = feed_candidates(left, wide_max_pairs=0, key_caps=KeyCaps())  # the core rules only
    everyone = participant_rows(selectors.participants_for_linkage())
    assert found.population == BlockingKey.objects.count() == len(everyone)  # names and aliases
    _counts_match_the_keys()
    rows = pa.Table.from_pandas(found.right).to_pylist()  # Arrow-backed columns: plain values
    ids = {row["participant_id"] for row in rows}
    assert found.participants == len(ids)
    assert people[3].pk not in ids and people[4].pk not in ids  # nothing in common
    assert {people[0].pk, people[1].pk} <= ids
    # Each candidate's rows are read from the key table alone, exactly as the people tables
    # give them (all names: Ana María's alias comes with her).
    from_people = participant_rows(selectors.participants_for_linkage(participant_ids=sorted(ids)))
    key = lambda row: row["unique_id"]  # noqa: E731
    assert sorted(rows, key=key) == sorted(from_people, key=key)
    assert any(row["alias_id"] for row in rows)
    run = services.feed_batch_link(actor=None, batch=batch).run
    # (every test participant shares one address, so the wide address rules reach most of them)
    assert run.participants_compared < len(selectors.participants_for_linkage())
    assert LinkageRun.objects.get(pk=run.pk).participants_compared == run.participants_compared


@pytest.mark.django_db
def test_people_writes_keep_the_blocking_keys_current(world: World) -> None:
    p = person(world, given="Rosa", surname="Zelaya", second="Ayala", dob=date(1980, 2, 1))
    # One row per active participant's name (the world's own participants included), Rosa's one.
    assert blocking_keys_rebuild() == len(selectors.participants_for_linkage())
    assert BlockingKey.objects.filter(participant_id=p.pk).count() == 1
    people_services.alias_add(
        actor=None, scope=ADMIN, participant_id=p.pk, given_names="Rosita", first_surname="Ayala"
    )
    assert BlockingKey.objects.filter(participant_id=p.pk).count() == 2
    people_services.address_change(
        actor=None,
        scope=ADMIN,
        participant_id=p.pk,
        address=AddressInput(
            line1="9 Harbor Rd", unit="", city="Galveston", state="TX", postal_code="77550"
        ),
        reason="moved",
    )
    assert set(
        BlockingKey.objects.filter(participant_id=p.pk).values_list("postcode", flat=True)
    ) == {keyed("77550")}  # stored as its blind index
    case = p.cases.get()
    people_services.case_change_status(
        actor=None,
        scope=ADMIN,
        case_id=case.pk,
        to_status="closed",
        reason="case ended",
        closure_reason="relief_granted",
    )
    assert not BlockingKey.objects.filter(participant_id=p.pk).exists()  # no longer enrolled
    _counts_match_the_keys()


def _counts_match_the_keys() -> None:
    """The kept term-frequency counts and totals equal a recount of the key table."""
    recount: dict[tuple[str, str], int] = {("total", "*"): BlockingKey.objects.count()}
    for column in ("given_fold", "surnames_sorted"):
        values = BlockingKey.objects.exclude(**{column: None}).values_list(column, flat=True)
        recount[("total", column)] = values.count()
        for value in values:
            recount[(column, value)] = recount.get((column, value), 0) + 1
    kept = {
        (c, v): n
        for c, v, n in BlockingKeyCount.objects.values_list("column_name", "value", "n")
        if n
    }
    assert kept == recount


@pytest.mark.django_db
def test_a_crowded_key_does_not_block_and_both_paths_agree(
    world: World, active_model: Any, settings: Any
) -> None:
    """Six participants share a date of birth (a crowd at a cap of 3): the wide date-only rule
    does not reach them for a booking with that date, while a booking with a rare date is still
    blocked by it; a run against everyone applies the same cap, so the by-key run scores the
    same pairs."""
    settings.ATD_MATCHING_BLOCK_KEY_MAX_ROWS = 3
    settings.ATD_MATCHING_WIDE_BLOCK_KEY_MAX_ROWS = 3
    crowd = [
        person(world, given=g, surname=s, second="", dob=date(1984, 6, 6))
        for g, s in (
            ("Ana", "Ruiz"),
            ("Luz", "Paz"),
            ("Eva", "Sol"),
            ("Ema", "Mar"),
            ("Iris", "Rey"),
            ("Noa", "Luna"),
        )
    ]
    lone = person(world, given="Tomasz", surname="Kowalczyk", second="", dob=date(1971, 9, 19))
    rows = [
        # both names wrong: only the date of birth can block them
        _booking("C1", "1984-06-06", given_names="Xavier", first_surname="Quintanilla"),
        _booking("C2", "1971-09-19", given_names="Bogdan", first_surname="Wisniewski"),
    ]
    batch = services.feed_import(actor=None, source="county", rows=rows, channel="json").batch
    bookings = list(selectors.bookings_for_linkage(batch_ids=[batch.pk]))
    left = booking_rows(bookings)
    found = feed_candidates(left, wide_max_pairs=2_000_000, key_caps=KeyCaps(3, 3))
    ids = set(found.right["participant_id"])
    assert lone.pk in ids  # a rare date still blocks
    assert not ids & {p.pk for p in crowd}  # the crowd's date does not
    uncapped = feed_candidates(left, wide_max_pairs=2_000_000, key_caps=KeyCaps())
    assert {p.pk for p in crowd} <= set(uncapped.right["participant_id"])
    capped = dict(found.plan.capped)
    dob_rule = (("dob", "dob"),)
    assert capped[dob_rule] == 1  # one booking over the cap for the date-only rule
    assert [row["kcap_" + str(ALL_RULES.index(dob_rule))] for row in found.left] == [0, 1]

    # A run against everyone counts the same cap from its own inputs.
    engine = LinkageEngine(
        left,
        participant_rows(selectors.participants_for_linkage()),
        active_model.settings_json,
        key_caps=KeyCaps(3, 3),
    )
    assert engine.plan is not None and engine.plan.capped == found.plan.capped
    assert engine.plan.rules == found.plan.rules
    everyone = services.link_bookings(
        actor=None, kind="full", bookings=bookings, people=selectors.participants_for_linkage()
    )
    by_key = services.feed_batch_link(actor=None, batch=batch)

    def scored(result: Any) -> set[tuple[int, int]]:
        return {(p.booking_id, p.participant_id) for p in result.pairs}

    assert scored(by_key) == scored(everyone)
    assert not {pid for _, pid in scored(everyone)} & {p.pk for p in crowd}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("caps", [KeyCaps(core=100, wide=300, address=1000), KeyCaps(1, 1, 1)])
def test_keys_read_on_several_connections_give_what_one_connection_gives(
    world: World, active_model: Any, settings: Any, caps: KeyCaps
) -> None:
    """PostgreSQL outside a transaction reads the rules' keys on several connections at once
    (ATD_MATCHING_KEY_READERS): the same caps, plan, reach and rows as one connection."""
    from atd.matching.linkage import keys as keys_module
    from atd.testing.services import require_postgres

    require_postgres()
    _population(world)
    batch = _batch()
    left = booking_rows(selectors.bookings_for_linkage(batch_ids=[batch.pk]))

    def found(readers: int) -> Any:
        settings.ATD_MATCHING_KEY_READERS = readers
        assert keys_module._parallel_readers() == readers  # the path under test is taken
        return feed_candidates(left, wide_max_pairs=2_000_000, key_caps=caps)

    one, many = found(1), found(4)
    assert many.plan == one.plan and many.participants == one.participants > 0
    assert many.left == one.left  # the cap columns of each booking
    key = lambda row: row["unique_id"]  # noqa: E731
    assert sorted(pa.Table.from_pandas(many.right).to_pylist(), key=key) == sorted(
        pa.Table.from_pandas(one.right).to_pylist(), key=key
    )
