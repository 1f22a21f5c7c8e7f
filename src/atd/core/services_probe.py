"""`python -m atd.core.services_probe postgres|mqtt|nats`: exit 0 when the local service answers."""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULTS = {
    "postgres": os.environ.get("ATD_PROBE_POSTGRES", "postgres://127.0.0.1:5432"),
    "mqtt": os.environ.get("ATD_MQTT_URL", "mqtt://127.0.0.1:1883"),
    "nats": os.environ.get("ATD_PROBE_NATS", "nats://127.0.0.1:4222"),
}


def service_answers(name: str, timeout: float = 1.0) -> bool:
    url = urlparse(DEFAULTS[name])
    try:
        with socket.create_connection(
            (url.hostname or "127.0.0.1", url.port or 0), timeout=timeout
        ):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if service_answers(sys.argv[1]) else 1)
