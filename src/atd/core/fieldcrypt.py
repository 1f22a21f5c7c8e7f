"""Field-level encryption of sensitive data at rest, and keyed blind indexes (ADR 0021).

- Each sensitive value is sealed with AES-256-GCM under the current field key; the stored text
  is `e1.<key id>.<base64url(nonce | ciphertext | tag)>`, so every ciphertext names its key and
  old keys keep decrypting after a rotation (`atd crypto rotate-key`, then `atd crypto
  reencrypt`). The associated data is the table and column, so a ciphertext copied into
  another column (a name into the notes) does not decrypt.
- Keys live outside the database, like the audit keys (ADR 0013): `ATD_FIELD_KEYS=id:secret,...`
  in the environment, else `var/field_keys` (generated on first start, mode 0600). The AES key
  is derived from the listed secret with HKDF-SHA256 (label "atd field encryption").
- Exact lookups use blind indexes: HMAC-SHA256 under a separate key (`ATD_INDEX_KEYS` /
  `var/index_keys`, the current one), with a domain label per kind of value so that equal
  values of different kinds never share an index.
- "" and NULL are stored as they are (blank is not secret, and blank=True fields stay cheap).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "e1."
BINARY_PREFIX = b"e1"
NONCE_BYTES = 12
# 64 bits of each blind index are kept: collisions stay negligible at millions of values, and
# the index column stays short.
INDEX_HEX = 16


class DecryptionError(ValueError):
    """A stored value that no configured key opens (unknown key id, tampering, wrong column)."""


# --- keys -------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _aead(secret: bytes) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"atd field encryption"
    ).derive(secret)
    return AESGCM(key)


def field_keys() -> dict[str, bytes]:
    return dict(settings.ATD_FIELD_KEYS)


def current_field_key_id() -> str:
    return str(settings.ATD_FIELD_KEY_ID)


def _index_key() -> bytes:
    return bytes(settings.ATD_INDEX_KEYS[settings.ATD_INDEX_KEY_ID])


# --- text -------------------------------------------------------------------------------------


def encrypt_text(value: str, *, context: str) -> str:
    """Seal `value` under the current key; `context` (table.column) is authenticated."""
    if value == "":
        return ""
    key_id = current_field_key_id()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(settings.ATD_FIELD_KEYS[key_id]).encrypt(
        nonce, value.encode("utf-8"), context.encode()
    )
    return f"{PREFIX}{key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def is_encrypted_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def text_key_id(value: str) -> str:
    return value[len(PREFIX) :].partition(".")[0] if is_encrypted_text(value) else ""


def decrypt_text(value: str, *, context: str) -> str:
    if not value:
        return value
    if not value.startswith(PREFIX):
        # Written before the column was encrypted and not yet migrated: read as it is; the
        # migration and `atd crypto reencrypt` seal it.
        return value
    key_id, _, body = value[len(PREFIX) :].partition(".")
    secret = settings.ATD_FIELD_KEYS.get(key_id)
    if secret is None:
        raise DecryptionError(f"{context}: no field key with id {key_id!r}")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        plain = _aead(secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(f"{context}: the stored value does not decrypt") from exc
    return plain.decode("utf-8")


# --- bytes ------------------------------------------------------------------------------------


def encrypt_bytes(value: bytes, *, context: str) -> bytes:
    """b"e1" + key id length (1 byte) + key id + nonce + ciphertext and tag."""
    if not value:
        return bytes(value)
    key_id = current_field_key_id()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(settings.ATD_FIELD_KEYS[key_id]).encrypt(nonce, bytes(value), context.encode())
    kid = key_id.encode("ascii")
    return BINARY_PREFIX + bytes([len(kid)]) + kid + nonce + sealed


def is_encrypted_bytes(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview) and bytes(value[:2]) == BINARY_PREFIX


def bytes_key_id(value: bytes) -> str:
    if not is_encrypted_bytes(value):
        return ""
    raw = bytes(value)
    return raw[3 : 3 + raw[2]].decode("ascii", errors="replace")


def decrypt_bytes(value: bytes, *, context: str) -> bytes:
    raw = bytes(value)
    if not raw or raw[:2] != BINARY_PREFIX:
        return raw
    length = raw[2]
    key_id = raw[3 : 3 + length].decode("ascii", errors="replace")
    secret = settings.ATD_FIELD_KEYS.get(key_id)
    if secret is None:
        raise DecryptionError(f"{context}: no field key with id {key_id!r}")
    body = raw[3 + length :]
    try:
        return _aead(secret).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], context.encode())
    except InvalidTag as exc:
        raise DecryptionError(f"{context}: the stored value does not decrypt") from exc


def sealed_opener(context: str) -> Callable[[bytes], bytes]:
    """`decrypt_bytes` for many values of one column: the keys are resolved once, not per value
    (a feed batch opens a hundred thousand sealed rows). Raises DecryptionError as it does."""
    aeads: dict[bytes, AESGCM] = {}
    associated = context.encode()

    def open_one(value: bytes) -> bytes:
        raw = bytes(value)
        if raw[:2] != BINARY_PREFIX:
            return raw
        length = raw[2]
        kid = raw[3 : 3 + length]
        aead = aeads.get(kid)
        if aead is None:
            secret = settings.ATD_FIELD_KEYS.get(kid.decode("ascii", errors="replace"))
            if secret is None:
                raise DecryptionError(f"{context}: no field key with id {kid!r}")
            aead = aeads[kid] = _aead(secret)
        body = raw[3 + length :]
        try:
            return aead.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], associated)
        except InvalidTag as exc:
            raise DecryptionError(f"{context}: the stored value does not decrypt") from exc

    return open_one


# --- blind indexes ----------------------------------------------------------------------------


def blind_index(value: str, *, kind: str) -> str:
    """The keyed index of an exact value ("" for ""): equal values give equal indexes, and
    without the index key nobody can test a guess against the table."""
    if not value:
        return ""
    digest = hmac.new(_index_key(), f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:INDEX_HEX]


def blind_tokens(values: Iterable[str], *, kind: str) -> str:
    """A set of blind indexes as one searchable text: " t1 t2 ... " (each surrounded by spaces,
    so `contains(" t ")` finds exactly one token)."""
    tokens = sorted({blind_index(v, kind=kind) for v in values if v})
    return f" {' '.join(tokens)} " if tokens else ""


def token_needle(value: str, *, kind: str) -> str:
    return f" {blind_index(value, kind=kind)} "


# --- model fields -----------------------------------------------------------------------------


class BlankExact(models.lookups.Exact):
    """`field=""` still works on an encrypted column (blank is stored blank); any other value
    would be compared with a fresh ciphertext and silently match nothing, so it is refused."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise TypeError(
                f"{self.lhs.target}: an encrypted field can only be compared with ''; "
                "filter on its blind index"
            )
        return ""


class _Refused:
    def get_prep_lookup(self) -> Any:
        raise TypeError(
            f"{self.lhs.target}: an encrypted field cannot be filtered with "  # type: ignore[attr-defined]
            f"{self.lookup_name!r}; filter on its blind index"  # type: ignore[attr-defined]
        )


@lru_cache(maxsize=64)
def _refused(base: type) -> type:
    return type(f"Refused{base.__name__}", (_Refused, base), {})


class _EncryptedMixin:
    """No lookup but isnull and `= ''` works on ciphertext (equal values have different
    ciphertexts): asking for one fails loudly instead of silently finding nothing."""

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return BlankExact
        base = super().get_lookup(lookup_name)  # type: ignore[misc]
        if lookup_name == "isnull" or base is None:
            return base
        return _refused(base)

    def _context(self) -> str:
        model = getattr(self, "model", None)
        table = model._meta.db_table if model is not None else "?"
        return f"{table}.{self.column}"  # type: ignore[attr-defined]


class EncryptedTextField(_EncryptedMixin, models.TextField):  # type: ignore[misc]
    """Text sealed with AES-GCM at rest; a str in Python. `max_length` is checked on the
    clear text by validation (the stored column is unbounded text)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return decrypt_text(value, context=self._context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return value
        # Always sealed, even text that looks sealed: a note typed as "e1.k1...." is a note.
        return encrypt_text(str(value), context=self._context())


class EncryptedDateField(_EncryptedMixin, models.Field[Any, Any]):  # type: ignore[misc]
    """A date sealed at rest (stored as its sealed ISO text); a `date` in Python."""

    def get_internal_type(self) -> str:
        return "TextField"

    def to_python(self, value: Any) -> Any:
        if value is None or value == "" or isinstance(value, date):
            return value or None
        return date.fromisoformat(str(value)[:10])

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None
        return self.to_python(decrypt_text(value, context=self._context()))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return encrypt_text(self.to_python(value).isoformat(), context=self._context())

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        from django import forms

        return forms.DateField(required=not self.blank, **kwargs)


class EncryptedJSONField(_EncryptedMixin, models.Field[Any, Any]):  # type: ignore[misc]
    """A JSON document (answers that may name a phone or an address) sealed at rest."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None if value is None else {}
        return json.loads(decrypt_text(str(value), context=self._context()))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        return encrypt_text(text, context=self._context())


class EncryptedBinaryField(_EncryptedMixin, models.BinaryField):  # type: ignore[misc]
    """Bytes (a photo) sealed at rest."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return decrypt_bytes(bytes(value), context=self._context())

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is not None:
            value = encrypt_bytes(bytes(value), context=self._context())
        return super().get_db_prep_value(value, connection, prepared)


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """The keyed blind index of other fields of the same row, recomputed on every save and
    bulk insert (pre_save): `sources` joined by a unit separator, after `normalize`."""

    def __init__(
        self, *args: Any, sources: tuple[str, ...] = (), kind: str = "", **kwargs: Any
    ) -> None:
        self.sources = tuple(sources)
        self.kind = kind
        kwargs.setdefault("max_length", INDEX_HEX)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        kwargs["kind"] = self.kind
        for key, value in (
            ("max_length", INDEX_HEX),
            ("editable", False),
            ("blank", True),
            ("default", ""),
        ):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def value_from(self, obj: Any) -> str:
        parts = [getattr(obj, source) for source in self.sources]
        text = "\x1f".join(
            p.isoformat() if isinstance(p, date) else str(p or "").strip() for p in parts
        )
        return blind_index(text, kind=self.kind) if text.strip("\x1f") else ""

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = self.value_from(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(
            f, EncryptedTextField | EncryptedDateField | EncryptedBinaryField | EncryptedJSONField
        )
    ]


def stored_key_id(value: Any) -> str:
    """The key id a stored (raw) value was sealed with, "" when clear or blank."""
    if isinstance(value, str):
        return text_key_id(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes_key_id(bytes(value))
    return ""


# --- re-encryption (rotation, and sealing values written in clear) ---------------------------


def reencrypt_model(model: type[models.Model], *, batch: int = 2000, progress: Any = None) -> int:
    """Seals every stored value of the model's encrypted columns that is clear or sealed under
    a key other than the current one, with the current key; returns the values rewritten.
    Reads and writes the raw columns (no model objects), id range by id range."""
    from django.db import connection, transaction

    fields = encrypted_fields(model)
    if not fields:
        return 0
    current = current_field_key_id()
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None
    pk_col = connection.ops.quote_name(pk.column)
    columns = [connection.ops.quote_name(f.column) for f in fields]
    rewritten = 0
    last: Any = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = f"WHERE {pk_col} > %s " if last is not None else ""
            cursor.execute(
                f"SELECT {pk_col}, {', '.join(columns)} FROM {table} {where}"  # noqa: S608
                f"ORDER BY {pk_col} LIMIT %s",
                [last, batch] if last is not None else [batch],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            for row in rows:
                changes: list[tuple[str, Any]] = []
                for field, column, value in zip(fields, columns, row[1:], strict=True):
                    if value is None or value == "" or value == b"":
                        continue
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    if stored_key_id(value) == current:
                        continue
                    context = f"{model._meta.db_table}.{field.column}"
                    if isinstance(field, EncryptedBinaryField):
                        plain_bytes = decrypt_bytes(value, context=context)
                        sealed: Any = encrypt_bytes(plain_bytes, context=context)
                    else:
                        if isinstance(field, EncryptedDateField) and not isinstance(value, str):
                            value = value.isoformat()  # a date column being converted
                        plain = decrypt_text(str(value), context=context)
                        sealed = encrypt_text(plain, context=context)
                    changes.append((column, sealed))
                if changes:
                    sets = ", ".join(f"{c} = %s" for c, _ in changes)
                    cursor.execute(
                        f"UPDATE {table} SET {sets} WHERE {pk_col} = %s",  # noqa: S608
                        [v for _, v in changes] + [row[0]],
                    )
                    rewritten += len(changes)
            last = rows[-1][0]
        if progress is not None:
            progress(len(rows))
    return rewritten


def models_with_encrypted_fields() -> list[type[models.Model]]:
    from django.apps import apps

    return [m for m in apps.get_models() if encrypted_fields(m)]


def key_usage(model: type[models.Model]) -> dict[str, int]:
    """How many stored values of the model each key id seals ("clear" for unsealed ones)."""
    from django.db import connection

    counts: dict[str, int] = {}
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for field in encrypted_fields(model):
            column = connection.ops.quote_name(field.column)
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608
            for (value,) in cursor.fetchall():
                if value is None or value == "" or value == b"":
                    continue
                raw = bytes(value) if isinstance(value, memoryview) else value
                key_id = stored_key_id(raw) or "clear"
                counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def seal_existing_rows(app_label: str, *model_names: str) -> Any:
    """A migration's RunPython function that seals the rows a column change to an encrypted
    field left in clear (run after the AlterField, in the same migration)."""

    def run(apps: Any, schema_editor: Any) -> None:
        for name in model_names:
            reencrypt_model(apps.get_model(app_label, name))

    return run
