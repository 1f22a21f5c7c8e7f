"""Tables of the shared kernel: users, the hash-chained audit log, integration API keys, and
the job system's bookkeeping (periodic firings, job runs with their lease and progress)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from atd.core.roles import Role


class User(AbstractUser):
    """A person who logs in: staff (one role each) or a participant (role=participant)."""

    role = models.CharField(max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    office = models.ForeignKey(
        "people.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    preferred_language = models.CharField(max_length=8, default="en")

    class Meta:
        indexes = [models.Index(fields=["role", "office"])]

    @property
    def is_staff_role(self) -> bool:
        return self.role != Role.PARTICIPANT and self.role != Role.INTEGRATION


class AuditEntry(models.Model):
    """One append-only, HMAC-chained row per change of state or read of personal data.

    Never holds personal values: only ids, kinds and reasons chosen by staff.
    """

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150)
    role = models.CharField(max_length=32)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, db_index=True)
    object_ids = models.TextField(blank=True, default="")
    outcome = models.CharField(max_length=16, default="ok")
    reason = models.CharField(max_length=500, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    source_ip = models.CharField(max_length=64, blank=True, default="")
    # The X-Request-ID the caller sent (a claim, for correlation); request_id is the server's.
    client_request_id = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    # HMAC-SHA256 keyed with the audit key `key_id` (kept outside the database; ADR 0013).
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        # No index on object_ids: a btree entry is limited to ~2.7 kB on PostgreSQL and a list
        # page's entry names up to a page of ids. Searches by object filter on object_type and
        # time first (both indexed), then match the id list.
        indexes = [models.Index(fields=["object_type", "at"])]
        ordering = ["id"]


class AuditChainHead(models.Model):
    """Single row holding the last hash and count: appends lock it, so the chain stays linear
    and a deleted tail row is detected."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)


class ApiKey(models.Model):
    """A machine client's key: only a SHA-256 of the secret is stored; scoped and revocable."""

    class Scope(models.TextChoices):
        INTAKE = "intake", "Release-record intake"
        TELEMETRY = "telemetry", "Telemetry"
        MATCHING_FEED = "matching_feed", "Arrest/booking feed"
        REPORTING = "reporting", "Reporting export"

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class JobFiring(models.Model):
    """One firing of a periodic job for one period. The unique (job, period_start) pair is the
    lock: every worker replica tries to insert the row for the current period, exactly one
    insert succeeds, and only that replica enqueues the job (see core/jobs/periodic.py)."""

    job = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    fired_at = models.DateTimeField()
    fired_by = models.CharField(max_length=64)
    # The queued task's id (a UUID with the database backend; tests' immediate backend differs).
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="job_firing_once")
        ]
        indexes = [models.Index(fields=["fired_at"])]
        ordering = ["-fired_at"]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period_start:%Y-%m-%d %H:%M:%S}"


class JobRun(models.Model):
    """One attempt at one queued task (django-tasks-db's DBTaskResult holds the task itself).

    The worker running it renews `lease_until`; a worker killed mid-job stops renewing, and any
    other worker's reaper marks the run lost and queues the next attempt. `done`/`total` are the
    job's own progress report; `error` is what a failed attempt raised."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued (a retry waiting for its time)"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        RETRIED = "retried", "Failed; a retry is queued"
        FAILED = "failed", "Failed for good"

    task_result_id = models.UUIDField(unique=True)
    job = models.CharField(max_length=200)
    queue = models.CharField(max_length=32)
    attempt = models.PositiveSmallIntegerField(default=1)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    worker_id = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.BigIntegerField(null=True, blank=True)
    total = models.BigIntegerField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "lease_until"]),
            models.Index(fields=["job", "state"]),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.job} #{self.attempt} ({self.state})"
