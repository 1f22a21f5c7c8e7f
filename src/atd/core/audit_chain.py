"""The audit chain's cryptography: the canonical form of an entry, its keyed hash, and the signed
checkpoints of the chain head kept outside the database (ADR 0013)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

GENESIS = "0" * 64
# Every stored column the hash covers, in no particular order (the JSON is key-sorted). A field
# added later goes here too; because empty values are left out of the canonical form, rows
# written before the field existed (stored with its empty default) keep their hash.
FIELDS = (
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
    "client_request_id",
    "source_ip",
    "prev_hash",
    "key_id",
)


def canonical(values: Mapping[str, Any], fields: tuple[str, ...] = FIELDS) -> bytes:
    """Key-sorted JSON with every non-ASCII and control character escaped, so two different
    entries never share bytes (a space is ` `, a unit separator `\\u001f`). None and "" are left
    out: no column can hold both (ids are numbers or NULL, text columns are never NULL)."""
    document: dict[str, Any] = {}
    for name in fields:
        value = values.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        elif not isinstance(value, int | str):
            raise TypeError(f"audit field {name} has a {type(value).__name__}, not int or str")
        document[name] = value
    return json.dumps(document, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def entry_hash(values: Mapping[str, Any], *, key: bytes) -> str:
    """HMAC-SHA256 of the entry's canonical form (which includes the previous entry's hash and
    the key id). Without the key, nobody can recompute a chain after an edit."""
    return hmac.new(key, canonical(values), hashlib.sha256).hexdigest()


def audit_keys() -> dict[str, bytes]:
    return dict(settings.ATD_AUDIT_KEYS)


def audit_signing_key() -> tuple[str, bytes]:
    key_id = settings.ATD_AUDIT_KEY_ID
    return key_id, settings.ATD_AUDIT_KEYS[key_id]


# --- checkpoints ------------------------------------------------------------------------------

_CHECKPOINT_FIELDS = ("kind", "at", "chain_id", "last_id", "last_hash", "count", "key_id")


@dataclass(frozen=True)
class AuditCheckpoint:
    """A signed statement "at time `at`, the chain whose first entry hashes to `chain_id` had
    `count` entries ending with entry `last_id` whose hash was `last_hash`"."""

    at: str
    chain_id: str
    last_id: int
    last_hash: str
    count: int
    key_id: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        # "kind" separates the domains: an entry's hash can never pass as a checkpoint's.
        return canonical({**asdict(self), "kind": "audit-checkpoint"}, _CHECKPOINT_FIELDS)


def checkpoint_sign(checkpoint: AuditCheckpoint, *, key_id: str, key: bytes) -> AuditCheckpoint:
    unsigned = AuditCheckpoint(**{**asdict(checkpoint), "key_id": key_id, "signature": ""})
    signature = hmac.new(key, unsigned.signed_bytes(), hashlib.sha256).hexdigest()
    return AuditCheckpoint(**{**asdict(unsigned), "signature": signature})


def checkpoint_signature_ok(checkpoint: AuditCheckpoint, keys: Mapping[str, bytes]) -> bool:
    key = keys.get(checkpoint.key_id)
    if key is None:
        return False
    expected = hmac.new(key, checkpoint.signed_bytes(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, checkpoint.signature)


def checkpoint_path() -> Path:
    return Path(settings.ATD_AUDIT_CHECKPOINT_PATH)


def checkpoint_append(checkpoint: AuditCheckpoint, path: Path) -> None:
    """One JSON line, appended (O_APPEND: concurrent writers never interleave a line this short)
    and fsynced before returning. The file is only ever appended to."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(checkpoint), sort_keys=True, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def checkpoints_read(path: Path) -> tuple[list[AuditCheckpoint], list[str]]:
    """The checkpoints in the file, and a problem for each line that is not one."""
    if not path.exists():
        return [], []
    checkpoints: list[AuditCheckpoint] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                checkpoint = AuditCheckpoint(
                    at=str(data["at"]),
                    chain_id=str(data["chain_id"]),
                    last_id=int(data["last_id"]),
                    last_hash=str(data["last_hash"]),
                    count=int(data["count"]),
                    key_id=str(data["key_id"]),
                    signature=str(data["signature"]),
                )
            except (ValueError, KeyError, TypeError):
                problems.append(f"checkpoint file line {number} is not a checkpoint")
                continue
            checkpoints.append(checkpoint)
    return checkpoints, problems


def checkpoint_last(path: Path) -> AuditCheckpoint | None:
    checkpoints, _ = checkpoints_read(path)
    return checkpoints[-1] if checkpoints else None
