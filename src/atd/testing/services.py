"""Service availability for tests: skip with a reason, or fail when CI requires the service."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from atd.core.services_probe import service_answers


def services_required() -> bool:
    return os.environ.get("ATD_REQUIRE_SERVICES") == "1"


def require_postgres() -> None:
    """Skips (or, in CI, fails) unless the test database is PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    message = "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
    if services_required() and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.fail(message)
    pytest.skip(message)


def require_mqtt() -> None:
    if service_answers("mqtt"):
        return
    message = "needs an MQTT broker at ATD_MQTT_URL (default 127.0.0.1:1883)"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)


def require_nats() -> str:
    """The machine's NATS server with JetStream (127.0.0.1:4222); returns its URL."""
    from atd.core.services_probe import DEFAULTS

    if service_answers("nats"):
        return DEFAULTS["nats"]
    message = "needs NATS with JetStream at ATD_PROBE_NATS (default 127.0.0.1:4222)"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)
    return ""


def require_nats_server() -> str:
    """The nats-server binary, for tests that start their own cluster."""
    import shutil

    path = shutil.which("nats-server")
    if path:
        return path
    message = "needs the nats-server binary (apt-get install nats-server)"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)
    return ""


def require_chromium() -> str:
    path = os.environ.get("ATD_CHROMIUM", "/usr/bin/chromium")
    if os.path.exists(path):
        return path
    message = f"needs Debian's Chromium at {path} (apt-get install chromium)"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)
    return path


def require_java() -> None:
    """pyspark (Splink's Spark backend in local mode) starts a JVM."""
    import shutil

    if shutil.which("java") or os.environ.get("JAVA_HOME"):
        return
    message = "needs a Java runtime for pyspark (apt-get install default-jre-headless)"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)
