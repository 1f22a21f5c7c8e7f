"""Group commit for the lean device door: concurrent requests share one append per partition.

A door request (an OsmAnd report, a device-keyed batch) hands `GroupCommit.commit` one member
per device: the device's serial and its authenticated records (secret removed). Members wait
in a pending pack per (partition, door kind); the packs are appended when the oldest member
has waited `window_s`, or at once when `max_members` are waiting. A pack is one JetStream
message in the MQTT bridge's format (`devicelog.pack_message`: length-prefixed name and bytes
per member; here the name is the serial and the bytes the JSON records), so the ingest worker
reads it with the same `pack_decode` and judges each member alone.

Guarantees, and what gives each:
- Durable before "OK": `commit` returns only when the append of every pack holding one of
  the request's members was acknowledged by JetStream (stored on a quorum). If a pack's
  append fails (timeout, no quorum, log full, connection lost), every member of that pack is
  answered with the failure (the door answers 503, the device retries); members of other
  packs are unaffected.
- Per-device order: one device's members always go to its partition's pending pack, in the
  order the door received them; packs of one partition are published in order on the door's
  one NATS connection. (Two requests of one device in flight at once have no order between
  them to keep, as before: the pipeline orders fixes by their time.)
- A device's retry stored once. A member's id is the one its own log message had before group
  commit (`message_id`: serial + hash of the records, keys sorted). Within this door process:
  a retry of a member already acknowledged within the dedup window is answered at once and not
  appended; a retry of a member whose pack is still in flight waits for that pack's outcome (a
  failure then answers both). Across door processes and restarts (each has its own window) a
  retry may be appended again, in another pack; the log's `Nats-Msg-Id` cannot drop it (a
  pack's id is the hash of the whole pack), and the database's unique keys ((device, fix time),
  (device, kind, time)) store it once. docs/telemetry.md says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from atd.telemetry.devicelog import (
    H_MSG_ID,
    H_SERIAL,
    H_TRUSTED,
    H_VIA,
    PACK_MAX_BYTES,
    DeviceLog,
    LogConfig,
    LogFull,
    LogMessage,
    message_id,
    pack_chunks,
    pack_message,
    partition_of,
    records_body,
)

log = logging.getLogger(__name__)

# At most this many member ids are remembered for de-duplication (about 100 MB).
RECENT_MAX = 1_000_000


@dataclass(frozen=True)
class Member:
    """One device's records in one request, as the log keeps them."""

    serial: str
    body: bytes  # records_body(records): a JSON array, keys sorted
    id: str  # message_id(serial, body)

    @classmethod
    def of(cls, serial: str, records: Sequence[Any]) -> Member:
        body = records_body(records)
        return cls(serial, body, message_id(serial, body))


@dataclass
class GroupCommitStats:
    members: int = 0  # members appended (in packs or alone)
    appends: int = 0  # log messages appended
    repeats: int = 0  # members answered from the window or joined to one in flight
    failed: int = 0  # members whose append failed
    flushes: int = 0


@dataclass
class _Pending:
    members: list[tuple[Member, asyncio.Future[str | None]]] = field(default_factory=list)


class GroupCommit:
    """One per door process (per event loop). See the module docstring."""

    def __init__(
        self,
        devicelog: DeviceLog,
        cfg: LogConfig,
        *,
        window_s: float = 0.002,
        max_members: int = 256,
        max_inflight: int = 0,
    ) -> None:
        self.devicelog = devicelog
        self.cfg = cfg
        self.window_s = window_s
        self.max_members = max(1, max_members)
        # 0: no limit (every window's packs are appended at once). N: at most N flushes in
        # flight; members arriving meanwhile wait and are flushed together when one returns.
        self.max_inflight = max(0, max_inflight)
        self.stats = GroupCommitStats()
        self.recent: dict[str, float] = {}  # member id -> when acknowledged (insertion order)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reset()

    def _reset(self) -> None:
        # Futures and timers belong to one event loop (one per server worker; tests run
        # several loops one after another).
        self._pending: dict[tuple[int, str], _Pending] = {}
        self._count = 0
        self._timer: asyncio.TimerHandle | None = None
        self._inflight: dict[str, asyncio.Future[str | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._flying = 0  # flushes whose appends have not returned yet

    async def commit(self, via: str, members: Sequence[Member]) -> None:
        """Returns once every member is in the log (acknowledged by JetStream); raises LogFull
        if the append of any of them failed (the request must be answered with an error)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._reset()
        now = time.monotonic()
        self._forget(now)
        waits: list[asyncio.Future[str | None]] = []
        for member in members:
            if member.id in self.recent:
                self.stats.repeats += 1  # acknowledged before, within the window: durable
                continue
            future = self._inflight.get(member.id)
            if future is not None:
                self.stats.repeats += 1  # the same member is in a pack in flight: its outcome
                waits.append(future)
                continue
            future = loop.create_future()
            self._inflight[member.id] = future
            key = (partition_of(member.serial, self.cfg.partitions), via)
            self._pending.setdefault(key, _Pending()).members.append((member, future))
            self._count += 1
            waits.append(future)
        if self._count >= self.max_members:
            self._flush()
        elif self._count and self._timer is None and not self._full():
            self._timer = loop.call_later(self.window_s, self._flush)
        # else: flights full; the next flight to return flushes what waits (_finished).
        if not waits:
            return
        # asyncio.wait neither cancels the shared futures if this request is cancelled (a
        # client that went away) nor stops at the first failure.
        if len(waits) == 1:  # the common case (an OsmAnd report): shield is the cheaper wait
            await asyncio.shield(waits[0])
        else:
            await asyncio.wait(waits)
        errors = [f.result() for f in waits if f.result() is not None]
        if errors:
            raise LogFull(str(errors[0]))

    def _forget(self, now: float) -> None:
        horizon = now - self.cfg.dedup_window_s
        recent = self.recent
        while recent:
            oldest = next(iter(recent))
            if recent[oldest] > horizon and len(recent) <= RECENT_MAX:
                break
            del recent[oldest]

    def _full(self) -> bool:
        return 0 < self.max_inflight <= self._flying

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending, self._count = self._pending, {}, 0
        if not pending:
            return
        self._flying += 1
        messages: list[LogMessage] = []
        groups: list[list[tuple[Member, asyncio.Future[str | None]]]] = []
        for (partition, via), group in pending.items():
            small: list[tuple[Member, asyncio.Future[str | None]]] = []
            for member, future in group.members:
                if len(member.body) + len(member.serial) + 8 > PACK_MAX_BYTES:
                    # Too large to pack (a big batch): alone, with its own id, as before.
                    messages.append(self._alone(member, via))
                    groups.append([(member, future)])
                else:
                    small.append((member, future))
            start = 0
            for chunk in pack_chunks([(m.serial, m.body) for m, _ in small]):
                messages.append(pack_message(self.cfg, partition, chunk, via=via, trusted=True))
                groups.append(small[start : start + len(chunk)])
                start += len(chunk)
        self.stats.flushes += 1
        assert self._loop is not None
        task = self._loop.create_task(self._append(messages, groups))
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, groups))

    def _finished(
        self,
        task: asyncio.Task[None],
        groups: list[list[tuple[Member, asyncio.Future[str | None]]]],
    ) -> None:
        """A task cancelled before it ever ran (the server stopping right after a flush) never
        reaches _append's own handler: its members are answered here, never left waiting."""
        self._tasks.discard(task)
        self._flying -= 1
        if task.cancelled() and any(not f.done() for group in groups for _, f in group):
            self._settle([asyncio.CancelledError()] * len(groups), groups)
        if self._count and not self._full() and self._timer is None and not task.cancelled():
            # What arrived while the flights were full has waited at least one append: now.
            self._flush()

    def _alone(self, member: Member, via: str) -> LogMessage:
        """The log message the door appended before group commit (message_for_records)."""
        return LogMessage(
            self.cfg.subject_of(partition_of(member.serial, self.cfg.partitions)),
            member.body,
            {H_VIA: via, H_SERIAL: member.serial, H_TRUSTED: "1", H_MSG_ID: member.id},
        )

    async def _append(
        self,
        messages: list[LogMessage],
        groups: list[list[tuple[Member, asyncio.Future[str | None]]]],
    ) -> None:
        outcomes: Sequence[bool | BaseException]
        try:
            outcomes = await self.devicelog.append_each(messages)
        except asyncio.CancelledError as exc:  # the server is stopping: no "OK" for anyone
            self._settle([exc] * len(messages), groups)
            raise
        except Exception as exc:  # every member must get an answer, never a lost future
            log.exception("device log append failed")
            outcomes = [exc] * len(messages)
        self._settle(outcomes, groups)

    def _settle(
        self,
        outcomes: Sequence[bool | LogFull | BaseException],
        groups: list[list[tuple[Member, asyncio.Future[str | None]]]],
    ) -> None:
        now = time.monotonic()
        for outcome, group in zip(outcomes, groups, strict=True):
            error: str | None = None
            if isinstance(outcome, BaseException):
                self.stats.failed += len(group)
                error = str(outcome) or type(outcome).__name__
            else:
                self.stats.appends += 1
                self.stats.members += len(group)
            for member, future in group:
                if self._inflight.get(member.id) is future:
                    del self._inflight[member.id]
                if error is None:
                    self.recent[member.id] = now
                if not future.done():
                    future.set_result(error)
