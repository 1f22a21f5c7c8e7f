"""Fixtures for telemetry tests: a world participant wearing a device, with its secret."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time
from typing import Any

import pytest

from atd.core import clock
from atd.core.scope import Scope
from atd.devices.services import device_assign, device_register
from atd.supervision.models import CurfewWindow, Zone
from atd.telemetry.devicelog import LogConfig, log_config
from atd.testing.services import require_nats
from atd.testing.world import World

_serials = itertools.count(1)

# Office A's neighbourhood (Chicago); the participant's home is a 200 m circle here.
HOME = (41.8800, -87.6300)


@dataclass
class Tracked:
    participant_id: int
    device_id: int
    serial: str
    secret: str


def make_tracked(
    world: World, participant_key: str = "officer_a", kind: str = "gps_ankle"
) -> Tracked:
    admin = world.user("admin")
    scope = Scope.for_user(admin)
    office = world.office_a if participant_key != "office_b" else world.office_b
    device, secret = device_register(
        actor=admin, serial=f"T-{next(_serials):06d}", kind=kind, office_id=office.pk
    )
    participant = world.participants[participant_key]
    device_assign(actor=admin, scope=scope, device_id=device.pk, participant_id=participant.pk)
    return Tracked(participant.pk, device.pk, device.serial, secret)


@pytest.fixture
def tracked(world: World) -> Tracked:
    return make_tracked(world)


def add_home_zone(participant_id: int, radius_m: float = 200.0, kind: str = "inclusion") -> Any:
    return Zone.objects.create(
        participant_id=participant_id,
        name="Home",
        kind=kind,
        purpose="home",
        center_lat=HOME[0],
        center_lon=HOME[1],
        radius_m=radius_m,
        created_at=clock.now(),
    )


def add_curfew(zone: Any, start: time, end: time, tz: str = "America/Chicago") -> Any:
    return CurfewWindow.objects.create(
        participant_id=zone.participant_id,
        zone=zone,
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        start=start,
        end=end,
        timezone=tz,
    )


@pytest.fixture
def stream_cfg() -> Iterator[LogConfig]:
    """A stream of the test's own on the machine's NATS (other checkouts share the server)."""
    url = require_nats()
    tag = uuid.uuid4().hex[:10]
    cfg = log_config(
        url=url,
        stream=f"ATD_TEST_{tag}",
        subject=f"atdtest.{tag}",
        partitions=4,
        replicas=1,
        ack_wait_s=1,
    )
    assert cfg is not None

    async def create() -> None:
        from atd.telemetry.devicelog import nats_connect, stream_ensure

        nc = await nats_connect(cfg)
        try:
            await stream_ensure(nc.jetstream(), cfg)
        finally:
            await nc.close()

    asyncio.run(create())
    yield cfg

    async def drop() -> None:
        from atd.telemetry.devicelog import nats_connect

        nc = await nats_connect(cfg)
        try:
            await nc.jetstream().delete_stream(cfg.stream)
        finally:
            await nc.close()

    asyncio.run(drop())
