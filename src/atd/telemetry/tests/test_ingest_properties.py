"""Property tests per door (issue 16): generated hostile payloads mixed with valid ones. After
each: no 5xx, every valid record stored exactly once, every bad one dead-lettered with a
reason, and (MQTT) the worker still alive and ingesting."""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Count
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atd.core import clock
from atd.telemetry.models import DeadLetter, Position
from atd.telemetry.tests.conftest import Tracked
from atd.telemetry.tests.hostile import (
    BAD_TEXT,
    WHOLE_PAYLOADS,
    hostile_record,
    json_body,
    next_tick,
    valid_record,
)

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("ATD_PROPERTY_EXAMPLES", "30"))
FIXTURES_OK = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(NOW):
        yield


def stored_once(device_id: int, seqs: set[int]) -> bool:
    """Every one of `seqs` is stored, none twice."""
    rows = (
        Position.objects.filter(device_id=device_id, seq__in=seqs)
        .values("seq")
        .annotate(n=Count("id"))
    )
    return {r["seq"]: r["n"] for r in rows} == dict.fromkeys(seqs, 1)


# --- HTTP batch ---------------------------------------------------------------------------


@FIXTURES_OK
@given(data=st.data())
def test_http_batch_stores_every_valid_record_once_and_dead_letters_every_bad_one(
    tracked: Tracked, data: st.DataObject
) -> None:
    kinds = data.draw(st.lists(st.booleans(), min_size=1, max_size=25), label="valid?")
    records: list[Any] = []
    valid: set[int] = set()
    bad: set[int] = set()
    for i, ok in enumerate(kinds):
        if ok:
            seq = next_tick()
            records.append(valid_record(NOW, seq))
            valid.add(seq)
        else:
            records.append(data.draw(hostile_record(NOW), label=f"hostile {i}"))
            bad.add(i)
    letters = DeadLetter.objects.count()
    response = Client().post(
        "/api/telemetry",
        data=json_body(records),
        content_type="application/json",
        headers={"X-Device-Serial": tracked.serial, "X-Device-Key": tracked.secret},
    )
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["accepted"] == len(valid)
    assert {r["index"] for r in body["rejected"]} == bad
    assert all(r["reason"] for r in body["rejected"])
    assert stored_once(tracked.device_id, valid)
    new_letters = DeadLetter.objects.order_by("-pk")[: len(bad)]
    assert DeadLetter.objects.count() - letters == len(bad)
    assert all(letter.reason for letter in new_letters)


@FIXTURES_OK
@given(
    body=st.one_of(
        st.sampled_from(WHOLE_PAYLOADS),
        st.binary(max_size=300),
        st.lists(
            st.sampled_from(["[", "]", "{", "}", '"a":', "NaN", "1e999", '"\\u0000"', ",", "0"]),
            max_size=40,
        ).map(lambda parts: "".join(parts).encode()),
    ),
    ndjson=st.booleans(),
)
def test_http_any_body_gets_an_answer_below_500_and_ingest_goes_on(
    tracked: Tracked, body: bytes, ndjson: bool
) -> None:
    headers = {"X-Device-Serial": tracked.serial, "X-Device-Key": tracked.secret}
    kind = "application/x-ndjson" if ndjson else "application/json"
    response = Client().post("/api/telemetry", data=body, content_type=kind, headers=headers)
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
    seq = next_tick()
    after = Client().post(
        "/api/telemetry",
        data=json.dumps([valid_record(NOW, seq)]),
        content_type="application/json",
        headers=headers,
    )
    assert after.status_code == 200 and stored_once(tracked.device_id, {seq})


# --- OsmAnd -------------------------------------------------------------------------------


def _osmand_hostile(tracked: Tracked) -> st.SearchStrategy[dict[str, str]]:
    """One parameter of an otherwise valid report broken for certain."""
    bad_number = st.sampled_from(["", "nan", "inf", "-1e999", "north", "91", "1e400", "0x1F"])
    bad_time = st.sampled_from(["nope", "²", "9" * 30, "2026-13-01", str(10**20)])
    text = st.text(max_size=5)
    return st.one_of(
        bad_number.map(lambda v: {"lat": v}),
        bad_number.map(lambda v: {"lon": v if v != "91" else "181"}),
        bad_time.map(lambda v: {"timestamp": v}),
        st.sampled_from(["nan", "101", "-5"]).map(lambda v: {"batt": v}),
        st.sampled_from(["nan", "-3"]).map(lambda v: {"speed": v}),
        st.tuples(text, BAD_TEXT.filter(lambda b: "\x00" in b)).map(
            lambda p: {"hdop": p[0] + "\x00"}
        ),
        st.tuples(text, st.sampled_from(["id", "key", "lat", "timestamp"])).map(
            lambda p: {p[1]: p[0] + "\x00"}
        ),
        st.just({"key": "wrong"}),
        st.just({"id": "NO-SUCH-DEVICE"}),
    )


@FIXTURES_OK
@given(data=st.data())
def test_osmand_reports_valid_stored_once_bad_refused_with_a_reason(
    tracked: Tracked, data: st.DataObject
) -> None:
    kinds = data.draw(st.lists(st.booleans(), min_size=1, max_size=6), label="valid?")
    client = Client()
    for ok in kinds:
        seq = next_tick()
        params = {
            "id": tracked.serial,
            "key": tracked.secret,
            "lat": "41.88",
            "lon": "-87.63",
            "timestamp": str(int((NOW - timedelta(seconds=seq)).timestamp())),
        }
        if not ok:
            params.update(data.draw(_osmand_hostile(tracked), label="hostile"))
        post = data.draw(st.booleans(), label="POST?")
        letters = DeadLetter.objects.count()
        rows = Position.objects.filter(device_id=tracked.device_id).count()
        send = client.post if post else client.get
        response = send("/api/telemetry/osmand", params)
        assert response.status_code < 500, response.content
        if ok:
            assert response.status_code == 200, response.content
            assert Position.objects.filter(device_id=tracked.device_id).count() == rows + 1
            assert DeadLetter.objects.count() == letters
        else:
            assert 400 <= response.status_code < 500, (params, response.content)
            assert Position.objects.filter(device_id=tracked.device_id).count() == rows
            assert DeadLetter.objects.count() == letters + 1
            assert DeadLetter.objects.order_by("-pk").first().reason  # type: ignore[union-attr]


# --- MQTT against the real broker ---------------------------------------------------------


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_mqtt_worker_outlives_hostile_messages_and_stores_valid_ones_once(world: Any) -> None:
    from atd.telemetry.mqtt import IngestWorker, session_forget
    from atd.telemetry.tests.conftest import make_tracked
    from atd.testing.services import require_mqtt

    require_mqtt()
    tracked = make_tracked(world)
    root = f"atd-test-{uuid.uuid4().hex[:8]}/devices"  # no other publisher reaches us
    client_id = f"atd-test-{uuid.uuid4().hex[:8]}"

    @settings(max_examples=max(3, EXAMPLES // 5), deadline=None)
    @given(data=st.data())
    def one_run(data: st.DataObject) -> None:
        messages: list[bytes] = []
        valid: set[int] = set()
        expected_letters = 0
        for _ in range(data.draw(st.integers(1, 6), label="messages")):
            shape = data.draw(st.sampled_from(["valid", "mixed", "whole"]), label="shape")
            if shape == "whole":
                messages.append(data.draw(st.sampled_from(WHOLE_PAYLOADS), label="payload"))
                expected_letters += 1
                continue
            records: list[Any] = []
            for ok in data.draw(st.lists(st.booleans(), min_size=1, max_size=8), label="mix"):
                if ok or shape == "valid":
                    seq = next_tick()
                    records.append(valid_record(clock.now(), seq))
                    valid.add(seq)
                else:
                    records.append(data.draw(hostile_record(clock.now()), label="hostile"))
                    expected_letters += 1
            messages.append(
                json.dumps({"key": tracked.secret, "records": records}, allow_nan=True).encode()
            )
        sentinel = next_tick()  # after every hostile message: the worker must still ingest
        valid.add(sentinel)
        messages.append(
            json.dumps(
                {"key": tracked.secret, "records": [valid_record(clock.now(), sentinel)]}
            ).encode()
        )
        letters = DeadLetter.objects.count()
        errors: list[BaseException] = []
        ready = threading.Event()
        worker = IngestWorker(
            client_id=client_id, group="tprop", batch_size=4, topic_root=root, on_ready=ready.set
        )

        def life() -> None:
            from django.db import connection

            try:
                worker.run(idle_exit_s=2.0)
            except BaseException as exc:  # noqa: BLE001 (the assertion below reports it)
                errors.append(exc)
            finally:
                connection.close()

        thread = threading.Thread(target=life, daemon=True)
        thread.start()
        assert ready.wait(timeout=30), "worker did not subscribe"
        _publish(root, tracked.serial, messages)
        thread.join(timeout=120)
        assert not thread.is_alive() and not errors, errors
        assert stored_once(tracked.device_id, valid)
        new = DeadLetter.objects.count() - letters
        assert new == expected_letters
        assert all(DeadLetter.objects.order_by("-pk").values_list("reason", flat=True)[:new])

    try:
        one_run()
    finally:
        session_forget(client_id)


def _publish(root: str, serial: str, payloads: list[bytes]) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from atd.telemetry.mqtt import topic_for

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    try:
        infos = [client.publish(topic_for(serial, root), p, qos=1) for p in payloads]
        for info in infos:
            info.wait_for_publish(timeout=30)
    finally:
        client.loop_stop()
        client.disconnect()
