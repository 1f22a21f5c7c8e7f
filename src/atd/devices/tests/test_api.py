"""The shipments and consumable-stock API: scoped by role and office, audited, problem+json."""

from __future__ import annotations

import json
from typing import Any

from atd.alerts.models import Alert
from atd.core.models import AuditEntry
from atd.devices import services
from atd.devices.models import Device
from atd.testing.world import World


def _post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def _stock_devices(n: int, prefix: str) -> list[int]:
    return [
        services.device_register(actor=None, serial=f"{prefix}-{i}", kind="wrist")[0].pk
        for i in range(n)
    ]


def test_admin_ships_devices_and_the_office_receives_them_serial_by_serial(
    world: World, client_for: Any
) -> None:
    ids = _stock_devices(2, "API")
    admin = client_for("admin")
    created = _post(
        admin,
        "/api/devices/shipments",
        {"office_id": world.office_a.pk, "device_ids": ids, "consumables": {"strap": 4}},
    )
    assert created.status_code == 201, created.content
    shipment = created.json()
    assert shipment["status"] == "in_transit" and shipment["device_count"] == 2
    assert [line["serial"] for line in shipment["items"]] == ["API-0", "API-1"]
    supervisor = client_for("supervisor")  # office A
    path = f"/api/devices/shipments/{shipment['id']}/receive"
    first = _post(supervisor, path, {"serials": ["API-0"]})
    assert first.status_code == 200 and first.json()["status"] == "partial"
    again = _post(supervisor, path, {"serials": ["API-0"]})
    assert again.json()["received_count"] == 1  # receiving a serial twice changes nothing
    done = _post(supervisor, path, {"serials": ["API-1"]}).json()
    assert done["status"] == "received" and all(i["received_at"] for i in done["items"])
    assert set(Device.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"received"}
    stock = client_for("case_officer").get(f"/api/devices/offices/{world.office_a.pk}/stock")
    assert {s["item"]: s["quantity"] for s in stock.json()} == {"strap": 4, "charger": 0}
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("shipment.create") == 1 and actions.count("shipment.receive") == 3


def test_a_serial_not_in_the_shipment_is_a_problem_and_records_nothing(
    world: World, client_for: Any
) -> None:
    ids = _stock_devices(1, "ONE")
    shipment = services.shipment_create(actor=None, office_id=world.office_a.pk, device_ids=ids)
    response = _post(
        client_for("supervisor"),
        f"/api/devices/shipments/{shipment.pk}/receive",
        {"serials": ["ONE-0", "NOT-SHIPPED"]},
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert Device.objects.get(pk=ids[0]).status == "shipped"


def test_office_staff_see_only_their_offices_shipments(world: World, client_for: Any) -> None:
    a = services.shipment_create(
        actor=None, office_id=world.office_a.pk, device_ids=_stock_devices(1, "A")
    )
    b = services.shipment_create(
        actor=None, office_id=world.office_b.pk, device_ids=_stock_devices(1, "B")
    )
    listed = client_for("case_officer").get("/api/devices/shipments").json()
    assert [s["id"] for s in listed] == [a.pk]
    assert {s["id"] for s in client_for("admin").get("/api/devices/shipments").json()} == {
        a.pk,
        b.pk,
    }
    assert client_for("case_officer").get(f"/api/devices/shipments/{b.pk}").status_code == 404
    assert client_for("auditor").get("/api/devices/shipments").status_code == 403


def test_only_an_admin_creates_shipments(world: World, client_for: Any) -> None:
    body = {"office_id": world.office_a.pk, "device_ids": _stock_devices(1, "X")}
    assert _post(client_for("supervisor"), "/api/devices/shipments", body).status_code == 403
    bad = _post(client_for("admin"), "/api/devices/shipments", {**body, "device_ids": []})
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith("application/problem+json")


def test_stock_adjustment_is_audited_and_crossing_the_threshold_raises_low_stock(
    world: World, client_for: Any
) -> None:
    supervisor = client_for("supervisor")
    path = f"/api/devices/offices/{world.office_a.pk}/stock"
    levels = _post(
        supervisor, path, {"item": "charger", "delta": 6, "reason": "delivery", "low_threshold": 5}
    ).json()
    charger = next(s for s in levels if s["item"] == "charger")
    assert charger == {
        "office_id": world.office_a.pk,
        "item": "charger",
        "quantity": 6,
        "low_threshold": 5,
        "low": False,
    }
    after = _post(supervisor, path, {"item": "charger", "delta": -2, "reason": "issued"}).json()
    assert next(s for s in after if s["item"] == "charger")["low"] is True
    assert Alert.objects.filter(kind="low_stock", office_id=world.office_a.pk).count() == 1
    short = _post(supervisor, path, {"item": "charger", "delta": -50, "reason": "issued"})
    assert short.status_code == 409
    assert short["Content-Type"].startswith("application/problem+json")
    unknown = _post(supervisor, path, {"item": "battery", "delta": 1, "reason": "x"})
    assert unknown.status_code == 422
    assert AuditEntry.objects.filter(action="consumable.adjust").count() == 2


def test_a_supervisor_cannot_touch_another_offices_stock(world: World, client_for: Any) -> None:
    path = f"/api/devices/offices/{world.office_b.pk}/stock"
    assert client_for("supervisor").get(path).status_code == 404
    body = {"item": "strap", "delta": 1, "reason": "x"}
    assert _post(client_for("supervisor"), path, body).status_code == 404
    assert _post(client_for("case_officer"), path, body).status_code == 403
