"""Poison messages at the MQTT door (issue 16): the worker outlives any payload, refuses bad
records one by one, and parks a message that keeps failing instead of taking it forever."""

from __future__ import annotations

import itertools
import json
import logging
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from atd.core import clock
from atd.telemetry import mqtt as mqtt_door
from atd.telemetry.models import DeadLetter, MessageAttempt, Position
from atd.telemetry.mqtt import IngestWorker, message_decode, topic_for
from atd.telemetry.tests.conftest import HOME, Tracked

_mids = itertools.count(1)


@pytest.fixture(autouse=True)
def in_test_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """`process` closes stale connections first (a long-lived worker's habit); inside a
    test's transaction that would close the test's own connection."""
    monkeypatch.setattr(mqtt_door, "close_old_connections", lambda: None)


class FakeBrokerClient:
    """Stands in for paho's client in `IngestWorker.process`: records acknowledgements."""

    def __init__(self) -> None:
        self.acked: list[int] = []

    def ack(self, mid: int, qos: int) -> None:
        self.acked.append(mid)


def message(topic: str, payload: bytes, *, dup: bool = False) -> mqtt.MQTTMessage:
    out = mqtt.MQTTMessage(next(_mids), topic.encode())
    out.payload, out.qos, out.dup = payload, 1, dup
    return out


def worker(max_attempts: int = 3) -> tuple[IngestWorker, FakeBrokerClient]:
    w = IngestWorker(client_id="atd-test-poison", group="tpoison", max_attempts=max_attempts)
    fake = FakeBrokerClient()
    w.client = fake  # type: ignore[assignment]
    return w, fake


def records(n: int, start: int = 0) -> list[dict[str, Any]]:
    now = clock.now()
    return [
        {
            "seq": start + i,
            "time": (now - timedelta(seconds=5 * (start + i + 1))).isoformat(),
            "lat": HOME[0],
            "lon": HOME[1] + i * 1e-5,
        }
        for i in range(n)
    ]


def valid(t: Tracked, n: int = 3, start: int = 0) -> mqtt.MQTTMessage:
    body = {"key": t.secret, "records": records(n, start)}
    return message(topic_for(t.serial), json.dumps(body).encode())


def stored(t: Tracked) -> set[int | None]:
    return set(Position.objects.filter(device_id=t.device_id).values_list("seq", flat=True))


def test_nested_payload_is_dead_lettered_and_the_worker_goes_on(tracked: Tracked) -> None:
    w, broker = worker()
    batch = [valid(tracked, 3), message(topic_for(tracked.serial), b"[" * 200_000)]
    w.process(batch)
    assert stored(tracked) == {0, 1, 2}
    assert sorted(broker.acked) == sorted(m.mid for m in batch)
    letter = DeadLetter.objects.get()
    assert letter.reason == "too_deep" and letter.device_serial == tracked.serial


def test_a_nan_record_is_refused_alone_and_the_rest_of_the_message_stored(
    tracked: Tracked,
) -> None:
    w, broker = worker()
    body = json.dumps({"key": tracked.secret, "records": records(15)})[:-2]
    body += f', {{"time": "{clock.now().isoformat()}", "lat": NaN, "lon": 1}}]}}'
    poison = message(topic_for(tracked.serial), body.encode())
    w.process([poison])
    assert stored(tracked) == set(range(15))
    assert DeadLetter.objects.get().reason == "bad_coordinates"
    assert broker.acked == [poison.mid]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe", "malformed"),
        (b"42", "malformed"),
        (b"nul\x00", "malformed"),
        (b"\x00" * 5, "malformed"),
        (b"[" * 2000 + b"]" * 2000, "too_deep"),
    ],
)
def test_an_unreadable_payload_is_a_dead_letter_with_its_raw_bytes(
    tracked: Tracked, payload: bytes, reason: str
) -> None:
    w, broker = worker()
    bad = message(topic_for(tracked.serial), payload)
    w.process([bad, valid(tracked, 2)])
    assert stored(tracked) == {0, 1} and len(broker.acked) == 2
    letter = DeadLetter.objects.get()
    kept: Any = letter.payload
    assert letter.reason == reason and set(kept) & {"raw", "raw_base64"}, kept


@pytest.mark.parametrize(
    "payload", [b'{"records": 7}', b"[" * 600 + b"]" * 600, b"[1, null]", b'{"lat": [1]}']
)
def test_a_readable_payload_of_bad_records_is_refused_record_by_record(
    tracked: Tracked, payload: bytes
) -> None:
    w, broker = worker()
    w.process([message(topic_for(tracked.serial), payload), valid(tracked, 2)])
    assert stored(tracked) == {0, 1} and len(broker.acked) == 2
    assert DeadLetter.objects.exists()
    assert all(r for r in DeadLetter.objects.values_list("reason", flat=True))


def test_a_message_that_keeps_failing_is_parked_and_acknowledged(
    tracked: Tracked, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = mqtt_door.pipeline_run
    calls: list[int] = []

    def flaky(*, submissions: Any, via: str) -> Any:
        calls.append(len(submissions))
        if any(s.records and s.records[0].get("seq") == 99 for s in submissions):
            raise RuntimeError("a bug this payload triggers")
        return real(submissions=submissions, via=via)

    monkeypatch.setattr(mqtt_door, "pipeline_run", flaky)
    w, broker = worker(max_attempts=3)
    poison, good = valid(tracked, 1, start=99), valid(tracked, 2)
    w.process([poison, good])
    assert stored(tracked) == {0, 1}
    letter = DeadLetter.objects.get()
    assert letter.reason == "parked" and "3 attempt" in letter.detail
    kept: Any = letter.payload
    assert kept["records"][0]["seq"] == 99
    assert "key" not in kept  # the device secret is not kept
    assert sorted(broker.acked) == sorted([poison.mid, good.mid])
    assert w.stats.parked == 1


class WorkerKilled(BaseException):
    """What a crash (segfault, OOM kill) does to `process`: nothing after it runs."""


def test_a_message_that_kills_the_worker_is_parked_when_it_comes_back(
    tracked: Tracked, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(**_: Any) -> Any:
        raise WorkerKilled

    monkeypatch.setattr(mqtt_door, "pipeline_run", crash)
    poison = valid(tracked, 1, start=7)
    # First delivery, then two redeliveries (DUP set) each kill the worker before any ack.
    for dup in (False, True, True):
        w, broker = worker(max_attempts=3)
        with pytest.raises(WorkerKilled):
            w.process([message(poison.topic, poison.payload, dup=dup)])
        assert broker.acked == []
    assert MessageAttempt.objects.get().attempts == 2
    # The third redelivery reaches the limit: parked and acknowledged without being processed.
    w, broker = worker(max_attempts=3)
    again = message(poison.topic, poison.payload, dup=True)
    w.process([again])
    assert broker.acked == [again.mid]
    assert DeadLetter.objects.get().reason == "parked"
    assert not MessageAttempt.objects.exists()


def test_a_redelivered_message_that_succeeds_clears_its_count(tracked: Tracked) -> None:
    w, broker = worker()
    m = valid(tracked, 2)
    w.process([message(m.topic, m.payload, dup=True)])
    assert stored(tracked) == {0, 1} and not MessageAttempt.objects.exists()


def test_a_database_outage_leaves_the_batch_unacknowledged(
    tracked: Tracked, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    def down(**_: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(mqtt_door, "pipeline_run", down)
    w, broker = worker()
    with pytest.raises(OperationalError):
        w.process([valid(tracked, 1)])
    assert broker.acked == [] and not DeadLetter.objects.exists()


def test_a_key_that_is_not_text_matches_no_device() -> None:
    topic = topic_for("D-1")
    for key in ([1], {"a": 1}, 5, "a\u0000"):
        sub = message_decode(topic, json.dumps({"key": key, "lat": 1}).encode())
        assert sub.secret is None and sub.serial == "D-1"


def test_disconnects_are_logged_with_their_reason_code(caplog: pytest.LogCaptureFixture) -> None:
    w, _ = worker()
    with caplog.at_level(logging.WARNING, logger="atd.telemetry.mqtt"):
        w._on_disconnect(None, None, None, ReasonCode(PacketTypes.DISCONNECT, identifier=142), None)
    assert "Session taken over" in caplog.text and "142" in caplog.text
    assert w.stats.reconnects == 1


def test_the_demo_broker_identity_is_unique_per_checkout(settings: Any) -> None:
    from atd.telemetry.demo import demo_broker_identity_args, demo_topic_root

    settings.ATD_CHECKOUT_ID = "aaaa1111"
    first = demo_broker_identity_args()
    settings.ATD_CHECKOUT_ID = "bbbb2222"
    second = demo_broker_identity_args()
    for flag in ("--client-id", "--group", "--topic-root"):
        a, b = first[first.index(flag) + 1], second[second.index(flag) + 1]
        assert a != b and "bbbb2222" in b
    assert demo_topic_root() == "atd-demo-bbbb2222/devices"
