"""The keyed audit chain (ADR 0013): without the key nobody rewrites it, the canonical form is
unambiguous, and signed checkpoints outside the database catch a cut tail."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from atd.config.env import SettingsError, keyring_append, keyring_from
from atd.core.actors import SYSTEM
from atd.core.audit import (
    AuditChainBroken,
    audit_batch,
    audit_checkpoint_write,
    audit_record,
    audit_verify,
    entry_hash,
)
from atd.core.audit_chain import FIELDS, GENESIS, canonical
from atd.core.extensions import periodic_jobs
from atd.core.models import AuditChainHead, AuditEntry


def _entries(count: int) -> None:
    with audit_batch():
        for number in range(count):
            audit_record(
                actor=SYSTEM,
                action="test.read",
                object_type="thing",
                object_ids=[number],
                reason="a b" if number % 2 else "",
            )


def _raw(sql: str, params: list[Any]) -> None:
    """A database owner writing past the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def _rewrite_from(first_id: int, *, key: bytes, key_id: str | None = None) -> None:
    """Recomputes every hash from `first_id` on with the project's own `entry_hash`, then the
    head row: the rewrite the issue describes, done with the key the attacker has."""
    previous = AuditEntry.objects.get(id=first_id - 1).hash if first_id > 1 else GENESIS
    for row in AuditEntry.objects.filter(id__gte=first_id).order_by("id").values(*FIELDS):
        values = {**row, "prev_hash": previous}
        if key_id is not None:
            values["key_id"] = key_id
        digest = entry_hash(values, key=key)
        _raw(
            "UPDATE core_auditentry SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
            [previous, digest, values["key_id"], row["id"]],
        )
        previous = digest
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None
    AuditChainHead.objects.filter(id=1).update(
        last_id=last.id, last_hash=previous, count=AuditEntry.objects.count()
    )


def test_canonical_form_tells_a_space_from_a_unit_separator() -> None:
    base = {"id": 1, "action": "x", "reason": "a b", "prev_hash": GENESIS}
    assert canonical(base) != canonical({**base, "reason": "a\x1fb"})
    assert canonical({**base, "reason": 'a","action":"y'}) != canonical(
        {**base, "reason": "a", "action": "y"}
    )
    # One field's text cannot pass for another field.
    assert canonical({"id": 1, "reason": "x"}) != canonical({"id": 1, "outcome": "x"})
    assert canonical({"id": 1, "reason": "é"}) == b'{"id":1,"reason":"\\u00e9"}'


@pytest.mark.django_db
def test_row_500_edited_and_later_hashes_recomputed_without_the_key_is_detected() -> None:
    _entries(600)
    _raw("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["nothing to see", 500])
    _rewrite_from(500, key=b"the attacker's best guess at the key")
    result = audit_verify()
    assert not result.ok
    assert "entry 500: contents do not match its hash" in result.problems
    call_command_fails = pytest.raises(CommandError, match="audit chain BROKEN")
    with call_command_fails:
        call_command("audit", "verify")


@pytest.mark.django_db
def test_a_rewrite_signed_under_an_invented_key_id_is_detected() -> None:
    _entries(20)
    _rewrite_from(10, key=b"a key the attacker made up for k9", key_id="k9")
    result = audit_verify()
    assert "entry 10: signed with unknown key id 'k9'" in result.problems


@pytest.mark.django_db
def test_direct_edit_mapping_a_space_to_a_unit_separator_is_detected() -> None:
    _entries(4)
    entry = AuditEntry.objects.get(id=2)
    assert entry.reason == "a b"
    _raw("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["a\x1fb", 2])
    result = audit_verify()
    assert result.problems == ["entry 2: contents do not match its hash"]
    with pytest.raises(CommandError):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_rows_cut_from_the_tail_with_the_head_rewritten_are_caught_by_the_checkpoint(
    settings: Any,
) -> None:
    _entries(10)
    checkpoint = audit_checkpoint_write()
    assert checkpoint is not None and checkpoint.last_id == 10
    _raw("DELETE FROM core_auditentry WHERE id > %s", [7])
    seventh = AuditEntry.objects.get(id=7)
    AuditChainHead.objects.filter(id=1).update(last_id=7, last_hash=seventh.hash, count=7)

    result = audit_verify()
    assert not result.ok
    assert any("names entry 10, which is missing" in p for p in result.problems)
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    # Without the checkpoint file the cut is invisible: the checkpoint is what catches it.
    Path(settings.ATD_AUDIT_CHECKPOINT_PATH).unlink()
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_rewrite_with_the_real_key_still_differs_from_an_earlier_checkpoint(
    settings: Any,
) -> None:
    _entries(12)
    audit_checkpoint_write()
    _raw("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["rewritten", 5])
    key_id = settings.ATD_AUDIT_KEY_ID
    _rewrite_from(5, key=settings.ATD_AUDIT_KEYS[key_id])
    result = audit_verify()
    assert any("entry 12: differs from the checkpoint" in p for p in result.problems)


@pytest.mark.django_db
def test_a_forged_or_garbled_checkpoint_line_is_a_problem(settings: Any) -> None:
    _entries(3)
    audit_checkpoint_write()
    path = Path(settings.ATD_AUDIT_CHECKPOINT_PATH)
    line = json.loads(path.read_text().splitlines()[0])
    forged = {**line, "count": 2, "last_id": 2}
    with path.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
        handle.write("not json at all\n")
    problems = audit_verify().problems
    assert any("signature does not match" in p for p in problems)
    assert "checkpoint file line 3 is not a checkpoint" in problems


@pytest.mark.django_db
def test_checkpoint_is_appended_only_when_the_chain_moved(settings: Any) -> None:
    assert audit_checkpoint_write() is None  # empty chain: nothing to sign
    _entries(3)
    first = audit_checkpoint_write()
    assert first is not None and first.count == 3
    assert audit_checkpoint_write() is None
    _entries(2)
    second = audit_checkpoint_write()
    assert second is not None and second.last_id == 5 and second.chain_id == first.chain_id
    assert len(Path(settings.ATD_AUDIT_CHECKPOINT_PATH).read_text().splitlines()) == 2
    result = audit_verify()
    assert result.ok, result.problems
    assert any("2 checkpoint(s) checked" in note for note in result.notes)


@pytest.mark.django_db
def test_checkpoint_refuses_to_sign_a_chain_edited_since_the_last_one() -> None:
    _entries(6)
    audit_checkpoint_write()
    _entries(3)
    _raw("UPDATE core_auditentry SET action = %s WHERE id = %s", ["test.other", 8])
    with pytest.raises(AuditChainBroken, match="entry 8"):
        audit_checkpoint_write()
    with pytest.raises(CommandError, match="no checkpoint signed"):
        call_command("audit", "checkpoint")


def test_the_checkpoint_is_a_registered_periodic_job() -> None:
    jobs = {job.name: job for job in periodic_jobs}
    assert "core.audit_checkpoint" in jobs
    assert jobs["core.audit_checkpoint"].every.total_seconds() == 15 * 60


@pytest.mark.django_db
def test_entries_signed_before_a_key_rotation_still_verify(settings: Any) -> None:
    old_id = settings.ATD_AUDIT_KEY_ID
    _entries(3)
    settings.ATD_AUDIT_KEYS = {**settings.ATD_AUDIT_KEYS, "k99": b"n" * 40}
    settings.ATD_AUDIT_KEY_ID = "k99"
    _entries(3)
    assert {e.key_id for e in AuditEntry.objects.all()} == {old_id, "k99"}
    assert audit_verify().ok
    # A retired key must be kept for verification: without it the old entries fail.
    settings.ATD_AUDIT_KEYS = {"k99": b"n" * 40}
    problems = audit_verify().problems
    assert f"entry 1: signed with unknown key id {old_id!r}" in problems


@pytest.mark.django_db
def test_the_key_is_never_stored_in_the_database(settings: Any) -> None:
    _entries(2)
    secret = settings.ATD_AUDIT_KEYS[settings.ATD_AUDIT_KEY_ID].decode()
    for row in AuditEntry.objects.values():
        assert secret not in json.dumps(row, default=str)


def test_keyring_from_the_environment_takes_the_last_key_as_current(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ATD_TEST_KEYS", f"a1:{'x' * 32}, b2:{'y' * 32}")
    keys, current = keyring_from("ATD_TEST_KEYS", path=tmp_path / "none")
    assert current == "b2" and keys["a1"] == b"x" * 32
    assert not (tmp_path / "none").exists()
    _, chosen = keyring_from("ATD_TEST_KEYS", path=tmp_path / "none", current_id="a1")
    assert chosen == "a1"


@pytest.mark.parametrize(
    "raw",
    [
        "nocolon",
        f"a1:{'x' * 31}",
        f"a1:{'x' * 32},a1:{'y' * 32}",
        f"bad id:{'x' * 32}",
        f"{'k' * 17}:{'x' * 32}",
    ],
)
def test_keyring_refuses_bad_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raw: str
) -> None:
    monkeypatch.setenv("ATD_TEST_KEYS", raw)
    with pytest.raises(SettingsError):
        keyring_from("ATD_TEST_KEYS", path=tmp_path / "none")


def test_keyring_file_is_generated_once_and_rotation_appends(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ATD_TEST_KEYS", raising=False)
    path = tmp_path / "keys"
    keys, current = keyring_from("ATD_TEST_KEYS", path=path)
    assert current == "k1" and len(keys) == 1
    assert keyring_from("ATD_TEST_KEYS", path=path) == (keys, current)
    assert path.stat().st_mode & 0o077 == 0
    assert keyring_append(path) == "k2"
    rotated, now = keyring_from("ATD_TEST_KEYS", path=path)
    assert now == "k2" and rotated["k1"] == keys["k1"]
    with pytest.raises(SettingsError, match="not listed"):
        keyring_from("ATD_TEST_KEYS", path=path, current_id="k7")


def _legacy_rows(count: int) -> None:
    migration = importlib.import_module("atd.core.migrations.0005_audit_keyed_chain")
    previous = GENESIS
    rows = []
    for entry_id in range(1, count + 1):
        values: dict[str, Any] = {
            "id": entry_id,
            "at": AuditEntry._meta.get_field("at").to_python("2026-01-02T03:04:05.000006+00:00"),
            "actor_id": None,
            "actor_label": "system",
            "role": "system",
            "action": "legacy.read",
            "object_type": "thing",
            "object_ids": str(entry_id),
            "outcome": "ok",
            "reason": "",
            "request_id": "",
            "source_ip": "",
            "prev_hash": previous,
        }
        values["hash"] = migration._legacy_hash(values)
        rows.append(AuditEntry(**values))
        previous = values["hash"]
    AuditEntry.objects.bulk_create(rows)
    AuditChainHead.objects.update_or_create(
        id=1, defaults={"last_id": count, "last_hash": previous, "count": count}
    )


@pytest.mark.django_db
def test_migration_rechains_a_sound_legacy_chain_with_the_key() -> None:
    _legacy_rows(5)
    assert not audit_verify().ok  # unkeyed rows do not pass the keyed check
    migration = importlib.import_module("atd.core.migrations.0005_audit_keyed_chain")
    migration.rechain(apps, SimpleNamespace(connection=connection))
    result = audit_verify()
    assert result.ok, result.problems
    assert result.checked == 5
    _entries(2)  # new entries continue the re-chained chain
    assert audit_verify().ok


@pytest.mark.django_db
def test_migration_refuses_to_rechain_a_broken_legacy_chain() -> None:
    _legacy_rows(4)
    _raw("UPDATE core_auditentry SET object_ids = %s WHERE id = %s", ["99", 2])
    migration = importlib.import_module("atd.core.migrations.0005_audit_keyed_chain")
    with pytest.raises(RuntimeError, match="entry 2: contents"):
        migration.rechain(apps, SimpleNamespace(connection=connection))
