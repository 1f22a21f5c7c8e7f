"""The lean door's parts, without NATS: the device cache (misses of concurrent requests share
one query) and the query parser's fast path (the same pairs as parse_qsl)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atd.devices.selectors import DeviceIdentity
from atd.telemetry import door
from atd.telemetry.door import DeviceCache, query_pairs


class FakeDevices:
    """devices_for_ingest over a fixed table; records each query's serials."""

    def __init__(self, serials: Iterable[str], *, fail: bool = False) -> None:
        self.table = {
            s: DeviceIdentity(i, s, "gps_ankle", "h", i + 100) for i, s in enumerate(serials)
        }
        self.queries: list[list[str]] = []
        self.fail = fail
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, serials: Iterable[str]) -> dict[str, DeviceIdentity]:
        wanted = list(serials)
        self.gate.wait(5)
        self.queries.append(wanted)
        if self.fail:
            raise RuntimeError("database gone")
        return {s: self.table[s] for s in wanted if s in self.table}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeDevices:
    devices = FakeDevices([f"D-{i}" for i in range(300)])
    monkeypatch.setattr(door, "devices_for_ingest", devices)
    return devices


def test_concurrent_misses_share_one_query_and_each_gets_its_own_device(fake: FakeDevices) -> None:
    cache = DeviceCache(ttl_s=30)

    async def go() -> list[dict[str, Any]]:
        fake.gate.clear()  # the first query waits, so every other miss queues behind it
        first = asyncio.ensure_future(cache.lookup({"D-0"}))
        await asyncio.sleep(0.05)
        rest = [cache.lookup({f"D-{i}", "nobody"}) for i in range(1, 250)]
        fake.gate.set()
        return [await first, *await asyncio.gather(*rest)]

    answers = asyncio.run(go())
    assert answers[0] == {"D-0": fake.table["D-0"]}
    for i, answer in enumerate(answers[1:], start=1):
        assert answer == {f"D-{i}": fake.table[f"D-{i}"], "nobody": None}
    # One query for the first miss, one for the 250 serials missed meanwhile (not 250).
    assert len(fake.queries) == 2
    assert sorted(fake.queries[1]) == sorted([f"D-{i}" for i in range(1, 250)] + ["nobody"])


def test_hits_make_no_query_and_expired_entries_are_asked_again(fake: FakeDevices) -> None:
    cache = DeviceCache(ttl_s=30)
    asyncio.run(cache.lookup({"D-1", "ghost"}))
    assert asyncio.run(cache.lookup({"D-1", "ghost"})) == {"D-1": fake.table["D-1"], "ghost": None}
    assert len(fake.queries) == 1  # an unknown serial is cached too

    cache.ttl_s = 0
    asyncio.run(cache.lookup({"D-2"}))
    asyncio.run(cache.lookup({"D-2"}))
    assert len(fake.queries) == 3


def test_a_serial_no_device_can_have_is_answered_unknown_without_a_query(
    fake: FakeDevices,
) -> None:
    cache = DeviceCache(ttl_s=30)
    assert asyncio.run(cache.lookup({"bad\x00serial", "\ud800"})) == {
        "bad\x00serial": None,
        "\ud800": None,
    }
    assert fake.queries == []


def test_a_failed_query_fails_every_waiter_and_the_next_lookup_asks_again(
    fake: FakeDevices,
) -> None:
    cache = DeviceCache(ttl_s=30)
    fake.fail = True

    async def go() -> list[Any]:
        return await asyncio.gather(
            *(cache.lookup({f"D-{i}"}) for i in range(5)), return_exceptions=True
        )

    outcomes = asyncio.run(go())
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    fake.fail = False
    assert asyncio.run(cache.lookup({"D-3"})) == {"D-3": fake.table["D-3"]}


def test_more_misses_than_one_query_takes_are_split(fake: FakeDevices) -> None:
    cache = DeviceCache(ttl_s=30)
    cache.LOAD_MAX = 100
    answer = asyncio.run(cache.lookup({f"D-{i}" for i in range(250)}))
    assert answer == {f"D-{i}": fake.table[f"D-{i}"] for i in range(250)}
    assert [len(q) for q in fake.queries] == [100, 100, 50]


QUERIES = [
    "",
    "id=F-1&key=k&lat=41.88&lon=-87.63&timestamp=1700000000&batt=80",
    "&&id=F-1&&",
    "id",
    "id=&key=",
    "=x&=",
    "a=b=c&d==e",
    "id=F%2D1&key=a+b",
    "id=%ZZ&x=%",
    "lat=41.88;lon=1",
    "id=\u00e9t\u00e9&k=\x00",
    "name+with+plus=1",
]


@pytest.mark.parametrize("query", QUERIES)
def test_query_pairs_are_those_parse_qsl_reads(query: str) -> None:
    assert query_pairs(query) == parse_qsl(query, keep_blank_values=True)


@given(st.text(alphabet=st.sampled_from("ab=&%+;2F \x00\u00e9"), max_size=40))
def test_query_pairs_match_parse_qsl_on_any_query(query: str) -> None:
    assert query_pairs(query) == parse_qsl(query, keep_blank_values=True)
