"""Integration API keys: issue, authenticate, revoke. Only a hash of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import ValidationFailed
from atd.core.models import ApiKey

KEY_PREFIX = "atd_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_issue(*, actor: Any, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Returns the key and its plain text, shown once."""
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown or not scopes:
        raise ValidationFailed(detail=f"unknown or empty scopes: {sorted(unknown)}")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=sorted(scopes),
        created_at=clock.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="api_key.issue", object_type="api_key", object_ids=[key.pk])
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, actor: Any, key_id: int, reason: str) -> ApiKey:
    key = ApiKey.objects.select_for_update().get(pk=key_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api_key.revoke",
        object_type="api_key",
        object_ids=[key.pk],
        reason=reason,
    )
    return key


def api_key_authenticate(presented: str | None) -> ApiKey | None:
    """Constant-time comparison; revoked and malformed keys answer None."""
    if not presented or not presented.startswith(KEY_PREFIX):
        return None
    try:
        prefix, secret = presented[len(KEY_PREFIX) :].split("_", 1)
    except ValueError:
        return None
    key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    now = clock.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
