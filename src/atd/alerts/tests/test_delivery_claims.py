"""Delivery is claim → send → record: no transaction is open while a channel sends (on SQLite it
would hold the one write lock), two workers never send a message at once, and a worker that
dies between a send and its record leaves a claim that expires (at least once)."""

from __future__ import annotations

import threading
import time as wall
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from atd.alerts.channels import Channel, DeliveryResult, OutgoingMessage, channels_override
from atd.alerts.channels.email import EmailChannel
from atd.alerts.channels.in_app import InAppChannel
from atd.alerts.channels.in_app.fake import FakeInbox
from atd.alerts.channels.sms import SmsChannel
from atd.alerts.channels.sms.fake import FakeSmsGateway
from atd.alerts.models import DeliveryAttempt, Notification
from atd.alerts.services import notification_enqueue
from atd.alerts.services.delivery import CLAIM_FOR, DeliveryRun, notification_deliver_due
from atd.alerts.tests.test_delivery import officer_pages_by_all_channels
from atd.alerts.tests.test_lifecycle import raise_alert
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.audit import audit_record
from atd.core.models import AuditEntry
from atd.testing.world import World


def _reminder(world: World, key: str, who: str = "officer_a") -> None:
    notification_enqueue(
        kind="reminder.checkin",
        subject=f"Reminder {key}",
        body="Your check-in window opens tomorrow.",
        dedupe_key=key,
        participant_id=world.participants[who].pk,
    )


def _write_from_another_connection(wait_s: float = 1.0) -> str:
    """A write by another thread (its own connection), as a web request would do during the
    send: "" if it committed within `wait_s`, else the error (SQLite: "database is locked")."""
    outcome: list[str] = []

    def write() -> None:
        try:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:  # fail fast instead of the 20 s default
                    cursor.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
            with transaction.atomic():
                audit_record(actor=SYSTEM, action="test.probe_write", object_type="probe")
            outcome.append("")
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=wait_s + 10)
    return outcome[0] if outcome else "the write did not finish"


class WatchingGateway(FakeSmsGateway):
    """An SMS gateway that, while it sends, looks at the worker's connection (is a transaction
    open?) and has another connection write."""

    def __init__(self, fail_next: int = 0) -> None:
        super().__init__(fail_next=fail_next)
        self.seen: list[tuple[bool, str]] = []  # (transaction open, the other write's error)

    def send_sms(self, to: str, text: str) -> str:
        open_txn = connection.in_atomic_block or not connection.get_autocommit()
        self.seen.append((open_txn, _write_from_another_connection()))
        return super().send_sms(to, text)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_a_channel_sends_and_others_can_write(world: World) -> None:
    _reminder(world, "watch")
    gateway = WatchingGateway(fail_next=1)  # the first try fails, the retry succeeds
    with channels_override(sms=SmsChannel(gateway)):
        assert notification_deliver_due().retried == 1
        with clock.frozen_at(clock.now() + timedelta(minutes=1)):
            assert notification_deliver_due().sent == 1
    assert gateway.seen == [(False, ""), (False, "")]
    assert AuditEntry.objects.filter(action="test.probe_write").count() == 2
    n = Notification.objects.get(dedupe_key="watch")
    assert (n.status, n.attempt_count, n.claimed_until) == ("sent", 2, None)
    attempts = DeliveryAttempt.objects.filter(notification=n).order_by("attempt_no")
    assert [(a.attempt_no, a.ok) for a in attempts] == [(1, False), (2, True)]
    assert "gateway timeout" in attempts[0].error


class SlowGateway(FakeSmsGateway):
    """A gateway that takes a while per text (a provider over the network), thread-safe."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def send_sms(self, to: str, text: str) -> str:
        wall.sleep(0.05)
        with self.lock:
            return super().send_sms(to, text)


@pytest.mark.django_db(transaction=True)
def test_two_deliverers_at_once_send_each_message_once(world: World) -> None:
    keys = [f"race-{n}" for n in range(8)]
    for key in keys:
        _reminder(world, key)
    gateway = SlowGateway()
    barrier = threading.Barrier(2)
    runs: list[DeliveryRun] = []
    errors: list[BaseException] = []

    def deliverer() -> None:
        try:
            barrier.wait()
            runs.append(notification_deliver_due())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with channels_override(sms=SmsChannel(gateway)):
        threads = [threading.Thread(target=deliverer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors
    texts = sorted(text for _, text in gateway.sent)
    assert texts == sorted(f"Reminder {k}: Your check-in window opens tomorrow." for k in keys)
    assert sorted(r.claimed for r in runs) == sorted(r.sent for r in runs)
    assert sum(r.sent for r in runs) == 8 and min(r.claimed for r in runs) >= 1  # both worked
    assert DeliveryAttempt.objects.count() == 8
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


class WorkerKilled(BaseException):
    """The worker process dies (SIGKILL, power): nothing after this point runs."""


class KilledAfterSending(FakeSmsGateway):
    """The provider accepts the text, then the worker dies before it can record the attempt."""

    def __init__(self) -> None:
        super().__init__()
        self.kill = True

    def send_sms(self, to: str, text: str) -> str:
        ref = super().send_sms(to, text)
        if self.kill:
            self.kill = False
            raise WorkerKilled
        return ref


@pytest.mark.django_db
def test_a_worker_killed_between_send_and_record_leaves_a_claim_that_expires_then_resends(
    world: World,
) -> None:
    _reminder(world, "killed")
    gateway = KilledAfterSending()
    start = clock.now()
    with channels_override(sms=SmsChannel(gateway)):
        with clock.frozen_at(start), pytest.raises(WorkerKilled):
            notification_deliver_due()
        n = Notification.objects.get(dedupe_key="killed")
        assert n.status == "queued" and not DeliveryAttempt.objects.filter(notification=n)
        with clock.frozen_at(start + CLAIM_FOR - timedelta(seconds=1)):
            assert notification_deliver_due().claimed == 0  # the dead worker's claim holds
        with clock.frozen_at(start + CLAIM_FOR + timedelta(seconds=1)):
            assert notification_deliver_due().sent == 1
    # At least once: the text the dead worker handed over goes again.
    assert len(gateway.sent) == 2
    assert Notification.objects.get(dedupe_key="killed").status == "sent"


@pytest.mark.django_db
def test_a_channel_recorded_as_sent_before_a_crash_is_not_sent_again(world: World) -> None:
    officer_pages_by_all_channels(world)
    raise_alert(world)
    inbox, sms = FakeInbox(), KilledAfterSending()
    sms.kill = False
    mailer_calls: list[str] = []

    class DyingMailer:
        def send(self, *, to: str, subject: str, body: str) -> str:
            mailer_calls.append(to)
            if len(mailer_calls) == 1:
                raise WorkerKilled
            return "mail-ref"

    channels: dict[str, Channel] = {
        "in_app": InAppChannel(inbox),
        "email": EmailChannel(DyingMailer()),
        "sms": SmsChannel(sms),
    }
    start = clock.now()
    with channels_override(**channels):
        with clock.frozen_at(start), pytest.raises(WorkerKilled):
            notification_deliver_due()
        with clock.frozen_at(start + CLAIM_FOR + timedelta(seconds=1)):
            assert notification_deliver_due().sent == 1
    # In-app was recorded before the crash: shown once. E-mail was cut off: sent again.
    assert len(inbox.shown) == 1 and len(mailer_calls) == 2 and len(sms.sent) == 1


class OverrunningMailer:
    """An e-mail send that overruns the claim (a hung server past every timeout); meanwhile
    another worker, its lease expired, claims the message and delivers it."""

    def __init__(self, other_worker: Any) -> None:
        self.calls = 0
        self.other_worker = other_worker

    def send(self, *, to: str, subject: str, body: str) -> str:
        self.calls += 1
        if self.calls == 1:
            clock.advance(CLAIM_FOR + timedelta(seconds=1))
            self.other_worker()
        return f"mail-{self.calls}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_claim_ran_out_sends_nothing_more_and_records_no_outcome(
    world: World,
) -> None:
    officer_pages_by_all_channels(world)
    raise_alert(world)
    other_runs: list[DeliveryRun] = []

    def deliver_elsewhere() -> None:
        try:
            other_runs.append(notification_deliver_due())
        finally:
            connection.close()

    def other_worker() -> None:
        thread = threading.Thread(target=deliver_elsewhere)
        thread.start()
        thread.join(timeout=30)

    inbox, sms, mailer = FakeInbox(), FakeSmsGateway(), OverrunningMailer(other_worker)
    channels: dict[str, Channel] = {
        "in_app": InAppChannel(inbox),
        "email": EmailChannel(mailer),
        "sms": SmsChannel(sms),
    }
    with channels_override(**channels):
        first = notification_deliver_due()
    assert [r.sent for r in other_runs] == [1]
    # The first worker stopped at its lost claim: the text went once, by the other worker, and
    # the outcome is the other worker's (counted once).
    assert len(sms.sent) == 1 and first.sent == 0 and first.claimed == 1
    n = Notification.objects.get(kind="alert.new")
    assert (n.status, n.attempt_count, n.claimed_until) == ("sent", 1, None)
    # In-app was recorded before the overrun, so the other worker did not show it again; the
    # e-mail attempt of the first worker was not recorded when the other looked, so it went twice.
    assert len(inbox.shown) == 1 and mailer.calls == 2


class BrokenChannel:
    """A plug-in that raises (a bug, a missing setting)."""

    name = "sms"
    max_attempts = 4

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        raise RuntimeError("plug-in misconfigured")


@pytest.mark.django_db(transaction=True)
def test_a_channel_that_raises_is_a_recorded_failure_audited_and_not_retried(
    world: World,
) -> None:
    _reminder(world, "broken")
    with channels_override(sms=BrokenChannel()):
        run = notification_deliver_due()
    assert (run.claimed, run.failed) == (1, 1)
    n = Notification.objects.get(dedupe_key="broken")
    assert (n.status, n.claimed_until) == ("failed", None)
    attempt = DeliveryAttempt.objects.get(notification=n)
    assert not attempt.ok and attempt.error == "RuntimeError: plug-in misconfigured"
    entry = AuditEntry.objects.get(action="notification.failed")
    assert "sms: RuntimeError: plug-in misconfigured" in entry.reason
