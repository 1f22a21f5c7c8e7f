"""Group commit in the lean door (groupcommit.py), against a log that records what it is asked
to append: packing by partition, order, the window, per-member de-duplication and failures.
The same paths against the machine's JetStream and the worker are in test_door.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import orjson
import pytest

from atd.telemetry.devicelog import (
    H_MSG_ID,
    H_PACK,
    H_TRUSTED,
    H_VIA,
    PACK_MAX_BYTES,
    LogConfig,
    LogFull,
    LogMessage,
    pack_decode,
    partition_of,
)
from atd.telemetry.groupcommit import GroupCommit, Member

CFG = LogConfig("nats://x", "S", "s", 4, 1, 600, 30, 1 << 30)


class FakeLog:
    """Acknowledges every append after `delay_s`, except those `fail` says to refuse."""

    def __init__(self, delay_s: float = 0.0, fail: Any = None) -> None:
        self.calls: list[list[LogMessage]] = []
        self.delay_s = delay_s
        self.fail = fail or (lambda m: False)
        self.release: asyncio.Event | None = None

    async def append_each(self, messages: Sequence[LogMessage]) -> list[bool | LogFull]:
        self.calls.append(list(messages))
        if self.release is not None:
            await self.release.wait()
        await asyncio.sleep(self.delay_s)
        return [LogFull("no quorum") if self.fail(m) else False for m in messages]

    @property
    def messages(self) -> list[LogMessage]:
        return [m for call in self.calls for m in call]


def members_of(message: LogMessage) -> list[tuple[str, list[Any]]]:
    assert message.headers[H_PACK] == "1" and message.headers[H_TRUSTED] == "1"
    return [(serial, orjson.loads(body)) for serial, body in pack_decode(message.body)]


def fix(serial: str, n: int) -> Member:
    return Member.of(serial, [{"device": serial, "time": 1_780_000_000 + n, "lat": 1, "lon": 2}])


def packer(log: FakeLog, **kw: Any) -> GroupCommit:
    return GroupCommit(log, CFG, **{"window_s": 0.01, "max_members": 1000, **kw})  # type: ignore[arg-type]


def test_concurrent_requests_share_one_append_per_partition_in_arrival_order() -> None:
    log = FakeLog(delay_s=0.005)
    gc = packer(log)
    serials = [f"D-{i}" for i in range(12)]
    order = [(serials[n % 12], n) for n in range(240)]  # 20 fixes per device, interleaved

    async def go() -> None:
        await asyncio.gather(*(gc.commit("osmand", [fix(s, n)]) for s, n in order))

    asyncio.run(go())
    assert len(log.calls) == 1  # one flush: every request arrived within the window
    packs = log.messages
    assert len(packs) == len({partition_of(s, CFG.partitions) for s in serials}) <= 4
    seen: dict[str, list[int]] = {}
    for m in packs:
        assert m.headers[H_VIA] == "osmand" and m.headers[H_MSG_ID].startswith("pack:")
        for serial, records in members_of(m):
            assert m.subject == CFG.subject_of(partition_of(serial, CFG.partitions))
            seen.setdefault(serial, []).append(records[0]["time"] - 1_780_000_000)
    for serial in serials:  # every fix once, each device's in the order the door got them
        assert seen[serial] == [n for s, n in order if s == serial]
    assert gc.stats.members == 240 and gc.stats.appends == len(packs)


def test_max_members_flushes_without_waiting_for_the_window() -> None:
    log = FakeLog()
    gc = packer(log, window_s=30.0, max_members=10)

    async def go() -> None:
        await asyncio.wait_for(
            asyncio.gather(*(gc.commit("osmand", [fix("D-1", n)]) for n in range(30))), 5
        )

    asyncio.run(go())
    assert [len(members_of(m)) for m in log.messages] == [10, 10, 10]


def test_members_arriving_while_the_flights_are_full_go_together_when_one_returns() -> None:
    """max_inflight=1: the first request's append is held; 30 requests arriving meanwhile start
    no append of their own and are flushed in one when it returns, each device in order."""
    log = FakeLog()
    gc = packer(log, window_s=0.0, max_inflight=1)

    async def go() -> None:
        log.release = asyncio.Event()
        first = asyncio.ensure_future(gc.commit("osmand", [fix("D-1", 0)]))
        while not log.calls:
            await asyncio.sleep(0)
        rest = [
            asyncio.ensure_future(gc.commit("osmand", [fix(f"D-{n % 5}", n)])) for n in range(1, 31)
        ]
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(log.calls) == 1 and not first.done()  # nobody else started an append
        log.release.set()
        await asyncio.wait_for(asyncio.gather(first, *rest), 5)

    asyncio.run(go())
    assert len(log.calls) == 2
    second = [member for m in log.calls[1] for member in members_of(m)]
    assert len(second) == 30
    for serial in {s for s, _ in second}:
        times = [records[0]["time"] for s, records in second if s == serial]
        assert times == sorted(times)
    assert gc.stats.members == 31 and gc.stats.failed == 0


def test_a_full_pack_flushes_even_when_the_flights_are_full() -> None:
    """The in-flight limit never holds more than max_members: the bound on what waits."""
    log = FakeLog()
    gc = packer(log, window_s=0.0, max_inflight=1, max_members=10)

    async def go() -> None:
        log.release = asyncio.Event()
        first = asyncio.ensure_future(gc.commit("osmand", [fix("D-1", 0)]))
        while not log.calls:
            await asyncio.sleep(0)
        rest = [asyncio.ensure_future(gc.commit("osmand", [fix("D-2", n)])) for n in range(1, 11)]
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(log.calls) == 2  # the tenth waiting member flushed without waiting
        log.release.set()
        await asyncio.wait_for(asyncio.gather(first, *rest), 5)

    asyncio.run(go())
    assert gc.stats.members == 11


def test_door_kinds_and_oversized_members_travel_apart() -> None:
    log = FakeLog()
    gc = packer(log)
    big = Member.of("D-1", [{"time": 1, "lat": 1, "lon": 2, "pad": "x" * PACK_MAX_BYTES}])

    async def go() -> None:
        await asyncio.gather(
            gc.commit("osmand", [fix("D-1", 1)]),
            gc.commit("http", [fix("D-1", 2), big]),
        )

    asyncio.run(go())
    by_kind = sorted((m.headers[H_VIA], m.headers.get(H_PACK, "alone")) for m in log.messages)
    assert by_kind == [("http", "1"), ("http", "alone"), ("osmand", "1")]
    alone = next(m for m in log.messages if H_PACK not in m.headers)
    assert alone.body == big.body and alone.headers[H_MSG_ID] == big.id  # as before packs


def test_a_failed_append_answers_every_member_of_that_pack_and_only_those() -> None:
    bad = partition_of("D-1", CFG.partitions)
    assert partition_of("D-2", CFG.partitions) != bad
    log = FakeLog(fail=lambda m: m.subject == CFG.subject_of(bad))
    gc = packer(log)

    async def one(serial: str, n: int) -> str:
        try:
            await gc.commit("osmand", [fix(serial, n)])
            return "ok"
        except LogFull:
            return "503"

    async def go() -> list[str]:
        return await asyncio.gather(*(one(s, n) for n in range(5) for s in ("D-1", "D-2")))

    answers = asyncio.run(go())
    assert answers == ["503", "ok"] * 5
    assert gc.stats.failed == 5 and gc.stats.members == 5
    # A failed member is not remembered as stored: its retry is appended again.
    log.fail = lambda m: False
    asyncio.run(gc.commit("osmand", [fix("D-1", 0)]))
    assert [(s, r[0]["time"]) for s, r in members_of(log.messages[-1])] == [("D-1", 1_780_000_000)]
    assert gc.stats.members == 6


def test_a_batch_with_one_member_in_a_failed_pack_is_refused_whole() -> None:
    bad = partition_of("D-1", CFG.partitions)
    log = FakeLog(fail=lambda m: m.subject == CFG.subject_of(bad))
    gc = packer(log)
    with pytest.raises(LogFull):
        asyncio.run(gc.commit("http", [fix("D-2", 1), fix("D-1", 1)]))


def test_a_retry_is_answered_from_the_window_or_joins_the_pack_in_flight() -> None:
    log = FakeLog()
    gc = packer(log)

    async def go() -> None:
        log.release = asyncio.Event()
        first = asyncio.create_task(gc.commit("osmand", [fix("D-1", 1)]))
        await asyncio.sleep(0.05)  # flushed; its append is waiting for the log
        retry = asyncio.create_task(gc.commit("osmand", [fix("D-1", 1)]))  # same bytes
        await asyncio.sleep(0.05)
        assert not first.done() and not retry.done()  # no "OK" before the log acknowledged
        log.release.set()
        await asyncio.gather(first, retry)
        await gc.commit("osmand", [fix("D-1", 1)])  # later, within the window: answered

    asyncio.run(go())
    assert len(log.messages) == 1 and gc.stats.members == 1 and gc.stats.repeats == 2


def test_a_retry_joined_to_a_pack_that_fails_fails_too() -> None:
    log = FakeLog(fail=lambda m: True)
    gc = packer(log)

    async def go() -> list[BaseException | None]:
        log.release = asyncio.Event()
        first = asyncio.create_task(gc.commit("osmand", [fix("D-1", 1)]))
        await asyncio.sleep(0.05)
        retry = asyncio.create_task(gc.commit("osmand", [fix("D-1", 1)]))
        await asyncio.sleep(0.01)
        log.release.set()
        out = await asyncio.gather(first, retry, return_exceptions=True)
        return list(out)

    assert [type(x) for x in asyncio.run(go())] == [LogFull, LogFull]
    assert not gc.recent


def test_an_append_killed_midway_answers_no_one_ok() -> None:
    """The append task is cancelled while JetStream has not answered (the server stopping):
    every member waiting on it is refused, and nothing is remembered as stored."""
    log = FakeLog()
    gc = packer(log)

    async def go() -> list[BaseException | None]:
        log.release = asyncio.Event()  # never set: the log does not answer
        waiting = [asyncio.create_task(gc.commit("osmand", [fix("D-1", n)])) for n in range(3)]
        await asyncio.sleep(0.05)
        for task in list(gc._tasks):
            task.cancel()
        return list(await asyncio.gather(*waiting, return_exceptions=True))

    assert [type(x) for x in asyncio.run(go())] == [LogFull] * 3
    assert not gc.recent and gc.stats.members == 0


def test_a_client_that_goes_away_does_not_cancel_the_pack_for_the_others() -> None:
    log = FakeLog(delay_s=0.05)
    gc = packer(log)

    async def go() -> None:
        gone = asyncio.create_task(gc.commit("osmand", [fix("D-1", 1)]))
        stays = asyncio.create_task(gc.commit("osmand", [fix("D-1", 2)]))
        await asyncio.sleep(0.03)
        gone.cancel()
        await stays

    asyncio.run(go())
    assert gc.stats.members == 2 and len(members_of(log.messages[0])) == 2


def test_an_unexpected_error_in_the_log_still_answers_every_member() -> None:
    class Broken(FakeLog):
        async def append_each(self, messages: Sequence[LogMessage]) -> list[bool | LogFull]:
            raise RuntimeError("bug")

    gc = packer(Broken())
    with pytest.raises(LogFull, match="bug"):
        asyncio.run(gc.commit("osmand", [fix("D-1", 1)]))


def test_a_pack_cancelled_before_its_append_ever_ran_answers_every_member() -> None:
    """The server stops right after a flush: the append task is cancelled before its first
    step, so _append's own handler never runs. Every member is still answered (an error, never
    OK), none left waiting (this hung a CI run)."""
    log = FakeLog()
    # (max_members=2: the second member flushes)
    gc = GroupCommit(log, CFG, window_s=60, max_members=2)  # type: ignore[arg-type]

    async def go() -> list[Any]:
        first = asyncio.ensure_future(gc.commit("osmand", [fix("A", 1)]))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(gc.commit("osmand", [fix("B", 2)]))
        await asyncio.sleep(0)  # `second` ran: it flushed and created the append task
        (task,) = gc._tasks
        task.cancel()  # before the task's first step
        return list(
            await asyncio.wait_for(asyncio.gather(first, second, return_exceptions=True), 5)
        )

    answers = asyncio.run(go())
    assert all(isinstance(a, LogFull) for a in answers), answers
    assert log.calls == []  # the append never ran
    assert not gc._inflight
