"""Concurrent raises (PostgreSQL): two workers raising the same participant's tamper at once
end with one open alert counting both occurrences (the bulk insert's race fallback)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from atd.alerts.models import Alert, AlertEvent
from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.testing.services import require_postgres
from atd.testing.world import World


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_raises_fold_into_one_alert(world: World) -> None:
    require_postgres()
    pids = [world.participants["officer_a"].pk, world.participants["specialist_a"].pk]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            alert_raise_many(
                actor=SYSTEM,
                signals=[
                    AlertSignal(
                        kind=AlertKind.STRAP_TAMPER,
                        occurred_at=clock.now() + timedelta(seconds=n),
                        source="race",
                        source_ref=f"w{n}-{pid}",
                        participant_id=pid,
                    )
                    for pid in pids
                ],
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for pid in pids:
        alert = Alert.objects.get(participant_id=pid, kind="strap_tamper")
        assert alert.occurrence_count == 4
        assert AlertEvent.objects.filter(alert=alert).count() == 4
