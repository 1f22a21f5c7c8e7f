"""The lean device door: same answers as the Django views, appended to the log before 200."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from atd.core import clock
from atd.telemetry.devicelog import LogConfig, LogIngestWorker, log_backlog
from atd.telemetry.door import TelemetryDoor
from atd.telemetry.models import DeadLetter, Position
from atd.telemetry.tests.conftest import Tracked, make_tracked

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.nats, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(NOW):
        yield


async def _django_stub(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"django"})


async def call_full(
    app: Any,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request through an ASGI app: (status, response headers, body)."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    out_headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return start["status"], out_headers, b"".join(m.get("body", b"") for m in sent[1:])


def call(
    app: Any,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on its own event loop."""
    return asyncio.run(call_full(app, method, path, query, body, headers))


async def call_async(
    app: Any, method: str, path: str, query: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request on the caller's event loop (many at once with gather): (status, body)."""
    status, _, answer = await call_full(app, method, path, query, body, headers)
    return status, answer


def osmand(t: Tracked, **extra: Any) -> dict[str, Any]:
    return {
        "id": t.serial,
        "key": t.secret,
        "lat": "41.88",
        "lon": "-87.63",
        "timestamp": str(int(NOW.timestamp()) - 30),
        "batt": "77",
        "hdop": "0.8",
        **extra,
    }


def drain(cfg: LogConfig) -> LogIngestWorker:
    worker = LogIngestWorker(cfg, batch_size=1000, max_wait_s=0.05)
    asyncio.run(worker.run(idle_exit_s=0.4))
    return worker


def test_osmand_get_is_answered_after_the_append_and_stored_once(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    door = TelemetryDoor(_django_stub, stream_cfg)
    for _ in range(3):  # Traccar Client retries when it misses the answer
        status, headers, body = call(door, "GET", "/api/telemetry/osmand", urlencode(osmand(t)))
        assert (status, body) == (200, b"OK")
    assert log_backlog(stream_cfg) == 1  # the retries were de-duplicated by the log
    drain(stream_cfg)
    p = Position.objects.get(device_id=t.device_id)
    assert p.battery == 77 and p.attributes == {"hdop": "0.8"}


def test_form_post_and_traccar_json_post_reach_the_log(world: Any, stream_cfg: LogConfig) -> None:
    t = make_tracked(world)
    door = TelemetryDoor(_django_stub, stream_cfg)
    form = urlencode(osmand(t)).encode()
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    assert call(door, "POST", "/api/telemetry/osmand", body=form, headers=ctype)[0] == 200
    body = {
        "device_id": t.serial,
        "location": {
            "timestamp": "2026-06-01T14:58:00Z",
            "coords": {"latitude": 41.88, "longitude": -87.63, "accuracy": 9},
            "battery": {"level": 0.5, "is_charging": False},
        },
    }
    status, _, _ = call(
        door,
        "POST",
        "/api/telemetry/osmand",
        f"key={t.secret}",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200
    drain(stream_cfg)
    assert sorted(b or 0 for b in Position.objects.values_list("battery", flat=True)) == [50, 77]


HOSTILE = [
    {"key": "wrong"},
    {"id": "NO-SUCH-DEVICE"},
    {"lat": "91"},
    {"lat": "nan"},
    {"lon": "abc"},
    {"timestamp": "not a time"},
    {"timestamp": str(int(NOW.timestamp()) + 86_400)},
    {"timestamp": "0"},
    {"batt": "250"},
    {"accuracy": "-3"},
    {"lat": ""},
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_bad_osmand_input_gets_the_same_answer_as_the_django_view(
    world: Any, stream_cfg: LogConfig, bad: dict[str, str]
) -> None:
    t = make_tracked(world)
    query = urlencode(osmand(t, **bad))
    door = TelemetryDoor(_django_stub, stream_cfg)
    status, headers, body = call(door, "GET", "/api/telemetry/osmand", query)
    expected = Client().get(f"/api/telemetry/osmand?{query}")
    assert status == expected.status_code and 400 <= status < 500
    assert headers["content-type"] == expected["Content-Type"] == "application/problem+json"
    assert json.loads(body) == json.loads(expected.content)
    assert log_backlog(stream_cfg) == 0 and not Position.objects.exists()


def test_malformed_json_and_hostile_bodies_are_refused_not_crashed(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    door = TelemetryDoor(_django_stub, stream_cfg)
    hdr = {
        "Content-Type": "application/json",
        "X-Device-Serial": t.serial,
        "X-Device-Key": t.secret,
    }
    for body in (b"{", b"\xff\xfe", b"42", b'"x"', b"[1, null, []]", b"[" * 5000):
        status, headers, _ = call(door, "POST", "/api/telemetry", body=body, headers=hdr)
        assert status in (200, 422), body[:20]
        if status == 200:
            assert not json.loads(_)["accepted"]
    assert log_backlog(stream_cfg) == 0


def test_batch_answers_per_record_like_the_django_view(world: Any, stream_cfg: LogConfig) -> None:
    t = make_tracked(world)
    other = make_tracked(world, "specialist_a")
    base = NOW.timestamp() - 600
    records = [
        {"time": base + 1, "lat": 41.88, "lon": -87.63},
        {"time": base + 2, "lat": 95, "lon": -87.63},
        {"time": base + 3, "lat": 41.88, "lon": -87.63, "battery": 900},
        {"device": other.serial, "key": other.secret, "time": base + 4, "lat": 41.8, "lon": -87.6},
        {"device": other.serial, "key": "bad", "time": base + 5, "lat": 41.8, "lon": -87.6},
        {"device": "GHOST", "key": "x", "time": base + 6, "lat": 41.8, "lon": -87.6},
        "not a record",
    ]
    hdr = {
        "Content-Type": "application/json",
        "X-Device-Serial": t.serial,
        "X-Device-Key": t.secret,
    }
    door = TelemetryDoor(_django_stub, stream_cfg)
    status, _, body = call(
        door, "POST", "/api/telemetry", body=json.dumps(records).encode(), headers=hdr
    )
    answer = json.loads(body)
    assert status == 200 and answer["queued"] is True
    expected = (
        Client()
        .post(
            "/api/telemetry",
            data=json.dumps(records),
            content_type="application/json",
            headers={"X-Device-Serial": t.serial, "X-Device-Key": t.secret},
        )
        .json()
    )
    assert answer["rejected"] == expected["rejected"]
    assert answer["accepted"] == expected["accepted"] == 2
    Position.objects.all().delete()
    drain(stream_cfg)
    assert Position.objects.count() == 2


def test_the_door_answers_an_unknown_device_and_a_wrong_key_identically(
    world: Any, stream_cfg: LogConfig
) -> None:
    """Request-level keys and records naming their own device, OsmAnd and batch: nothing the
    door answers tells a serial that exists from one that does not (as the Django views)."""
    t = make_tracked(world)
    other = make_tracked(world, "specialist_a")
    door = TelemetryDoor(_django_stub, stream_cfg)
    one = json.dumps([{"time": NOW.timestamp() - 60, "lat": 41.88, "lon": -87.63}]).encode()
    batch = [
        call(door, "POST", "/api/telemetry", body=one, headers=hdr)
        for hdr in (
            {"X-Device-Serial": "GHOST-1", "X-Device-Key": t.secret},
            {"X-Device-Serial": t.serial, "X-Device-Key": "nope"},
        )
    ]
    assert batch[0][0] == batch[1][0] == 401
    assert batch[0][2] == batch[1][2] and b"GHOST" not in batch[0][2]
    osm = [
        call(door, "GET", "/api/telemetry/osmand", urlencode(osmand(t, **change)))
        for change in ({"id": "GHOST-2"}, {"key": "nope"})
    ]
    assert osm[0][0] == osm[1][0] == 401
    assert osm[0][2] == osm[1][2] and b"GHOST" not in osm[0][2]
    base = NOW.timestamp() - 600
    records = [
        {"time": base + 1, "lat": 41.88, "lon": -87.63},
        {"device": "GHOST-3", "key": "x", "time": base + 2, "lat": 41.8, "lon": -87.6},
        {"device": other.serial, "key": "x", "time": base + 3, "lat": 41.8, "lon": -87.6},
    ]
    hdr = {
        "Content-Type": "application/json",
        "X-Device-Serial": t.serial,
        "X-Device-Key": t.secret,
    }
    status, _, body = call(
        door, "POST", "/api/telemetry", body=json.dumps(records).encode(), headers=hdr
    )
    answer = json.loads(body)
    assert status == 200 and answer["accepted"] == 1
    rejected = [(r["reason"], r["detail"]) for r in answer["rejected"]]
    assert len(rejected) == 2 and rejected[0] == rejected[1] and b"GHOST" not in body
    assert set(DeadLetter.objects.values_list("reason", flat=True)) == {
        "bad_credential",
        "unknown_device",
    }


def test_wrong_request_key_and_oversized_batch_are_refused(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    door = TelemetryDoor(_django_stub, stream_cfg)
    hdr = {"X-Device-Serial": t.serial, "X-Device-Key": "nope"}
    status, _, body = call(door, "POST", "/api/telemetry", body=b"[]", headers=hdr)
    assert status == 401 and json.loads(body)["type"] == "/problems/unauthorized"
    assert DeadLetter.objects.filter(reason="bad_credential").exists()
    from django.test import override_settings

    with override_settings(ATD_TELEMETRY_MAX_BATCH=2):
        hdr["X-Device-Key"] = t.secret
        status, _, body = call(door, "POST", "/api/telemetry", body=b"[{},{},{}]", headers=hdr)
    assert status == 413 and json.loads(body)["type"] == "/problems/too-many-records"


def test_other_paths_and_gateways_go_to_django_and_no_log_means_django(
    world: Any, stream_cfg: LogConfig
) -> None:
    door = TelemetryDoor(_django_stub, stream_cfg)
    assert call(door, "GET", "/healthz")[0] == 299
    assert call(door, "GET", "/api/telemetry/dead-letters")[0] == 299
    assert call(door, "POST", "/api/telemetry", body=b"[]", headers={"X-API-Key": "k"})[0] == 299
    embedded = TelemetryDoor(_django_stub, None)
    embedded.log = None
    assert call(embedded, "GET", "/api/telemetry/osmand", "id=x")[0] == 299


# --- group commit ----------------------------------------------------------------------------


def call_many(app: Any, requests: list[tuple[str, str, str, bytes]]) -> list[tuple[int, bytes]]:
    """Many requests at once on one event loop (as a server worker takes them)."""

    async def go() -> list[tuple[int, bytes]]:
        return list(await asyncio.gather(*(call_async(app, *r) for r in requests)))

    return asyncio.run(go())


def many_tracked(world: Any, n: int) -> list[Tracked]:
    """Up to 9 devices: each world participant wears one of each kind."""
    combos = [
        (who, kind)
        for kind in ("gps_ankle", "wrist", "smartphone")
        for who in ("officer_a", "specialist_a", "office_b")
    ]
    return [make_tracked(world, who, kind) for who, kind in combos[:n]]


def osmand_get(t: Tracked, n: int) -> tuple[str, str, str, bytes]:
    ts = str(int(NOW.timestamp()) - 3000 + n)
    return ("GET", "/api/telemetry/osmand", urlencode(osmand(t, timestamp=ts)), b"")


def test_many_requests_at_once_share_few_appends_and_every_fix_is_stored_once(
    world: Any, stream_cfg: LogConfig
) -> None:
    devices = many_tracked(world, 6)
    door = TelemetryDoor(_django_stub, stream_cfg)
    assert door.packer is not None
    door.packer.window_s = 0.5  # the requests reach the log step one by one (device lookups)
    fixes = [(devices[n % 6], n) for n in range(180)]
    retries = fixes[:30]  # the same reports again, at the same time (a client that retried)
    answers = call_many(door, [osmand_get(t, n) for t, n in fixes + retries])
    assert answers == [(200, b"OK")] * 210
    stats = door.packer.stats
    assert stats.members == 180 and stats.repeats == 30
    assert stats.appends <= 4 * stats.flushes < 60  # 4 partitions: packs, not 180 appends
    assert log_backlog(stream_cfg) == stats.appends
    drain(stream_cfg)
    for t in devices:
        assert Position.objects.filter(device_id=t.device_id).count() == 30
    assert not DeadLetter.objects.exists() and log_backlog(stream_cfg) == 0


def test_batches_and_reports_of_many_devices_share_packs(world: Any, stream_cfg: LogConfig) -> None:
    a, b = make_tracked(world), make_tracked(world, "specialist_a")
    door = TelemetryDoor(_django_stub, stream_cfg)
    assert door.packer is not None
    door.packer.window_s = 0.05
    base = NOW.timestamp() - 600
    batch = json.dumps(
        [
            {"time": base + 1, "lat": 41.88, "lon": -87.63},
            {"device": b.serial, "key": b.secret, "time": base + 2, "lat": 41.8, "lon": -87.6},
            {"time": base + 3, "lat": 95, "lon": -87.63},  # refused at the door, as before
        ]
    ).encode()

    async def go() -> list[tuple[int, bytes]]:
        hdr = {"X-Device-Serial": a.serial, "X-Device-Key": a.secret}
        return list(
            await asyncio.gather(
                call_async(door, "POST", "/api/telemetry", "", batch, hdr),
                call_async(door, "GET", "/api/telemetry/osmand", urlencode(osmand(a)), b""),
            )
        )

    (status_batch, body), (status_osm, _) = asyncio.run(go())
    assert status_batch == status_osm == 200
    answer = json.loads(body)
    assert answer["accepted"] == 2 and [r["reason"] for r in answer["rejected"]] == [
        "bad_coordinates"
    ]
    drain(stream_cfg)
    assert Position.objects.filter(device_id=a.device_id).count() == 2
    assert Position.objects.filter(device_id=b.device_id).count() == 1


class AckLost:
    """A log that stores the appends of `serial`'s partition but loses the acknowledgement (a
    NATS node killed after the write, a timeout): the door cannot know the fix is durable."""

    def __init__(self, real: Any, cfg: LogConfig, serial: str) -> None:
        from atd.telemetry.devicelog import partition_of

        self.real, self.subject = real, cfg.subject_of(partition_of(serial, cfg.partitions))

    async def append_each(self, messages: Any) -> list[Any]:
        from atd.telemetry.devicelog import LogFull

        outcomes = await self.real.append_each(messages)
        return [
            LogFull("timeout") if m.subject == self.subject else o
            for m, o in zip(messages, outcomes, strict=True)
        ]


def test_a_failed_append_answers_its_whole_pack_503_and_the_retries_are_stored_once(
    world: Any, stream_cfg: LogConfig
) -> None:
    from atd.telemetry.devicelog import partition_of

    devices = many_tracked(world, 8)
    unlucky = devices[0]
    part = partition_of(unlucky.serial, stream_cfg.partitions)
    same = [t for t in devices if partition_of(t.serial, stream_cfg.partitions) == part]
    door = TelemetryDoor(_django_stub, stream_cfg)
    assert door.packer is not None and door.log is not None
    door.packer.window_s = 0.05
    door.packer.devicelog = AckLost(door.log, stream_cfg, unlucky.serial)  # type: ignore[assignment]
    reports = [osmand_get(t, n) for n in range(3) for t in devices]
    answers = call_many(door, reports)
    for (status, body), (_, _, query, _) in zip(answers, reports, strict=True):
        mine = any(f"id={t.serial}&" in query for t in same)
        assert (status == 503) == mine, (status, body)  # never "OK" for an unacknowledged fix
        if status == 503:
            assert json.loads(body)["type"] == "/problems/log-unavailable"
    refused = [r for r, (s, _) in zip(reports, answers, strict=True) if s == 503]
    assert refused and door.packer.stats.failed == len(refused)
    # The devices retry; the log works again. The refused fixes were not remembered as stored,
    # so they are appended again (the log now holds them twice: the lost-ack pack was written).
    door.packer.devicelog = door.log
    assert call_many(door, refused) == [(200, b"OK")] * len(refused)
    drain(stream_cfg)
    for t in devices:
        assert Position.objects.filter(device_id=t.device_id).count() == 3  # each fix once
    assert not DeadLetter.objects.exists()


def test_a_retry_after_a_door_restart_or_at_another_replica_is_stored_once(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    report = osmand_get(t, 1)
    first = TelemetryDoor(_django_stub, stream_cfg)
    assert call_many(first, [report, report]) == [(200, b"OK")] * 2
    assert call_many(first, [report]) == [(200, b"OK")]  # within the window: not appended
    assert log_backlog(stream_cfg) == 1
    # A restarted door (or another replica) has an empty window. Alone in its pack, the retry
    # makes the same pack bytes, which the log's Nats-Msg-Id drops; packed with another fix,
    # it is appended again, and the database's unique key stores it once.
    restarted = TelemetryDoor(_django_stub, stream_cfg)
    assert call_many(restarted, [report]) == [(200, b"OK")]
    assert log_backlog(stream_cfg) == 1
    replica = TelemetryDoor(_django_stub, stream_cfg)
    assert replica.packer is not None
    replica.packer.window_s = 0.5
    assert call_many(replica, [report, osmand_get(t, 2)]) == [(200, b"OK")] * 2
    assert replica.packer.stats.members == 2 and log_backlog(stream_cfg) == 2
    worker = drain(stream_cfg)
    assert Position.objects.filter(device_id=t.device_id).count() == 2
    assert worker.stats.records == 2 and worker.stats.duplicates == 1


def test_a_door_killed_before_the_log_answered_said_ok_to_no_one(
    world: Any, stream_cfg: LogConfig
) -> None:
    """The door's append is cut off while JetStream has not answered (the process stopping):
    every waiting request is refused, none answered OK; the devices' retries at the next door
    are stored, once."""
    devices = many_tracked(world, 3)
    door = TelemetryDoor(_django_stub, stream_cfg)
    assert door.packer is not None

    class Hangs:
        async def append_each(self, messages: Any) -> list[Any]:
            await asyncio.sleep(3600)
            return []

    door.packer.devicelog = Hangs()  # type: ignore[assignment]
    reports = [osmand_get(t, n) for n in range(2) for t in devices]

    async def go() -> list[Any]:
        requests = asyncio.gather(*(call_async(door, *r) for r in reports))
        while not requests.done():  # kill every append that starts, before the log answers
            await asyncio.sleep(0.02)
            for task in list(door.packer._tasks):  # type: ignore[union-attr]
                task.cancel()
        return list(await requests)

    answers = asyncio.run(go())
    assert [s for s, _ in answers] == [503] * len(reports)
    assert log_backlog(stream_cfg) == 0
    nxt = TelemetryDoor(_django_stub, stream_cfg)
    assert call_many(nxt, reports) == [(200, b"OK")] * len(reports)
    drain(stream_cfg)
    assert Position.objects.count() == len(reports)


# (content type, body, the door's answer now). Two differ from the Django view and did before
# group commit: a JSON body naming no device (400 unknown_device; the view says 401) and a form
# body that is not UTF-8 (422; the view 400). Group commit changes none of them.
OSMAND_HOSTILE_BODIES = [
    ("application/json", b"[" * 5000, 422),
    ("application/json", b'{"device_id": "x", "location": {"coords": "\\u0000"}}', 422),
    ("application/json", b"\xff\xfe\x00", 422),
    ("application/json", b'{"location": {"coords": {"latitude": NaN, "longitude": 1}}}', 400),
    ("application/x-www-form-urlencoded", b"id=\xff\xfe&lat=1&lon=2", 422),
    ("application/x-www-form-urlencoded", b"id=T%00X&lat=1&lon=2", 400),
    ("application/x-www-form-urlencoded", b"lat=1&" + b"x" * (70 * 1024), 413),
]


@pytest.mark.parametrize(("ctype", "body", "expected"), OSMAND_HOSTILE_BODIES)
def test_hostile_osmand_bodies_are_answered_as_before_and_reach_no_pack(
    world: Any, stream_cfg: LogConfig, ctype: str, body: bytes, expected: int
) -> None:
    door = TelemetryDoor(_django_stub, stream_cfg)
    status, headers, answer = call(
        door, "POST", "/api/telemetry/osmand", body=body, headers={"Content-Type": ctype}
    )
    assert status == expected and headers["content-type"] == "application/problem+json", answer
    assert door.packer is not None and door.packer.stats.flushes == 0
    assert log_backlog(stream_cfg) == 0 and not Position.objects.exists()


def test_a_nan_or_nul_in_a_known_devices_report_is_refused_like_the_view(
    world: Any, stream_cfg: LogConfig
) -> None:
    t = make_tracked(world)
    door = TelemetryDoor(_django_stub, stream_cfg)
    for change in ({"lat": "NaN"}, {"lon": "inf"}, {"hdop": "a\x00b"}):
        query = urlencode(osmand(t, **change))
        status, _, answer = call(door, "GET", "/api/telemetry/osmand", query)
        expected = Client().get(f"/api/telemetry/osmand?{query}")
        assert status == expected.status_code == 400
        assert json.loads(answer) == expected.json()
    assert door.packer is not None and door.packer.stats.flushes == 0
    assert log_backlog(stream_cfg) == 0 and not Position.objects.exists()
