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


def call(
    app: Any,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
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

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    out_headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return start["status"], out_headers, b"".join(m.get("body", b"") for m in sent[1:])


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
