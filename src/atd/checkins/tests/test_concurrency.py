"""Concurrent retries of one check-in (a phone resending while the first request is in flight)
make one row: the unique key decides, not a check-then-insert."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from atd.checkins.models import Checkin
from atd.checkins.rules import Fix
from atd.checkins.services import CheckinInput, checkin_remote_submit
from atd.checkins.tests.support import key, participant_scope, plan_for
from atd.core import clock
from atd.testing.services import require_postgres
from atd.testing.world import World

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_retries_with_one_key_store_one_checkin(world: World) -> None:
    require_postgres()
    pid = world.participants["officer_a"].pk
    plan_for(pid, at=clock.now() - timedelta(days=7))
    k = key()
    now = clock.now()
    receipts: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        try:
            barrier.wait()
            result = checkin_remote_submit(
                actor=None,
                scope=participant_scope(pid),
                data=CheckinInput(
                    idempotency_key=k, captured_at=now, fix=Fix(41.88, -87.63, 10, now)
                ),
            )
            receipts.append(result.checkin.receipt_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Checkin.objects.filter(participant_id=pid).count() == 1
    assert len(set(receipts)) == 1
