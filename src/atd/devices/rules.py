"""Pure device rules: lifecycle transitions, credential format and hashing."""

from __future__ import annotations

import hashlib
import hmac

# Lifecycle: in stock -> shipped -> received at office -> assigned -> returned ->
# refurbished / lost / damaged / retired; a refurbished device goes back to stock or an office.
TRANSITIONS: dict[str, frozenset[str]] = {
    "in_stock": frozenset({"shipped", "lost", "damaged", "retired"}),
    "shipped": frozenset({"received", "lost", "damaged"}),
    "received": frozenset({"assigned", "shipped", "lost", "damaged", "retired"}),
    "assigned": frozenset({"returned", "lost", "damaged"}),
    "returned": frozenset({"refurbished", "received", "lost", "damaged", "retired"}),
    "refurbished": frozenset({"in_stock", "received", "retired"}),
    "damaged": frozenset({"refurbished", "retired"}),
    "lost": frozenset({"returned", "retired"}),
    "retired": frozenset(),
}


def device_transition_problem(from_status: str, to_status: str) -> str | None:
    """None when the move is allowed, else why not (shown to the user)."""
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        return f"a device cannot go from {from_status} to {to_status}"
    return None


def credential_hash(secret: str) -> str:
    """Device secrets are 32 random bytes, so one SHA-256 is enough (no stretching needed: there
    is nothing to brute-force) and it stays cheap on the ingest path, which checks every batch."""
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_matches(secret: str | None, stored_hash: str) -> bool:
    if not secret or not stored_hash:
        return False
    return hmac.compare_digest(credential_hash(secret), stored_hash)


def stock_is_low(quantity: int, threshold: int) -> bool:
    return quantity < threshold
