"""The ingest pipeline through the HTTP batch endpoint: idempotency, rejection, ordering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from atd.alerts.models import Alert
from atd.core import clock
from atd.telemetry.models import DeadLetter, LastPosition, Position
from atd.telemetry.tests.conftest import HOME, Tracked

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def post(client: Client, t: Tracked, records: list[dict[str, Any]], **headers: str) -> Any:
    return client.post(
        "/api/telemetry",
        data=json.dumps(records),
        content_type="application/json",
        headers={"X-Device-Serial": t.serial, "X-Device-Key": t.secret, **headers},
    )


def fixes(n: int, start: datetime = NOW, step: int = 60, lat: float = HOME[0]) -> list[dict]:
    return [
        {
            "seq": i,
            "time": (start - timedelta(seconds=step * (n - i))).isoformat(),
            "lat": lat + i * 1e-5,
            "lon": HOME[1],
            "accuracy": 10,
            "battery": 90,
        }
        for i in range(n)
    ]


@pytest.fixture
def frozen() -> Any:
    with clock.frozen_at(NOW):
        yield


def test_batch_is_stored_and_last_position_updated(tracked: Tracked, frozen: Any) -> None:
    response = post(Client(), tracked, fixes(20))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 20
    assert Position.objects.filter(device_id=tracked.device_id).count() == 20
    last = LastPosition.objects.get(participant_id=tracked.participant_id)
    assert last.fix_time == NOW - timedelta(seconds=60)


def test_replaying_every_batch_three_times_leaves_the_same_rows(
    tracked: Tracked, frozen: Any
) -> None:
    batches = [fixes(10, start=NOW - timedelta(hours=h)) for h in (3, 2, 1)]
    client = Client()
    for b in batches:
        post(client, tracked, b)
    before = sorted(Position.objects.values_list("device_id", "fix_time", "lat"))
    for _ in range(3):
        for b in batches:
            body = post(client, tracked, b).json()
            assert body["accepted"] == 0 and body["duplicates"] == 10
    after = sorted(Position.objects.values_list("device_id", "fix_time", "lat"))
    assert before == after and len(after) == 30


def test_a_batch_partly_stored_before_stores_only_its_new_records_whole(
    tracked: Tracked, frozen: Any
) -> None:
    batch = fixes(10)
    for i, record in enumerate(batch):
        record.update(speed=1.5 + i, bearing=10.0 * i, altitude=180.0)
    client = Client()
    assert post(client, tracked, batch[::2]).json()["accepted"] == 5
    body = post(client, tracked, batch).json()
    assert body["accepted"] == 5 and body["duplicates"] == 5
    stored = {
        p.seq: p for p in Position.objects.filter(device_id=tracked.device_id).order_by("fix_time")
    }
    assert set(stored) == set(range(10))
    for i, record in enumerate(batch):
        p = stored[i]
        assert p.fix_time == datetime.fromisoformat(record["time"])
        assert (p.lat, p.speed_mps, p.bearing, p.battery) == (record["lat"], 1.5 + i, 10.0 * i, 90)


def test_bad_records_are_rejected_one_by_one_and_kept_as_dead_letters(
    tracked: Tracked, frozen: Any
) -> None:
    good: list[Any] = fixes(3)
    bad: list[Any] = [
        {"time": NOW.isoformat(), "lat": 95.0, "lon": 0},
        {"time": NOW.isoformat(), "lat": "NaN", "lon": 0},
        {"time": (NOW + timedelta(days=2)).isoformat(), "lat": 1, "lon": 1},
        {"device": "NO-SUCH", "key": "x", "time": NOW.isoformat(), "lat": 1, "lon": 1},
        "not an object",
    ]
    body = post(Client(), tracked, good + bad).json()
    assert body["accepted"] == 3
    reasons = sorted(r["reason"] for r in body["rejected"])
    # An unknown device is answered as a wrong key (serials cannot be enumerated); the dead
    # letter keeps the exact reason.
    assert reasons == sorted(
        ["bad_coordinates", "bad_coordinates", "future_time", "bad_credential", "malformed"]
    )
    assert DeadLetter.objects.filter(reason="unknown_device").count() == 1
    assert DeadLetter.objects.count() == 5
    assert not DeadLetter.objects.filter(payload__has_key="key").exists()


def test_wrong_device_key_is_refused_and_the_payload_kept(tracked: Tracked, frozen: Any) -> None:
    response = post(Client(), tracked, fixes(2), **{"X-Device-Key": "wrong"})
    assert response.status_code == 401
    assert Position.objects.count() == 0
    assert DeadLetter.objects.get().reason == "bad_credential"


def test_rotating_the_credential_invalidates_the_old_one(
    world: Any, tracked: Tracked, frozen: Any
) -> None:
    from atd.core.scope import Scope
    from atd.devices.services import device_credential_rotate

    admin = world.user("admin")
    new = device_credential_rotate(
        actor=admin, scope=Scope.for_user(admin), device_id=tracked.device_id
    )
    assert post(Client(), tracked, fixes(1)).status_code == 401
    tracked.secret = new
    assert post(Client(), tracked, fixes(1)).json()["accepted"] == 1


def test_ndjson_is_accepted(tracked: Tracked, frozen: Any) -> None:
    body = "\n".join(json.dumps(r) for r in fixes(4))
    response = Client().post(
        "/api/telemetry",
        data=body,
        content_type="application/x-ndjson",
        headers={"X-Device-Serial": tracked.serial, "X-Device-Key": tracked.secret},
    )
    assert response.json()["accepted"] == 4


def test_too_many_records_answer_413(tracked: Tracked, frozen: Any, settings: Any) -> None:
    settings.ATD_TELEMETRY_MAX_BATCH = 5
    response = post(Client(), tracked, fixes(6))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


def test_undecodable_body_is_a_problem_and_a_dead_letter(tracked: Tracked) -> None:
    response = Client().post(
        "/api/telemetry",
        data="{nope",
        content_type="application/json",
        headers={"X-Device-Serial": tracked.serial, "X-Device-Key": tracked.secret},
    )
    assert response.status_code == 422
    assert DeadLetter.objects.get().reason == "malformed"


def test_unassigned_device_is_rejected(world: Any, frozen: Any) -> None:
    from atd.devices.services import device_register

    device, secret = device_register(
        actor=world.user("admin"), serial="FREE-1", kind="wrist", office_id=world.office_a.pk
    )
    body = post(Client(), Tracked(0, device.pk, device.serial, secret), fixes(1)).json()
    assert body["rejected"][0]["reason"] == "unassigned_device"


def test_late_buffer_upload_is_accepted_and_does_not_move_last_position_back(
    tracked: Tracked, frozen: Any
) -> None:
    client = Client()
    post(client, tracked, fixes(2))
    # 72 hours of buffer from a device that was offline, sent out of order
    late = fixes(50, start=NOW - timedelta(hours=1), step=5000)
    late.reverse()
    body = post(client, tracked, late).json()
    assert body["accepted"] == 50
    assert LastPosition.objects.get(
        participant_id=tracked.participant_id
    ).fix_time == NOW - timedelta(seconds=60)


def test_gateway_key_may_send_for_many_devices(world: Any, tracked: Tracked, frozen: Any) -> None:
    from atd.core.apikeys import api_key_issue
    from atd.telemetry.tests.conftest import make_tracked

    other = make_tracked(world, "specialist_a", kind="wrist")
    _, plain = api_key_issue(actor=None, name="gateway", scopes=["telemetry"])
    records = [dict(r, device=tracked.serial) for r in fixes(2)] + [
        dict(r, device=other.serial) for r in fixes(3)
    ]
    response = Client().post(
        "/api/telemetry",
        data=json.dumps(records),
        content_type="application/json",
        headers={"X-API-Key": plain},
    )
    assert response.json()["accepted"] == 5


def test_dead_letter_replay_accepts_records_of_a_device_registered_since(
    world: Any, frozen: Any
) -> None:
    from atd.telemetry.services import dead_letter_replay
    from atd.telemetry.tests.conftest import make_tracked

    admin = world.user("admin")
    from atd.core.apikeys import api_key_issue

    _, plain = api_key_issue(actor=None, name="gateway", scopes=["telemetry"])
    record = dict(fixes(1)[0], device="T-LATER")
    Client().post(
        "/api/telemetry",
        data=json.dumps([record]),
        content_type="application/json",
        headers={"X-API-Key": plain},
    )
    letter = DeadLetter.objects.get(reason="unknown_device")
    t = make_tracked(world)
    from atd.devices.models import Device

    Device.objects.filter(pk=t.device_id).update(serial="T-LATER")
    result = dead_letter_replay(actor=admin, dead_letter_ids=[letter.pk])
    assert result.accepted == 1
    letter.refresh_from_db()
    assert letter.replay_outcome == "accepted" and letter.replayed_at is not None


def test_alerts_commit_with_the_events_that_raised_them(tracked: Tracked, frozen: Any) -> None:
    events = [{"event": "strap_open", "time": (NOW - timedelta(minutes=1)).isoformat()}]
    body = post(Client(), tracked, fixes(3) + events).json()
    assert body["alerts"] == 1
    alert = Alert.objects.get(kind="strap_tamper", participant_id=tracked.participant_id)
    assert alert.severity == "critical"
    assert alert.evidence["device"]["device_id"] == tracked.device_id
    assert len(alert.evidence["positions"]) == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_device_take_turns(tracked: Tracked) -> None:
    """Several ingest workers (an MQTT shared subscription spreads messages over them) may get
    batches of one device at once: the second waits on the device's state row until the first
    commits, then starts from what the first wrote (no lost update of the device's state)."""
    import threading
    import time

    from django.db import connection, transaction

    from atd.telemetry.batch import HEALTH_COLUMNS, Submission
    from atd.telemetry.models import DeviceState
    from atd.telemetry.pipeline import pipeline_run
    from atd.telemetry.store import rows_by_key

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    now = clock.now().replace(microsecond=0)
    first, second = fixes(3, start=now - timedelta(minutes=10)), fixes(3, start=now)
    for i, record in enumerate(second):
        record["seq"] = 100 + i

    def run(records: list[dict[str, Any]]) -> None:
        pipeline_run(
            submissions=[Submission(records, serial=tracked.serial, secret=tracked.secret)],
            via="http",
        )

    run(first)  # the device now has a state row
    locked, moments = threading.Event(), {}

    def worker_a() -> None:  # holds the row as a pipeline transaction does after its load
        try:
            with transaction.atomic():
                rows_by_key(
                    DeviceState, HEALTH_COLUMNS, "device_id", {tracked.device_id}, for_update=True
                )
                locked.set()
                time.sleep(0.8)
                moments["a_commit"] = time.monotonic()
        finally:
            connection.close()

    def worker_b() -> None:
        try:
            locked.wait(10)
            run(second)
            moments["b_done"] = time.monotonic()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert moments["b_done"] >= moments["a_commit"]  # B waited for A's commit
    state = DeviceState.objects.get(device_id=tracked.device_id)
    assert state.last_fix_time == datetime.fromisoformat(second[-1]["time"])
    assert Position.objects.filter(device_id=tracked.device_id).count() == 6
