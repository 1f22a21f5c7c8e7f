"""Phone tracking with a standard tracker app: the officer enrols the participant's phone from
the participant page, the set-up QR decodes to Traccar Client's configuration link, and the
app's own reports (OsmAnd GET, the JSON body of newer versions) are stored and feed device
health. The identifier is the credential and travels in no URL the console makes."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from django.test import Client
from PIL import Image

from atd.core import clock
from atd.core.log_filters import query_credentials_redacted
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.devices.models import Device
from atd.devices.rules import (
    credential_accepted,
    credential_hash,
    phone_identifier,
    phone_report_interval_s,
    tracker_setup,
)
from atd.supervision.services import plan_set
from atd.telemetry.models import DeviceState, Position

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
OSMAND = "/api/telemetry/osmand"


# --- rules (no database) ------------------------------------------------------------------------


def test_a_phone_identifier_is_128_random_bits_in_lower_case_base32() -> None:
    ident = phone_identifier(bytes(range(16)))
    assert re.fullmatch(r"ph-[a-z2-7]{26}", ident)
    assert phone_identifier(bytes(16)) != phone_identifier(b"\x01" + bytes(15))
    with pytest.raises(ValueError):
        phone_identifier(b"short")


def test_the_setup_link_is_traccar_clients_own_configuration_link() -> None:
    setup = tracker_setup(
        server_url="https://atd.example.org/api/telemetry/osmand",
        identifier="ph-abc",
        interval_s=300,
    )
    parts = urlsplit(setup.link)
    # Custom scheme, any host but `action` (Traccar Client 10.1.0 main.dart / applyUri).
    assert parts.scheme == "org.traccar.client" and parts.netloc == "setup"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "url": "https://atd.example.org/api/telemetry/osmand",
        "id": "ph-abc",
        "interval": "300",
        "heartbeat": "300",
        "accuracy": "high",
        "buffer": "true",
    }
    assert tracker_setup(server_url="u", identifier="i", interval_s=0).interval_s == 1


def test_the_plan_sets_the_reporting_interval() -> None:
    assert phone_report_interval_s("smartphone") == 300
    assert phone_report_interval_s("gps_ankle") == 900
    assert phone_report_interval_s("") == 900


def test_an_identifier_mode_device_needs_no_key_but_a_wrong_key_is_refused() -> None:
    stored = credential_hash("ph-abc")
    assert credential_accepted(mode="identifier", secret=None, stored_hash=stored)
    assert credential_accepted(mode="identifier", secret="ph-abc", stored_hash=stored)
    assert not credential_accepted(mode="identifier", secret="wrong", stored_hash=stored)
    assert not credential_accepted(mode="key", secret=None, stored_hash=stored)


def test_the_access_log_never_shows_a_query_credential() -> None:
    line = query_credentials_redacted(f"{OSMAND}?id=ph-secret&lat=1&key=k&timestamp=2")
    assert "ph-secret" not in line and "=k&" not in line and "lat=1" in line


# --- the console and the door -------------------------------------------------------------------


@pytest.fixture
def frozen() -> Any:
    with clock.frozen_at(NOW):
        yield


def _smartphone_plan(world: Any) -> int:
    pid = world.participants["officer_a"].pk
    plan_set(
        actor=world.user("case_officer"),
        scope=Scope.for_user(world.user("admin")),
        participant_id=pid,
        technology="smartphone",
        cadence_days=7,
        checkin_mode="remote",
        start_date=date(2026, 1, 5),
        reason="step-down",
    )
    return pid


def _scan(page: str) -> str:
    """The set-up page's QR, decoded from its PNG as a phone's scanner would."""
    found = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert found, "no inline QR image on the page"
    image = Image.open(io.BytesIO(base64.b64decode(found.group(1))))
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    return codes[0].text


def _enrol(client: Any, pid: int) -> tuple[str, dict[str, str], Any]:
    response = client.post(
        "/devices/phone/enrol/", {"participant_id": pid, "next": f"/participants/{pid}/"}
    )
    assert response.status_code == 302
    page_url = response["Location"]
    page = client.get(page_url)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    link = _scan(page.content.decode())
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    return page_url, query, page


def _as_traccar_client(query: dict[str, str], at: datetime, **extra: str) -> Any:
    """One report as Traccar Client (and OsmAnd) sends it: a GET to the configured URL with
    the configured id; the app cannot add a header or a key."""
    url = urlsplit(query["url"])
    params = {
        "id": query["id"],
        "timestamp": str(int(at.timestamp())),
        "lat": "41.8801",
        "lon": "-87.6301",
        "speed": "0.0",
        "bearing": "0.0",
        "altitude": "180.0",
        "accuracy": "9.5",
        "batt": "64.0",
        **extra,
    }
    return Client().get(url.path, params)


def test_an_officer_enrols_the_phone_and_the_app_reports_with_what_the_qr_gave_it(
    world: Any, client_for: Any, frozen: Any
) -> None:
    pid = _smartphone_plan(world)
    client = client_for("case_officer")
    panel = client.get(f"/participants/{pid}/").content.decode()
    assert (
        "Enrol the participant&#x27;s phone for tracking" in panel
        or "Enrol the participant" in panel
    )
    page_url, query, page = _enrol(client, pid)
    device = Device.objects.get(participant_id=pid, kind="smartphone")
    identifier = device.serial
    # The QR carries the server URL, the identifier and the plan's interval.
    assert query["url"] == "http://testserver/api/telemetry/osmand"
    assert query["id"] == identifier and query["interval"] == "300"
    # The identifier is the credential: it is in no URL the console made, and lists show a stub.
    assert identifier not in page_url
    html = page.content.decode()
    # The steps, in the participant's language (the test world's participant reads Spanish).
    language = world.participants["officer_a"].preferred_language or "en"
    heading = {"es": "Cómo activar el seguimiento", "en": "How to set up tracking"}
    assert 'id="steps-h"' in html and heading.get(language, "") in html
    panel = client.get(f"/participants/{pid}/").content.decode()
    assert identifier not in panel and identifier[:7] + "…" in panel
    assert identifier not in client.get("/devices/").content.decode()
    assert AuditEntry.objects.filter(action="device.phone_enrol").exists()
    assert AuditEntry.objects.filter(action="device.phone_setup_read").exists()

    # The app posts as it would: no key, no header; the fix is stored and feeds device health.
    response = _as_traccar_client(query, NOW - timedelta(seconds=20), charge="true", motion="true")
    assert response.status_code == 200 and response.content == b"OK"
    fix = Position.objects.get(device=device)
    assert fix.participant_id == pid and fix.accuracy_m == pytest.approx(9.5)
    state = DeviceState.objects.get(device=device)
    assert (state.battery, state.charging, state.accuracy_m, state.moving) == (64, True, 9.5, True)
    # The next report has no `charge` (Traccar Client omits it when not charging).
    _as_traccar_client(query, NOW - timedelta(seconds=10), motion="false", accuracy="30")
    state.refresh_from_db()
    assert (state.charging, state.accuracy_m, state.moving) == (False, 30.0, False)
    shown = client.get(f"/participants/{pid}/").content.decode()
    assert "64 %" in shown and "not charging" in shown and "±30 m" in shown and "still" in shown


def test_the_json_body_of_newer_traccar_client_versions_is_accepted_without_a_key(
    world: Any, client_for: Any, frozen: Any
) -> None:
    pid = _smartphone_plan(world)
    _, query, _ = _enrol(client_for("case_officer"), pid)
    body = {
        "device_id": query["id"],
        "location": {
            "timestamp": (NOW - timedelta(seconds=5)).isoformat(),
            "coords": {"latitude": 41.88, "longitude": -87.63, "accuracy": 7},
            "battery": {"level": 0.5, "is_charging": False},
            "is_moving": True,
        },
    }
    response = Client().post(urlsplit(query["url"]).path, json.dumps(body), "application/json")
    assert response.status_code == 200
    state = DeviceState.objects.get(device__participant_id=pid)
    assert (state.battery, state.charging, state.moving) == (50, False, True)


def test_tracking_has_no_seven_day_limit(world: Any, client_for: Any) -> None:
    with clock.frozen_at(NOW):
        pid = _smartphone_plan(world)
        _, query, _ = _enrol(client_for("case_officer"), pid)
    later = NOW + timedelta(days=60)
    with clock.frozen_at(later):
        assert _as_traccar_client(query, later - timedelta(seconds=5)).status_code == 200
    assert Position.objects.filter(device__participant_id=pid).count() == 1


def test_re_enrolling_issues_a_new_identifier_and_the_old_one_stops_working(
    world: Any, client_for: Any, frozen: Any
) -> None:
    pid = _smartphone_plan(world)
    client = client_for("case_officer")
    _, first, _ = _enrol(client, pid)
    _, second, _ = _enrol(client, pid)
    assert first["id"] != second["id"]
    assert Device.objects.filter(participant_id=pid, kind="smartphone").count() == 1
    assert _as_traccar_client(first, NOW - timedelta(seconds=5)).status_code == 401
    assert _as_traccar_client(second, NOW - timedelta(seconds=5)).status_code == 200
    # A wrong key sent beside a right identifier is refused, never waved through.
    assert _as_traccar_client(second, NOW - timedelta(seconds=4), key="guess").status_code == 401
    assert AuditEntry.objects.filter(action="device.phone_reenrol").exists()


def test_a_returned_phone_is_refused(world: Any, client_for: Any, frozen: Any) -> None:
    pid = _smartphone_plan(world)
    client = client_for("case_officer")
    _, query, _ = _enrol(client, pid)
    device = Device.objects.get(participant_id=pid, kind="smartphone")
    client.post(f"/devices/{device.pk}/return/", {"condition": "ok", "reason": "plan ended"})
    response = _as_traccar_client(query, NOW - timedelta(seconds=5))
    assert response.status_code == 400 and b"unassigned" in response.content
    assert client.get(f"/devices/{device.pk}/phone-setup/").status_code == 404


def test_enrolment_is_refused_outside_scope_and_for_hostile_input(
    world: Any, client_for: Any, frozen: Any
) -> None:
    officer = client_for("case_officer")
    other = world.participants["specialist_a"].pk  # another officer's case
    assert officer.post("/devices/phone/enrol/", {"participant_id": other}).status_code == 404
    assert officer.post("/devices/phone/enrol/", {"participant_id": "x\x00"}).status_code in {
        400,
        404,
    }
    assert officer.post("/devices/phone/enrol/", {"participant_id": "9" * 40}).status_code in {
        400,
        404,
    }
    assert officer.post("/devices/phone/enrol/", {}).status_code == 404
    assert officer.get("/devices/phone/enrol/").status_code == 405
    assert (
        client_for("auditor").post("/devices/phone/enrol/", {"participant_id": other}).status_code
        == 403
    )
    assert not Device.objects.filter(kind="smartphone").exists()
    # A key-mode device has no tracker set-up page; nor does a device out of scope.
    pid = _smartphone_plan(world)
    _enrol(officer, pid)
    phone = Device.objects.get(participant_id=pid)
    assert (
        client_for("contractor_specialist").get(f"/devices/{phone.pk}/phone-setup/").status_code
        == 404
    )
    assert officer.get("/devices/999999999/phone-setup/").status_code == 404


def test_rotating_a_phones_credential_gives_it_a_new_identifier(
    world: Any, client_for: Any, frozen: Any
) -> None:
    from atd.devices.services import device_credential_rotate

    pid = _smartphone_plan(world)
    _, query, _ = _enrol(client_for("case_officer"), pid)
    device = Device.objects.get(participant_id=pid, kind="smartphone")
    new = device_credential_rotate(
        actor=None, scope=Scope.for_user(world.user("admin")), device_id=device.pk
    )
    device.refresh_from_db()
    assert new != query["id"] and device.serial == new
    assert _as_traccar_client(query, NOW - timedelta(seconds=5)).status_code == 401
    assert _as_traccar_client({**query, "id": new}, NOW - timedelta(seconds=5)).status_code == 200
