"""Reads settings from the environment and fails fast on values it cannot use."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse


class SettingsError(RuntimeError):
    """A setting in the environment has a value atd cannot use."""


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name}={value} is below the minimum {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_rate(name: str, default: str) -> str:
    """An allauth rate limit ("60/m/ip", "5/300s/key", comma-separated parts)."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    for part in value.split(","):
        pieces = part.strip().split("/")
        amount, duration = (pieces + ["", ""])[:2]
        unit = duration.lstrip("0123456789")
        if (
            len(pieces) not in (2, 3)
            or not amount.isdigit()
            or unit not in {"s", "m", "h", "d"}
            or (len(pieces) == 3 and pieces[2] not in {"ip", "key", "user"})
        ):
            raise SettingsError(f"{name}={value!r} is not a rate (e.g. 60/m/ip, 5/300s/key)")
    return value


def env_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of IP addresses or CIDR networks ("10.0.0.5, 10.1.0.0/16",
    IPv6 too), normalised ("10.0.0.5/32"); a value that is neither stops start-up."""
    networks = []
    for part in env_list(name, default):
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SettingsError(
                f"{name}: {part!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
            ) from None
    return networks


def database_from_url(url: str, *, base_dir: Path) -> dict[str, object]:
    """Turns DATABASE_URL into a Django DATABASES entry (sqlite:///path or postgres://...)."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in {"postgres", "postgresql", "pgsql"}:
        if not parsed.path.strip("/"):
            raise SettingsError(f"DATABASE_URL={url!r} names no database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # No persistent connections: the web server is ASGI (uvicorn), where Django runs each
            # request's sync code on an executor thread and a connection kept per thread is never
            # reused or closed (idle connections piled up until the server refused new ones).
            # Workers hold their one connection for their whole life anyway.
            "CONN_MAX_AGE": 0,
        }
    if scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("//"):
            path = path[1:]
        elif path.startswith("/"):
            path = path[1:] if not Path(path).is_absolute() else path
        name = Path(path) if Path(path).is_absolute() else base_dir / path
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name)}
    raise SettingsError(
        f"DATABASE_URL scheme {scheme!r} is not supported (use postgres://... or sqlite:///...)"
    )


def secret_key_from_file(path: Path) -> str:
    """Generates the secret key on first run and keeps it in var/ (never committed)."""
    if path.exists():
        key = path.read_text().strip()
        if len(key) < 50:
            raise SettingsError(f"{path} holds a secret key shorter than 50 characters")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def keyring_from(
    name: str, *, path: Path, current_id: str | None = None, generate: bool = True
) -> tuple[dict[str, bytes], str]:
    """Reads a rotatable set of secret keys, each with an id, and names the current one.

    From the environment variable `name` (`id:secret,id:secret`) or else from `path` (one
    `id secret` per line, generated with one key on first run, never committed). The last key
    listed is the current one unless `current_id` names another. Older keys stay so that what
    they signed or encrypted can still be checked or read: rotation appends, it never removes.
    """
    raw = os.environ.get(name, "").strip()
    pairs: list[tuple[str, str]] = []
    if raw:
        for part in raw.split(","):
            key_id, sep, secret = part.strip().partition(":")
            if not sep:
                raise SettingsError(f"{name}: each key must be written id:secret")
            pairs.append((key_id.strip(), secret.strip()))
        source = name
    else:
        if not path.exists() and generate:
            keyring_append(path)
        lines = path.read_text().splitlines() if path.exists() else []
        for line in lines:
            if line.strip() and not line.startswith("#"):
                key_id, _, secret = line.strip().partition(" ")
                pairs.append((key_id, secret.strip()))
        source = str(path)
    keys: dict[str, bytes] = {}
    for key_id, secret in pairs:
        if not key_id or len(key_id) > 16 or not key_id.isalnum():
            raise SettingsError(f"{source}: key id {key_id!r} must be 1-16 letters or digits")
        if len(secret) < 32:
            raise SettingsError(f"{source}: key {key_id!r} is shorter than 32 characters")
        if key_id in keys:
            raise SettingsError(f"{source}: key id {key_id!r} is listed twice")
        keys[key_id] = secret.encode()
    if not keys:
        raise SettingsError(f"{source} holds no key")
    current = current_id or pairs[-1][0]
    if current not in keys:
        raise SettingsError(f"{source}: the current key id {current!r} is not listed")
    return keys, current


def keyring_append(path: Path) -> str:
    """Adds a new key (id `kN`) to the key file and returns its id: it becomes the current key
    for processes started afterwards. O_APPEND + O_EXCL on first creation: two processes
    starting at once must not write two different first keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text().splitlines() if path.exists() else []
    ids = {line.partition(" ")[0] for line in existing if line.strip()}
    number = len(ids) + 1
    while f"k{number}" in ids:
        number += 1
    key_id = f"k{number}"
    line = f"{key_id} {secrets.token_urlsafe(48)}\n"
    if not existing:
        # Written whole to a temporary file, then linked into place: link fails if the file
        # exists, so a concurrent first start keeps exactly one first key, never a half file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(line)
        try:
            os.link(tmp, path)
        except FileExistsError:
            key_id = ""
        finally:
            tmp.unlink()
        return key_id
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    with os.fdopen(fd, "w") as handle:
        handle.write(line)
    return key_id
