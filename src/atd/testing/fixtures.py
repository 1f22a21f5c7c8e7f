"""pytest fixtures shared by all tests (registered in the root conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from atd.core import clock
from atd.core.apikeys import api_key_issue
from atd.testing.world import World, build_world

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# still synchronous, so Django's async-safety guard is relaxed for the test process only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clock_reset() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _audit_checkpoints_apart(settings: Any, tmp_path: Any) -> None:
    """Each test signs audit checkpoints into its own file, never into var/ (whose checkpoints
    belong to the developer's database)."""
    settings.ATD_AUDIT_CHECKPOINT_PATH = tmp_path / "audit_checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _quiet_hours_off(settings: Any) -> None:
    """Tests run at the wall clock's hour, so quiet hours would hold a text at random; a test
    of quiet hours sets ATD_QUIET_HOURS itself (alerts/tests/test_reminders_quiet_hours.py)."""
    settings.ATD_QUIET_HOURS = "off"


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def client_for(world: World) -> Any:
    """client_for("supervisor") -> a logged-in test client for that role's user."""

    def make(key: str) -> Client:
        client = Client()
        client.force_login(world.user(key), backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def intake_key(db: Any) -> str:
    _, plain = api_key_issue(actor=None, name="test intake feed", scopes=["intake"])
    return plain
