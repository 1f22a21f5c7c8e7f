"""Stored evidence in the one shape `atd.alerts.types.AlertEvidence` reads: a position's time
under `at` (telemetry wrote `time`, the demo `at`; `t` and `fix_at` were read too), accuracy
under `accuracy_m` (the demo wrote `acc`), coordinates under `lat`/`lon`, positions under
`positions` (never `last_positions`), and device health with only its published fields (the
demo's `signal` and `last_contact` are dropped or renamed). Positions without a time or
coordinates could never be shown and are dropped."""

from __future__ import annotations

from typing import Any

from django.db import migrations

TIME_KEYS = ("at", "time", "t", "fix_at", "fix_time")
POSITION_RENAMES = {
    "latitude": "lat",
    "longitude": "lon",
    "acc": "accuracy_m",
    "accuracy": "accuracy_m",
}
DEVICE_KEYS = {
    "device_id",
    "battery",
    "battery_level",
    "charging",
    "strap_open",
    "last_contact_at",
    "last_fix_time",
}
DEVICE_RENAMES = {"last_contact": "last_contact_at"}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def position_normal(p: Any) -> dict[str, Any] | None:
    if not isinstance(p, dict):
        return None
    at = next((p[k] for k in TIME_KEYS if isinstance(p.get(k), str) and p[k]), None)
    out: dict[str, Any] = {"at": at}
    for key, value in p.items():
        key = POSITION_RENAMES.get(key, key)
        if key in ("lat", "lon", "accuracy_m", "battery") and out.get(key) is None:
            out[key] = value
    if at is None or not _number(out.get("lat")) or not _number(out.get("lon")):
        return None
    out.setdefault("accuracy_m", None)
    out.setdefault("battery", None)
    if not _number(out["accuracy_m"]):
        out["accuracy_m"] = None
    if not _number(out["battery"]):
        out["battery"] = None
    return out


def evidence_normal(evidence: Any) -> dict[str, Any]:
    if not isinstance(evidence, dict):
        return {}
    out = {k: v for k, v in evidence.items() if k not in ("positions", "last_positions")}
    raw = evidence.get("positions") or evidence.get("last_positions") or []
    listed = raw if isinstance(raw, list) else []
    positions = [q for q in (position_normal(p) for p in listed) if q is not None]
    if positions:
        out["positions"] = positions
    device = evidence.get("device")
    if isinstance(device, dict):
        renamed = {DEVICE_RENAMES.get(k, k): v for k, v in device.items()}
        out["device"] = {k: v for k, v in renamed.items() if k in DEVICE_KEYS}
    elif "device" in out:
        del out["device"]
    return out


def forwards(apps: Any, schema_editor: Any) -> None:
    Alert = apps.get_model("alerts", "Alert")
    changed = []
    for alert in Alert.objects.only("pk", "evidence").iterator(chunk_size=2000):
        normal = evidence_normal(alert.evidence)
        if normal != alert.evidence:
            alert.evidence = normal
            changed.append(alert)
        if len(changed) >= 1000:
            Alert.objects.bulk_update(changed, ["evidence"])
            changed = []
    if changed:
        Alert.objects.bulk_update(changed, ["evidence"])


class Migration(migrations.Migration):
    dependencies = [("alerts", "0002_lifecycle_preferences_delivery")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
