"""Pure device rules: lifecycle transitions, credential format and hashing, and the set-up link a
phone's tracker app (Traccar Client) takes from a QR code."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

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


def credential_accepted(*, mode: str, secret: str | None, stored_hash: str) -> bool:
    """A device with a key must send it. A device whose identifier is its credential (an
    enrolled phone: its tracker app cannot send a key) is accepted on the identifier alone;
    if it does send a key, the key must be right, so a wrong key is never waved through."""
    if mode == "identifier" and not secret:
        return True
    return credential_matches(secret, stored_hash)


# --- phone tracking enrolment (Traccar Client) ------------------------------------------------

PHONE_ID_PREFIX = "ph-"
PHONE_ID_BYTES = 16  # 128 random bits: the identifier is the credential, so it must not be guessed


def serial_shown(serial: str, credential_mode: str) -> str:
    """The serial as lists and pages show it: an enrolled phone's identifier is its credential,
    so only its first characters (enough to tell phones apart); the set-up page shows it whole."""
    if credential_mode == "identifier":
        return serial[:7] + "…"
    return serial


def phone_identifier(random_bytes: bytes) -> str:
    """An enrolled phone's identifier from PHONE_ID_BYTES random bytes: lower-case base32 (26
    letters and digits), so it survives being read aloud or typed into the app by hand."""
    if len(random_bytes) < PHONE_ID_BYTES:
        raise ValueError("a phone identifier needs 16 random bytes")
    text = base64.b32encode(random_bytes[:PHONE_ID_BYTES]).decode().rstrip("=").lower()
    return PHONE_ID_PREFIX + text


# Seconds between reports, by the plan's technology: a plan whose technology IS the phone
# (smartphone supervision) tracks every 5 minutes; a phone carried beside a monitor or wrist
# device, or under a telephone / in-person plan, every 15 (its reports feed device health and
# the last known position, not the primary track). The plan has no interval field of its own
# yet; this is the one place that reads it from the plan.
PHONE_INTERVAL_S = {"smartphone": 300}
PHONE_INTERVAL_DEFAULT_S = 900


def phone_report_interval_s(plan_technology: str) -> int:
    return PHONE_INTERVAL_S.get(plan_technology, PHONE_INTERVAL_DEFAULT_S)


@dataclass(frozen=True)
class TrackerSetup:
    """What the officer shows the participant: the QR's content and the same values in words."""

    link: str  # org.traccar.client://setup?url=...&id=...
    server_url: str
    identifier: str
    interval_s: int


TRACCAR_SCHEME = "org.traccar.client"


def tracker_setup(*, server_url: str, identifier: str, interval_s: int) -> TrackerSetup:
    """The configuration link of Traccar Client 10.1.0 (traccar/traccar-client, commit 2c5cd8f,
    lib/configuration_service.dart `applyUri`): the app's scheme, any host but `action`, and
    the settings as query parameters `url`, `id`, `interval`, `heartbeat`, `accuracy`,
    `buffer`. Its QR scanner takes the same link; so does the phone's camera (the app asks
    before applying it). The custom scheme, not an https link, on purpose: a camera that does
    not know the app cannot open it in a browser and so send the identifier to a server log.
    `heartbeat` = interval keeps a still phone reporting, so silence means silence."""
    interval = max(int(interval_s), 1)
    query = urlencode(
        {
            "url": server_url,
            "id": identifier,
            "interval": str(interval),
            "heartbeat": str(interval),
            "accuracy": "high",
            "buffer": "true",
        }
    )
    return TrackerSetup(
        link=f"{TRACCAR_SCHEME}://setup?{query}",
        server_url=server_url,
        identifier=identifier,
        interval_s=interval,
    )


def stock_is_low(quantity: int, threshold: int) -> bool:
    return quantity < threshold
