"""The job system (ADR 0015): periodic firing once across replicas, retries with backoff,
failures kept for an admin, leases that let a killed worker's job be retried, and a paging
queue that runs while a long job holds the other workers (real `atd worker` subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from atd.core.extensions import JobQueue, PeriodicJob, periodic_jobs
from atd.core.jobs import periodic, runs
from atd.core.jobs import settings as job_settings
from atd.core.models import JobFiring, JobRun

T0 = datetime(2026, 3, 2, 9, 0, 7, tzinfo=UTC)


@pytest.fixture
def counting_job() -> Iterator[tuple[PeriodicJob, list[int]]]:
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    job = PeriodicJob("test.counting", every=timedelta(minutes=1), run=count)
    periodic_jobs.append(job)
    try:
        yield job, calls
    finally:
        periodic_jobs.remove(job)


def test_period_start_is_aligned_the_same_on_every_replica() -> None:
    every = timedelta(seconds=15)
    assert periodic.period_start(T0, every) == datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
    assert periodic.period_start(T0 + timedelta(seconds=8), every) == datetime(
        2026, 3, 2, 9, 0, 15, tzinfo=UTC
    )
    hour = timedelta(hours=6)
    assert periodic.period_start(T0, hour) == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def test_backoff_doubles_and_is_capped() -> None:
    assert [job_settings.backoff(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    assert job_settings.backoff(30) == timedelta(minutes=15)


def test_every_paging_job_is_on_the_paging_queue() -> None:
    queues = {job.name: job.queue for job in periodic_jobs}
    for name in (
        "alerts.deliver_notifications",
        "alerts.escalate",
        "telemetry.no_signal",
        "checkins.windows_close",
    ):
        assert queues[name] == JobQueue.PAGING, name
    for name in ("scheduling.schedule_all", "reporting.facts_refresh", "telemetry.retention_purge"):
        assert queues[name] == JobQueue.BATCH, name


@pytest.mark.django_db
def test_a_periodic_job_fires_once_per_period_with_two_replicas(counting_job) -> None:
    job, calls = counting_job
    assert periodic.periodic_jobs_fire_due(worker_id="replica-a", now=T0, jobs=[job]) == [job.name]
    assert periodic.periodic_jobs_fire_due(worker_id="replica-b", now=T0, jobs=[job]) == []
    later_same_period = T0 + timedelta(seconds=40)
    assert periodic.periodic_jobs_fire_due(worker_id="b", now=later_same_period, jobs=[job]) == []
    assert len(calls) == 1
    next_period = T0 + timedelta(seconds=60)
    assert periodic.periodic_jobs_fire_due(worker_id="b", now=next_period, jobs=[job]) == [job.name]
    assert len(calls) == 2
    assert list(JobFiring.objects.values_list("fired_by", flat=True).order_by("period_start")) == [
        "replica-a",
        "b",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_replicas_racing_on_their_own_connections_fire_once(counting_job) -> None:
    job, calls = counting_job
    barrier = threading.Barrier(2)
    fired: dict[str, list[str]] = {}

    def replica(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            fired[name] = periodic.periodic_jobs_fire_due(worker_id=name, now=T0, jobs=[job])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=replica, args=(n,)) for n in ("r1", "r2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(len(v) for v in fired.values()) == [0, 1]
    assert JobFiring.objects.filter(job=job.name).count() == 1
    assert len(calls) == 1


def _db_task(path: str, *, queue: str = "default", status: str = "RUNNING", **kwargs: object):
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": kwargs},
        priority=0,
        task_path=path,
        queue_name=queue,
        backend_name="default",
        run_after=get_date_max(),
        status=status,
    )


@pytest.mark.django_db
def test_a_failed_attempt_is_retried_with_backoff_then_kept_failed_for_an_admin() -> None:
    task = _db_task("atd.core.tests.job_tasks.page", mark="/nonexistent")
    run = runs.run_begin(db_task=task, worker_id="w1")
    assert (run.attempt, run.state, run.max_attempts) == (1, JobRun.State.RUNNING, 3)
    task.set_failed(RuntimeError("channel down"))
    before = timezone.now()
    assert runs.run_finish(run=run, db_task=task) == JobRun.State.RETRIED
    retry = DBTaskResult.objects.exclude(id=task.id).get()
    assert retry.status == "READY" and retry.queue_name == "default"
    assert retry.run_after >= before + timedelta(seconds=9)
    assert retry.args_kwargs == task.args_kwargs
    for attempt in (2, 3):
        current = DBTaskResult.objects.filter(status="READY").get()
        current.claim("w2")
        run = runs.run_begin(db_task=current, worker_id="w2")
        assert run.attempt == attempt
        current.set_failed(RuntimeError(f"channel down {attempt}"))
        runs.run_finish(run=run, db_task=current)
    assert not DBTaskResult.objects.filter(status="READY").exists()
    final = JobRun.objects.get(attempt=3)
    assert final.state == JobRun.State.FAILED and "channel down 3" in final.error
    assert JobRun.objects.filter(state=JobRun.State.RETRIED).count() == 2


@pytest.mark.django_db
def test_a_run_whose_lease_ran_out_is_reaped_once_and_retried() -> None:
    task = _db_task("atd.core.tests.job_tasks.page", mark="/x")
    run = runs.run_begin(db_task=task, worker_id="dead")
    assert runs.runs_reap_lost() == 0  # the lease is fresh
    later = timezone.now() + job_settings.lease() + timedelta(seconds=1)
    assert runs.runs_reap_lost(now=later) == 1
    assert runs.runs_reap_lost(now=later) == 0  # a second reaper finds nothing to take
    task.refresh_from_db()
    assert task.status == "FAILED" and "WorkerLost" in task.exception_class_path
    run.refresh_from_db()
    assert run.state == JobRun.State.RETRIED and "stopped renewing" in run.error
    assert JobRun.objects.get(attempt=2).state == JobRun.State.QUEUED
    # The dead worker's late renewal does not take the run back.
    assert not runs.run_renew(run_id=run.pk, worker_id="dead", progress=(5, 10))


# --- real worker processes --------------------------------------------------------------


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(*args: str, lease_s: int = 60) -> subprocess.Popen[bytes]:
    from django.conf import settings

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        "ATD_VAR_DIR": str(settings.VAR_DIR),
        "DATABASE_URL": _database_url(),
        "ATD_JOB_LEASE_SECONDS": str(lease_s),
        "ATD_JOB_BACKOFF_SECONDS": "1",
        "ATD_JOB_TICK_SECONDS": "0.3",
    }
    return subprocess.Popen(  # noqa: S603 (our own CLI)
        [
            sys.executable,
            "-m",
            "atd.cli",
            "worker",
            "--no-startup-delay",
            "--interval",
            "0.1",
            *args,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(condition: Callable[[], bool], timeout: float = 240.0) -> None:
    # Generous: a worker process starting Django on a shared, loaded machine can take minutes.
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def _stop(*workers: subprocess.Popen[bytes]) -> list[int]:
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    codes = []
    for w in workers:
        try:
            codes.append(w.wait(timeout=30))
        except subprocess.TimeoutExpired:
            w.kill()
            codes.append(w.wait())
    return codes


def _status(task_id: Any) -> str:
    return DBTaskResult.objects.get(id=task_id).status


@pytest.mark.django_db(transaction=True)
def test_a_paging_job_runs_while_a_long_job_holds_the_other_worker(tmp_path: Path) -> None:
    started, release, mark = tmp_path / "started", tmp_path / "release", tmp_path / "paged"
    general = _start_worker("--queue-name", "*", "--no-schedule")
    paging = _start_worker("--queue-name", "paging", "--no-schedule")
    try:
        long = _db_task(
            "atd.core.tests.job_tasks.hold",
            queue="batch",
            status="READY",
            started=str(started),
            release=str(release),
        )
        _wait(started.exists)
        assert _status(long.id) == "RUNNING"
        page = _db_task(
            "atd.core.tests.job_tasks.page", queue="paging", status="READY", mark=str(mark)
        )
        _wait(lambda: _status(page.id) == "SUCCESSFUL", timeout=120)
        assert mark.exists()
        assert _status(long.id) == "RUNNING"  # the long job still holds the general worker
        # Its progress, as an admin sees it on the Job runs page.
        _wait(lambda: JobRun.objects.filter(task_result_id=long.id, done=1, total=2).exists())
        # SIGTERM is graceful: the general worker finishes its current job, then exits.
        general.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert general.poll() is None
        release.touch()
        assert general.wait(timeout=30) == 0
        assert _status(long.id) == "SUCCESSFUL"
        assert JobRun.objects.get(task_result_id=long.id).state == JobRun.State.SUCCEEDED
    finally:
        _stop(general, paging)


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_job_is_retried_by_another_worker(tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    doomed = _start_worker("--no-schedule", lease_s=2)
    try:
        task = _db_task(
            "atd.core.tests.job_tasks.hold",
            queue="batch",
            status="READY",
            started=str(started),
            release=str(release),
        )
        _wait(started.exists)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        assert _status(task.id) == "RUNNING"  # nobody has noticed yet
        release.touch()
        survivor = _start_worker("--no-schedule", lease_s=2)
        try:
            _wait(
                lambda: JobRun.objects.filter(
                    attempt=2, state=JobRun.State.SUCCEEDED, job=task.task_path
                ).exists()
            )
        finally:
            assert _stop(survivor) == [0]
        first = JobRun.objects.get(task_result_id=task.id)
        assert first.state == JobRun.State.RETRIED and "WorkerLost" in first.error
        assert _status(task.id) == "FAILED"
    finally:
        _stop(doomed)


@pytest.mark.django_db
def test_a_failure_is_logged_as_a_warning_with_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    task = _db_task("atd.core.tests.job_tasks.page", mark="/nonexistent")
    run = runs.run_begin(db_task=task, worker_id="w1")
    try:
        raise RuntimeError("channel down")
    except RuntimeError as exc:
        task.set_failed(exc)
    with caplog.at_level("DEBUG", logger="atd.jobs"):
        runs.run_finish(run=run, db_task=task)
    (record,) = [r for r in caplog.records if r.name == "atd.jobs"]
    assert record.levelname == "WARNING"
    assert record.getMessage() == (
        "job atd.core.tests.job_tasks.page attempt 1 of 3 failed, retried after a backoff: "
        "RuntimeError: channel down"
    )
    assert runs.failure_reason("") == "no error recorded"


def test_the_worker_logs_routine_task_runs_below_info() -> None:
    """django-tasks' per-task start/finish lines drop to WARNING at the default verbosity
    (its failure lines are ERROR), back to DEBUG with -v 2."""
    import logging

    from atd.core.management.commands.worker import Command

    tasks_logger = logging.getLogger("django_tasks")
    before = tasks_logger.level
    try:
        Command().configure_logging(1)
        assert tasks_logger.level == logging.WARNING
        assert logging.getLogger("django_tasks_db").level == logging.INFO  # "Starting worker"
        Command().configure_logging(2)
        assert tasks_logger.level == logging.DEBUG
    finally:
        tasks_logger.setLevel(before)
