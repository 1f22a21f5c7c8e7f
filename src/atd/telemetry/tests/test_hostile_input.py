"""Hostile and careless input at the telemetry doors (issue 16): every record is judged alone,
nothing valid is lost, no 5xx, and the dead-letter store takes anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from atd.core import clock
from atd.core.apikeys import api_key_issue
from atd.telemetry.models import DeadLetter, Position
from atd.telemetry.tests.conftest import HOME, Tracked, make_tracked

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
NESTED = b"[" * 200_000  # 200 KB of nested arrays: a RecursionError in Python's json


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(NOW):
        yield


def fixes(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "seq": start + i,
            "time": (NOW - timedelta(seconds=10 * (start + i + 1))).isoformat(),
            "lat": HOME[0] + i * 1e-5,
            "lon": HOME[1],
            "accuracy": 10,
            "battery": 90,
        }
        for i in range(n)
    ]


def post_raw(t: Tracked, body: bytes | str, content_type: str = "application/json") -> Any:
    return Client().post(
        "/api/telemetry",
        data=body,
        content_type=content_type,
        headers={"X-Device-Serial": t.serial, "X-Device-Key": t.secret},
    )


def payload_of(letter: DeadLetter) -> Any:
    return letter.payload


def stored(t: Tracked) -> int:
    return Position.objects.filter(device_id=t.device_id).count()


# --- HTTP batch: each record judged alone ----------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_five_valid_and_one_non_finite_coordinate_store_the_five(
    tracked: Tracked, literal: str
) -> None:
    records = [json.dumps(r) for r in fixes(5)]
    records.append(f'{{"time": "{NOW.isoformat()}", "lat": {literal}, "lon": -87.63}}')
    response = post_raw(tracked, "[" + ",".join(records) + "]")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 5 and stored(tracked) == 5
    assert [r["reason"] for r in body["rejected"]] == ["bad_coordinates"]
    letter = DeadLetter.objects.get()
    assert letter.reason == "bad_coordinates"
    assert payload_of(letter)["lat"] == repr(float(literal.replace("Infinity", "inf")))


def test_ninety_nine_valid_and_a_nul_in_attributes_store_the_ninety_nine(
    tracked: Tracked,
) -> None:
    records: list[Any] = fixes(99)
    records.append({**fixes(1, start=200)[0], "attributes": {"note": "a\u0000b"}})
    response = post_raw(tracked, json.dumps(records))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 99 and stored(tracked) == 99
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(99, "bad_text")]
    assert payload_of(DeadLetter.objects.get())["attributes"] == {"note": "a\\u0000b"}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"device": "D\u0000X"}, "bad_text"),
        ({"attributes": {"k\u0000": 1}}, "bad_text"),
        ({"attributes": {"deep": [[[[[[[[[[1]]]]]]]]]]}}, "bad_value"),
        ({"seq": 2**70}, "bad_value"),
        ({"attributes": "not an object"}, "bad_value"),
        ({"time": "²"}, "bad_time"),
        ({"time": 10**400}, "bad_time"),
        ({"lat": True}, "bad_coordinates"),
        ({"event": ["strap_open"]}, "unknown_event"),
        ({"key": {"not": "text"}}, "bad_credential"),
    ],
)
def test_a_record_the_database_cannot_store_is_refused_alone(
    tracked: Tracked, bad: dict[str, Any], reason: str
) -> None:
    records: list[Any] = [*fixes(3), {**fixes(1, start=50)[0], **bad}]
    response = post_raw(tracked, json.dumps(records))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 3 and stored(tracked) == 3
    assert [r["reason"] for r in response.json()["rejected"]] == [reason]
    assert DeadLetter.objects.get().reason == reason


def test_non_finite_numbers_in_attributes_are_refused_alone(tracked: Tracked) -> None:
    good = ",".join(json.dumps(r) for r in fixes(2))
    bad = json.dumps(fixes(1, start=7)[0])[:-1] + ', "attributes": {"snr": NaN}}'
    response = post_raw(tracked, f"[{good},{bad}]")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2
    assert [r["reason"] for r in response.json()["rejected"]] == ["bad_value"]
    assert payload_of(DeadLetter.objects.get())["attributes"] == {"snr": "nan"}


def test_a_lone_surrogate_is_refused_alone(tracked: Tracked) -> None:
    body = json.dumps([*fixes(2), {**fixes(1, start=9)[0], "attributes": {"x": "\ud800"}}])
    assert "\\ud800" in body  # the escape orjson refuses and Python's json turns into str
    response = post_raw(tracked, body)
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2
    assert payload_of(DeadLetter.objects.get())["attributes"] == {"x": "\\ud800"}


def test_an_ndjson_line_that_is_not_json_is_refused_alone(tracked: Tracked) -> None:
    lines = [json.dumps(r) for r in fixes(3)]
    lines.insert(1, '{"lat": 1, nope')
    response = post_raw(tracked, "\n".join(lines), "application/x-ndjson")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 3
    assert payload_of(DeadLetter.objects.get()) == {"raw": '{"lat": 1, nope'}


# --- HTTP batch: bounded decoding --------------------------------------------------------------


def test_deeply_nested_body_is_a_problem_not_a_500(tracked: Tracked) -> None:
    response = post_raw(tracked, NESTED)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "too_deep" in response.json()["detail"]
    letter = DeadLetter.objects.get()
    assert letter.reason == "too_deep" and payload_of(letter)["raw_bytes"] == len(NESTED)


def test_nested_nan_body_is_a_problem_not_a_500(tracked: Tracked) -> None:
    response = post_raw(tracked, b"[" * 5000 + b"NaN" + b"]" * 5000)
    assert response.status_code == 422 and "too_deep" in response.json()["detail"]


def test_a_legal_batch_over_djangos_upload_limit_is_accepted(
    tracked: Tracked, settings: Any
) -> None:
    records = fixes(10_000)
    for r in records:
        r["attributes"] = {"hdop": 0.9, "sats": 11, "fw": "1.4.2-build.20260601", "cell": "x" * 80}
    body = json.dumps(records).encode()
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = post_raw(tracked, body)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["accepted"] == 10_000 and stored(tracked) == 10_000


def test_a_body_over_the_telemetry_limit_answers_413(tracked: Tracked, settings: Any) -> None:
    settings.ATD_TELEMETRY_MAX_BODY_BYTES = 4096
    response = post_raw(tracked, json.dumps(fixes(100)))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/body-too-large"
    assert stored(tracked) == 0
    assert DeadLetter.objects.get().reason == "too_large"


def test_a_nul_in_the_serial_header_is_refused_like_an_unknown_device(tracked: Tracked) -> None:
    response = Client().post(
        "/api/telemetry",
        data=json.dumps(fixes(1)),
        content_type="application/json",
        headers={"X-Device-Serial": "T\u0000", "X-Device-Key": "x"},
    )
    assert response.status_code == 401


# --- OsmAnd --------------------------------------------------------------------------------


def osmand_params(t: Tracked, **extra: Any) -> dict[str, Any]:
    return {
        "id": t.serial,
        "key": t.secret,
        "lat": "41.88",
        "lon": "-87.63",
        "timestamp": str(int(NOW.timestamp()) - 30),
        **extra,
    }


@pytest.mark.parametrize("location", ["str", 7, ["a"], {"coords": "x"}, {"battery": [1]}])
def test_osmand_json_with_a_location_that_is_not_an_object_is_a_4xx(
    tracked: Tracked, location: Any
) -> None:
    response = Client().post(
        f"/api/telemetry/osmand?key={tracked.secret}",
        data=json.dumps({"device_id": tracked.serial, "location": location}),
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert DeadLetter.objects.get().reason == "malformed"


@pytest.mark.parametrize("name", ["id", "key", "lat", "timestamp", "hdop", "batt", "alarm"])
def test_a_nul_in_an_osmand_parameter_is_a_4xx(tracked: Tracked, name: str) -> None:
    base = osmand_params(tracked)
    base[name] = f"{base.get(name, 'x')}\u0000"
    for response in (
        Client().get("/api/telemetry/osmand", base),
        Client().post("/api/telemetry/osmand", base),
    ):
        assert 400 <= response.status_code < 500, (name, response.content)
    assert Position.objects.count() == 0
    assert DeadLetter.objects.count() == 2


def test_osmand_answers_an_unknown_device_and_a_wrong_key_identically(
    tracked: Tracked,
) -> None:
    unknown = Client().get("/api/telemetry/osmand", osmand_params(tracked, id="NO-SUCH-1"))
    wrong = Client().get("/api/telemetry/osmand", osmand_params(tracked, key="wrong"))
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.content == wrong.content
    assert sorted(DeadLetter.objects.values_list("reason", flat=True)) == [
        "bad_credential",
        "unknown_device",
    ]


def test_batch_answers_an_unknown_device_and_a_wrong_key_identically(tracked: Tracked) -> None:
    """The request's own device: an unknown serial and a known one with a wrong key get the
    same status and body (the dead letters keep which it was)."""
    answers = [
        Client().post(
            "/api/telemetry",
            data=json.dumps(fixes(1)),
            content_type="application/json",
            headers={"X-Device-Serial": serial, "X-Device-Key": key},
        )
        for serial, key in (("NO-SUCH-7", tracked.secret), (tracked.serial, "wrong"))
    ]
    unknown, wrong = answers
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.content == wrong.content
    assert b"NO-SUCH-7" not in unknown.content
    assert sorted(DeadLetter.objects.values_list("reason", flat=True)) == [
        "bad_credential",
        "bad_credential",
    ]
    assert stored(tracked) == 0


def test_records_of_an_unknown_device_and_of_a_wrong_key_get_one_answer_in_a_batch(
    world: Any, tracked: Tracked
) -> None:
    """Records naming their own device: the per-record answers cannot tell a serial that
    exists from one that does not; the valid record is stored, the dead letters keep the
    exact reasons for the admin."""
    other = make_tracked(world, "specialist_a")
    records: list[Any] = [
        fixes(1)[0],
        {**fixes(1, start=1)[0], "device": "NO-SUCH-9", "key": "x"},
        {**fixes(1, start=2)[0], "device": other.serial, "key": "x"},
        {**fixes(1, start=3)[0], "device": other.serial},  # no key at all
    ]
    response = post_raw(tracked, json.dumps(records))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 1 and stored(tracked) == 1
    answers = [(r["reason"], r["detail"]) for r in body["rejected"]]
    assert [r["index"] for r in body["rejected"]] == [1, 2, 3]
    assert len(set(answers)) == 1, answers
    assert b"NO-SUCH-9" not in response.content
    assert sorted(DeadLetter.objects.values_list("reason", flat=True)) == [
        "bad_credential",
        "bad_credential",
        "unknown_device",
    ]


def test_a_gateway_key_still_hears_which_serial_is_unknown(world: Any, tracked: Tracked) -> None:
    """An integration key sends for any device (records are trusted, no device key): it is
    told the exact reason, as it holds no per-device secret to guess against."""
    admin = world.user("admin")
    _, plain = api_key_issue(actor=admin, name="gateway", scopes=["telemetry"])
    records = [{**fixes(1)[0], "device": "NO-SUCH-3"}]
    response = Client().post(
        "/api/telemetry",
        data=json.dumps(records),
        content_type="application/json",
        headers={"X-API-Key": plain},
    )
    assert response.status_code == 200, response.content
    assert [r["reason"] for r in response.json()["rejected"]] == ["unknown_device"]


def test_osmand_nested_json_body_is_a_4xx(tracked: Tracked) -> None:
    for body, status in ((b"[" * 60_000, 422), (NESTED, 413)):  # 413: over OsmAnd's 64 KiB
        response = Client().post(
            "/api/telemetry/osmand", data=body, content_type="application/json"
        )
        assert response.status_code == status


# --- the dead-letter store takes anything ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        float("nan"),
        {"lat": float("inf"), "x": [float("-inf")]},
        "a\u0000b",
        {"k\u0000": "\udfff"},
        b"\xff\xfe\x00 not utf-8",
        b"plain text",
        2**80,
        json.loads("[" * 400 + "]" * 400),
        {"key": "secret", "lat": 1},
    ],
)
def test_a_dead_letter_insert_never_fails_on_content(payload: Any) -> None:
    from atd.telemetry.services import dead_letter_payload

    letter = dead_letter_payload(via="test", reason="x\u0000", payload=payload, serial="\ud800")
    letter.refresh_from_db()
    json.dumps(payload_of(letter), allow_nan=False)
    assert "\x00" not in json.dumps(payload_of(letter), ensure_ascii=False)
    assert letter.device_serial == "\\ud800"
    if isinstance(payload, dict) and "key" in payload:
        assert "key" not in payload_of(letter)  # secrets are still stripped


@pytest.mark.django_db
def test_bytes_that_are_not_text_are_kept_as_base64() -> None:
    import base64

    from atd.telemetry.services import dead_letter_payload

    raw = b"\xff\x00\x01"
    letter = dead_letter_payload(via="mqtt", reason="malformed", payload=raw)
    letter.refresh_from_db()
    assert base64.b64decode(payload_of(letter)["raw_base64"]) == raw


def test_a_dead_letter_kept_escaped_is_not_replayed(world: Any, tracked: Tracked) -> None:
    from atd.core.errors import Conflict
    from atd.telemetry.services import dead_letter_replay

    records: list[Any] = [{**fixes(1)[0], "attributes": {"note": "a\u0000b"}}]
    post_raw(tracked, json.dumps(records))
    letter = DeadLetter.objects.get(reason="bad_text")
    with pytest.raises(Conflict):
        dead_letter_replay(actor=world.user("admin"), dead_letter_ids=[letter.pk])
    assert stored(tracked) == 0
