"""Day partitions of positions on PostgreSQL: created ahead, dropped by retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from atd.core.scope import Scope
from atd.telemetry.models import Position
from atd.telemetry.partitions import (
    DEFAULT,
    partition_name,
    partitions_create_ahead,
    partitions_list,
    positions_partitioned,
)
from atd.telemetry.services import legal_hold_place, positions_purge
from atd.telemetry.tests.conftest import Tracked, make_tracked
from atd.testing.services import require_postgres

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def where(position_id: int) -> str:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tableoid::regclass::text FROM telemetry_position WHERE id = %s", [position_id]
        )
        return str(cur.fetchone()[0])


def fixes(t: Tracked, start: datetime, n: int, step: timedelta = timedelta(hours=1)) -> list[int]:
    rows = [
        Position(
            device_id=t.device_id,
            participant_id=t.participant_id,
            fix_time=start + i * step,
            received_at=NOW,
            lat=41.88,
            lon=-87.63,
        )
        for i in range(n)
    ]
    Position.objects.bulk_create(rows)
    return list(
        Position.objects.filter(device_id=t.device_id, fix_time__gte=start)
        .order_by("fix_time")
        .values_list("id", flat=True)[:n]
    )


def test_partitions_are_created_ahead_once_and_take_their_days_rows(world: Any) -> None:
    require_postgres()
    assert positions_partitioned()
    t = make_tracked(world)
    # A fix that came before its day's partition existed waits in the default partition...
    early = fixes(t, NOW + timedelta(days=2), 1)[0]
    assert where(early) == DEFAULT
    created = partitions_create_ahead(now=NOW, days_back=3, days_ahead=4)
    assert len(created) == 8 and partition_name(NOW.date()) in created
    # ...and moves into it when the day is created; nothing is created twice.
    assert where(early) == partition_name((NOW + timedelta(days=2)).date())
    assert partitions_create_ahead(now=NOW, days_back=3, days_ahead=4) == []
    new = fixes(t, NOW - timedelta(hours=30), 2)
    assert where(new[0]) == partition_name((NOW - timedelta(hours=30)).date())
    assert Position.objects.filter(device_id=t.device_id).count() == 3
    # The unique key still refuses a repeat across the partitioned table.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        fixes(t, NOW - timedelta(hours=30), 1)


def test_retention_drops_whole_days_and_keeps_evidence_and_held_rows(world: Any) -> None:
    require_postgres()
    t = make_tracked(world)
    held = make_tracked(world, "specialist_a", kind="wrist")
    old_day = NOW - timedelta(days=40)
    partitions_create_ahead(now=old_day, days_back=1, days_ahead=1)
    partitions_create_ahead(now=NOW, days_back=1, days_ahead=1)
    old = fixes(t, old_day.replace(hour=1), 5)
    Position.objects.filter(id=old[0]).update(keep=True)  # cited by an alert
    held_rows = fixes(held, old_day.replace(hour=2), 2)
    recent = fixes(t, NOW - timedelta(hours=2), 2)
    admin = world.user("admin")
    legal_hold_place(
        actor=admin, scope=Scope.for_user(admin), participant_id=held.participant_id, reason="x"
    )
    deleted = positions_purge(now=NOW)
    assert deleted == 4  # the other 4 old fixes of the unheld device
    days = {p.day for p in partitions_list()}
    assert old_day.date() not in days and NOW.date() in days
    assert where(old[0]) == DEFAULT and all(where(i) == DEFAULT for i in held_rows)
    assert set(Position.objects.values_list("id", flat=True)) == {old[0], *held_rows, *recent}
    assert positions_purge(now=NOW) == 0  # a second run finds nothing more
