"""The audit chain becomes keyed (ADR 0013): each entry stores the id of the HMAC key that signed
it, and the existing entries are re-chained with the current key.

Before re-chaining, the old unkeyed chain is verified with its own (frozen) algorithm; a broken
old chain stops the migration, so re-chaining never blesses an edit. Set
ATD_AUDIT_RECHAIN_BROKEN=1 to re-chain anyway after an investigation (the problems are printed).
"""

import hashlib
import hmac
import os

from django.db import migrations, models

# The entry fields as of this migration: later fields are empty on these rows and an empty
# value is left out of the canonical form, so the hash computed here is the one later code
# recomputes.
_FIELDS_NOW = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "role",
    "action",
    "object_type",
    "object_ids",
    "outcome",
    "reason",
    "request_id",
    "source_ip",
    "prev_hash",
    "key_id",
)
_LEGACY_FIELDS = _FIELDS_NOW[:-1]
_GENESIS = "0" * 64
_UPDATE = "UPDATE core_auditentry SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s"


def _legacy_hash(values):
    """The unkeyed hash of migration 0001..0004 (lossy: `\\x1f` and a space mapped alike)."""
    parts = []
    for name in _LEGACY_FIELDS:
        value = values[name]
        if name == "at":
            value = value.isoformat(timespec="microseconds")
        parts.append("" if value is None else str(value).replace("\x1f", " "))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def rechain(apps, schema_editor):
    from django.conf import settings

    from atd.core.audit_chain import canonical

    entry_model = apps.get_model("core", "AuditEntry")
    head_model = apps.get_model("core", "AuditChainHead")
    if not entry_model.objects.exists():
        return
    problems = []
    previous = _GENESIS
    expected = 1
    for row in entry_model.objects.order_by("id").values(*_LEGACY_FIELDS, "hash").iterator(5000):
        if row["id"] != expected:
            problems.append(f"entries {expected}..{row['id'] - 1} are missing")
        if row["prev_hash"] != previous:
            problems.append(f"entry {row['id']}: link broken")
        if _legacy_hash(row) != row["hash"]:
            problems.append(f"entry {row['id']}: contents do not match its hash")
        previous, expected = row["hash"], row["id"] + 1
    if problems and os.environ.get("ATD_AUDIT_RECHAIN_BROKEN") != "1":
        raise RuntimeError(
            "the existing audit chain is broken; not re-chaining it with the key:\n  "
            + "\n  ".join(problems[:50])
            + "\nInvestigate, then set ATD_AUDIT_RECHAIN_BROKEN=1 to re-chain anyway."
        )
    for problem in problems[:50]:
        print(f"audit re-chain: legacy chain problem kept on record: {problem}")
    key_id = settings.ATD_AUDIT_KEY_ID
    key = settings.ATD_AUDIT_KEYS[key_id]
    postgres = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                "ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only"
            )
        previous = _GENESIS
        batch = []
        last_id = 0
        count = 0
        rows = entry_model.objects.order_by("id").values(*_LEGACY_FIELDS).iterator(5000)
        for row in rows:
            values = {**row, "prev_hash": previous, "key_id": key_id}
            digest = hmac.new(key, canonical(values, _FIELDS_NOW), hashlib.sha256).hexdigest()
            batch.append((previous, digest, key_id, row["id"]))
            previous, last_id = digest, row["id"]
            count += 1
            if len(batch) >= 2000:
                cursor.executemany(_UPDATE, batch)
                batch = []
        if batch:
            cursor.executemany(_UPDATE, batch)
        if postgres:
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")
    head_model.objects.update_or_create(
        id=1, defaults={"last_id": last_id, "last_hash": previous, "count": count}
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_index_without_object_ids")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
