"""The console's device pages: inventory in scope, assign / swap / return from the participant
page completing the plan's tasks, receipt of a shipment by typed serials, every action audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.devices import services
from atd.devices.models import Device, DeviceAssignment, ShipmentItem
from atd.devices.views import serials_from_text
from atd.supervision.models import DeviceTask
from atd.supervision.services import plan_set


def _device(world: Any, serial: str, kind: str = "gps_ankle", office: str = "a") -> Device:
    device, _ = services.device_register(
        actor=None,
        serial=serial,
        kind=kind,
        office_id=(world.office_a if office == "a" else world.office_b).pk,
        firmware="2.0.1",
    )
    return device


def _ankle_plan(world: Any, key: str = "officer_a") -> int:
    officer = world.user("case_officer")
    pid = world.participants[key].pk
    plan_set(
        actor=officer,
        scope=Scope.for_user(world.user("admin")),
        participant_id=pid,
        technology="gps_ankle",
        cadence_days=28,
        checkin_mode="in_person",
        start_date=date(2026, 1, 5),
        reason="court order",
    )
    return pid


def test_serials_are_split_on_lines_spaces_and_commas_once_each() -> None:
    assert serials_from_text(" AM-1\r\nAM-2, AM-1;\tAM-3\n\n") == ["AM-1", "AM-2", "AM-3"]
    assert serials_from_text("   \n ,, ") == []
    assert serials_from_text("X" * 100) == ["X" * 64]


def test_an_officer_sees_their_office_inventory_and_not_another(
    world: Any, client_for: Any
) -> None:
    _device(world, "AM-IN-1")
    outside = _device(world, "AM-OUT-1", office="b")
    client = client_for("case_officer")
    page = client.get("/devices/").content.decode()
    assert "AM-IN-1" in page and "AM-OUT-1" not in page
    assert client.get(f"/devices/{outside.pk}/").status_code == 404
    assert client_for("auditor").get("/devices/").status_code == 403
    filtered = client.get("/devices/?status=assigned&kind=bogus&q=%27").status_code
    assert filtered == 200
    # A NUL in any parameter is refused with a clear 400 before the page runs (core.bad_input).
    assert client.get("/devices/?q=%00").status_code == 400


def test_assigning_from_the_participant_page_completes_the_plan_task(
    world: Any, client_for: Any
) -> None:
    pid = _ankle_plan(world)
    task = DeviceTask.objects.get(participant_id=pid, kind="assign")
    assert task.status == "open"
    spare = _device(world, "AM-SPARE-1")
    client = client_for("case_officer")
    before = client.get(f"/participants/{pid}/").content.decode()
    assert "No device assigned" in before and "AM-SPARE-1" in before
    response = client.post(
        "/devices/assign/",
        {"device_id": spare.pk, "participant_id": pid, "next": f"/participants/{pid}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/participants/{pid}/"
    task.refresh_from_db()
    assert task.status == "done"
    after = client.get(f"/participants/{pid}/").content.decode()
    assert "No device assigned" not in after
    assert "GPS ankle monitor AM-SPARE-1" in after and "2.0.1" in after  # health: firmware
    assert AuditEntry.objects.filter(action="device.assign", object_ids__contains=str(spare.pk))


def test_an_officer_cannot_fit_a_device_on_someone_outside_their_caseload(
    world: Any, client_for: Any
) -> None:
    spare = _device(world, "AM-SPARE-2")
    other = world.participants["specialist_a"].pk  # same office, another officer's case
    response = client_for("case_officer").post(
        f"/devices/{spare.pk}/assign/", {"participant_id": other}
    )
    assert response.status_code == 404
    assert not DeviceAssignment.objects.filter(device=spare).exists()
    missing = client_for("case_officer").post(
        f"/devices/{spare.pk}/assign/", {"a_number": "A-000000000"}, follow=True
    )
    assert "no participant in your caseload has that A-number" in missing.content.decode()


def test_assigning_by_a_number_on_the_device_page(world: Any, client_for: Any) -> None:
    spare = _device(world, "AM-SPARE-3")
    a_number = world.participants["officer_a"].a_number
    response = client_for("case_officer").post(
        f"/devices/{spare.pk}/assign/", {"a_number": f"A-{a_number}"}, follow=True
    )
    assert "Device AM-SPARE-3 assigned." in response.content.decode()
    assert Device.objects.get(pk=spare.pk).participant_id == world.participants["officer_a"].pk


def test_a_swap_is_all_or_nothing_and_a_return_frees_the_device(
    world: Any, client_for: Any
) -> None:
    pid = world.participants["officer_a"].pk
    worn = _device(world, "AM-W-1")
    services.device_assign(
        actor=None, scope=Scope.for_user(world.user("admin")), device_id=worn.pk, participant_id=pid
    )
    wrong_kind = _device(world, "WR-1", kind="wrist")
    client = client_for("case_officer")
    # A wrist device cannot replace an ankle monitor... it can (another kind), but the
    # office-B device cannot: the whole swap is refused and the worn device stays on.
    foreign = _device(world, "AM-B-1", office="b")
    refused = client.post(f"/devices/{worn.pk}/swap/", {"new_device_id": foreign.pk})
    assert refused.status_code == 404
    assert Device.objects.get(pk=worn.pk).participant_id == pid
    bad = client.post(f"/devices/{worn.pk}/swap/", {"new_device_id": "x"}, follow=True)
    assert "choose the replacement device" in bad.content.decode()
    replacement = _device(world, "AM-W-2")
    ok = client.post(
        f"/devices/{worn.pk}/swap/", {"new_device_id": replacement.pk, "condition": "damaged"}
    )
    assert ok.status_code == 302
    assert Device.objects.get(pk=worn.pk).status == "damaged"
    assert Device.objects.get(pk=replacement.pk).participant_id == pid
    client.post(f"/devices/{replacement.pk}/return/", {"condition": "ok", "reason": "done"})
    assert Device.objects.get(pk=replacement.pk).participant_id is None
    assert Device.objects.get(pk=wrong_kind.pk).status == "received"
    hostile = client.post(f"/devices/{worn.pk}/return/", {"condition": "<script>"}, follow=True)
    assert hostile.status_code == 200 and "Not returned" in hostile.content.decode()


def test_receiving_a_shipment_by_typed_serials(world: Any, client_for: Any) -> None:
    admin = world.user("admin")
    devices = [
        services.device_register(actor=admin, serial=f"SH-{i}", kind="wrist")[0] for i in range(3)
    ]
    shipment = services.shipment_create(
        actor=admin, office_id=world.office_a.pk, device_ids=[d.pk for d in devices]
    )
    supervisor = client_for("supervisor")
    url = f"/devices/shipments/{shipment.pk}/"
    unknown = supervisor.post(url, {"serials": "SH-0\nNOT-OURS"})
    assert (
        unknown.status_code == 200 and "not in this shipment: NOT-OURS" in unknown.content.decode()
    )
    assert not ShipmentItem.objects.filter(shipment=shipment, received_at__isnull=False).exists()
    empty = supervisor.post(url, {"serials": "  \n "})
    assert "Scan or type at least one serial" in empty.content.decode()
    done = supervisor.post(url, {"serials": "SH-0, SH-1\nSH-0"}, follow=True)
    assert "2 device(s) received." in done.content.decode()
    again = supervisor.post(url, {"serials": "SH-1 SH-2"}, follow=True)
    assert "1 device(s) received (1 already received)." in again.content.decode()
    assert Device.objects.filter(serial__startswith="SH-", status="received").count() == 3
    assert client_for("case_officer").post(url, {"serials": "SH-0"}).status_code == 403
    assert client_for("supervisor_b").get(url).status_code == 404


@pytest.mark.parametrize("to_status", ["retired", "received", "assigned", ""])
def test_only_supervisors_change_a_device_state_and_only_along_the_lifecycle(
    world: Any, client_for: Any, to_status: str
) -> None:
    device = _device(world, f"AM-S-{to_status or 'none'}")
    assert (
        client_for("case_officer")
        .post(f"/devices/{device.pk}/status/", {"to_status": to_status, "reason": "x"})
        .status_code
        == 403
    )
    response = client_for("supervisor").post(
        f"/devices/{device.pk}/status/",
        {"to_status": to_status, "reason": "end of life"},
        follow=True,
    )
    changed = Device.objects.get(pk=device.pk).status
    if to_status == "retired":
        assert changed == "retired"
    else:
        assert changed == "received" and "Not changed" in response.content.decode()
