"""Device lifecycle, credentials, shipments, assignment rules and consumable stock."""

from __future__ import annotations

from typing import Any

import pytest

from atd.alerts.models import Alert
from atd.core.errors import Conflict, ValidationFailed
from atd.core.scope import Scope
from atd.devices import services
from atd.devices.models import ConsumableStock, Device, DeviceStatusChange
from atd.devices.rules import credential_hash, credential_matches, device_transition_problem
from atd.devices.selectors import devices_for_ingest


def test_lifecycle_allows_the_documented_path_only() -> None:
    path = ["in_stock", "shipped", "received", "assigned", "returned", "refurbished", "in_stock"]
    for a, b in zip(path, path[1:], strict=False):
        assert device_transition_problem(a, b) is None
    assert device_transition_problem("in_stock", "assigned") is not None
    assert device_transition_problem("retired", "in_stock") is not None


def test_credentials_are_stored_hashed_and_compared_exactly() -> None:
    stored = credential_hash("s3cret")
    assert stored != "s3cret" and len(stored) == 64
    assert credential_matches("s3cret", stored)
    assert not credential_matches("s3cret ", stored)
    assert not credential_matches(None, stored)


@pytest.fixture
def admin(world: Any) -> Any:
    return world.user("admin")


def test_registering_returns_a_secret_that_is_not_stored(world: Any, admin: Any) -> None:
    device, secret = services.device_register(
        actor=admin, serial="A-1", kind="gps_ankle", office_id=world.office_a.pk
    )
    assert Device.objects.get(pk=device.pk).credential_hash == credential_hash(secret)
    assert secret not in str(Device.objects.filter(pk=device.pk).values().get())


def test_rotating_a_credential_invalidates_the_old_secret(world: Any, admin: Any) -> None:
    device, old = services.device_register(actor=admin, serial="A-2", kind="wrist")
    new = services.device_credential_rotate(
        actor=admin, scope=Scope.for_user(admin), device_id=device.pk
    )
    stored = devices_for_ingest(["A-2"])["A-2"].credential_hash
    assert credential_matches(new, stored) and not credential_matches(old, stored)


def test_a_participant_has_one_active_device_of_a_kind(world: Any, admin: Any) -> None:
    scope = Scope.for_user(admin)
    pid = world.participants["officer_a"].pk
    first, _ = services.device_register(
        actor=admin, serial="K-1", kind="gps_ankle", office_id=world.office_a.pk
    )
    second, _ = services.device_register(
        actor=admin, serial="K-2", kind="gps_ankle", office_id=world.office_a.pk
    )
    phone, _ = services.device_register(
        actor=admin, serial="K-3", kind="smartphone", office_id=world.office_a.pk
    )
    services.device_assign(actor=admin, scope=scope, device_id=first.pk, participant_id=pid)
    with pytest.raises(Conflict):
        services.device_assign(actor=admin, scope=scope, device_id=second.pk, participant_id=pid)
    services.device_assign(actor=admin, scope=scope, device_id=phone.pk, participant_id=pid)
    services.device_return(actor=admin, scope=scope, device_id=first.pk, condition="ok")
    services.device_assign(actor=admin, scope=scope, device_id=second.pk, participant_id=pid)
    history = list(
        DeviceStatusChange.objects.filter(device=first).values_list("to_status", flat=True)
    )
    assert history == ["assigned", "returned"]


def test_shipment_is_received_serial_by_serial_and_adds_consumables(world: Any, admin: Any) -> None:
    devices = [
        services.device_register(actor=admin, serial=f"S-{i}", kind="wrist")[0] for i in range(3)
    ]
    shipment = services.shipment_create(
        actor=admin,
        office_id=world.office_b.pk,
        device_ids=[d.pk for d in devices],
        consumables={"strap": 30},
    )
    services.shipment_receive(actor=admin, shipment_id=shipment.pk, serials=["S-0"])
    shipment.refresh_from_db()
    assert shipment.status == "partial" and shipment.received_count == 1
    with pytest.raises(ValidationFailed):
        services.shipment_receive(actor=admin, shipment_id=shipment.pk, serials=["NOT-IN-IT"])
    services.shipment_receive(actor=admin, shipment_id=shipment.pk, serials=["S-0", "S-1", "S-2"])
    shipment.refresh_from_db()
    assert shipment.status == "received" and shipment.received_count == 3
    assert ConsumableStock.objects.get(office=world.office_b, item="strap").quantity == 30
    assert set(Device.objects.values_list("status", flat=True)) == {"received"}


def test_stock_falling_below_its_threshold_raises_one_low_stock_alert(
    world: Any, admin: Any
) -> None:
    office = world.office_a.pk
    services.consumable_adjust(
        actor=admin, office_id=office, item="charger", delta=12, reason="delivery", low_threshold=10
    )
    services.consumable_adjust(
        actor=admin, office_id=office, item="charger", delta=-3, reason="issued"
    )
    services.consumable_adjust(
        actor=admin, office_id=office, item="charger", delta=-1, reason="issued"
    )
    alert = Alert.objects.get(kind="low_stock", office_id=office)
    assert alert.participant_id is None and alert.occurrence_count == 1
    with pytest.raises(Conflict):
        services.consumable_adjust(
            actor=admin, office_id=office, item="charger", delta=-100, reason="x"
        )


def _plan(world: Any, technology: str) -> None:
    from datetime import date

    from atd.supervision.services import plan_set

    officer = world.user("case_officer")
    plan_set(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=world.participants["officer_a"].pk,
        technology=technology,
        cadence_days=28,
        checkin_mode="in_person",
        start_date=date(2026, 3, 1),
        reason=f"plan: {technology}",
    )


def _tasks(world: Any) -> list[tuple[str, str]]:
    from atd.supervision.models import DeviceTask

    return list(
        DeviceTask.objects.filter(participant=world.participants["officer_a"])
        .order_by("pk")
        .values_list("kind", "status")
    )


@pytest.mark.parametrize("new_first", [True, False])
def test_assigning_and_returning_devices_completes_the_plans_assign_and_swap_tasks(
    world: Any, admin: Any, new_first: bool
) -> None:
    scope = Scope.for_user(admin)
    pid = world.participants["officer_a"].pk
    ankle, _ = services.device_register(
        actor=admin, serial="T-1", kind="gps_ankle", office_id=world.office_a.pk
    )
    wrist, _ = services.device_register(
        actor=admin, serial="T-2", kind="wrist", office_id=world.office_a.pk
    )
    _plan(world, "gps_ankle")
    assert _tasks(world) == [("assign", "open")]
    services.device_assign(actor=admin, scope=scope, device_id=ankle.pk, participant_id=pid)
    assert _tasks(world) == [("assign", "done")]

    _plan(world, "wrist")  # a step down: swap the ankle monitor for a wrist device
    assert _tasks(world)[-1] == ("swap", "open")
    if new_first:
        services.device_assign(actor=admin, scope=scope, device_id=wrist.pk, participant_id=pid)
        assert _tasks(world)[-1] == ("swap", "open")  # the ankle monitor is still on
        services.device_return(actor=admin, scope=scope, device_id=ankle.pk, condition="ok")
    else:
        services.device_return(actor=admin, scope=scope, device_id=ankle.pk, condition="ok")
        assert _tasks(world)[-1] == ("swap", "open")  # no wrist device on yet
        services.device_assign(actor=admin, scope=scope, device_id=wrist.pk, participant_id=pid)
    assert _tasks(world) == [("assign", "done"), ("swap", "done")]
