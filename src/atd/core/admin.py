"""Admin site for what an administrator administers: staff accounts and integration keys.
The audit log is shown read-only; participant data is not in the admin site (it would bypass
the scoped, audited selectors)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from atd.core.models import ApiKey, AuditEntry, JobFiring, JobRun, User


@admin.register(User)
class AtdUserAdmin(UserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "office",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "office", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("atd", {"fields": ("role", "organisation", "office", "preferred_language")}),
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "secret_hash", "created_at", "created_by", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued with `atd apikey issue` so the secret is shown once


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "at",
        "actor_label",
        "role",
        "action",
        "object_type",
        "object_ids",
        "outcome",
    )
    list_filter = ("action", "role", "outcome")
    search_fields = ("actor_label", "action", "object_ids", "request_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Every attempt at a background job: what runs now (with rows done / total), what is
    waiting to retry, and what failed for good with its error (ADR 0015)."""

    list_display = (
        "id",
        "job",
        "queue",
        "state",
        "attempt",
        "max_attempts",
        "progress",
        "worker_id",
        "started_at",
        "finished_at",
    )
    list_filter = ("state", "queue", "job")
    search_fields = ("job", "error", "worker_id")
    readonly_fields = [f.name for f in JobRun._meta.fields]

    @admin.display(description="progress")
    def progress(self, obj: JobRun) -> str:
        if obj.done is None:
            return ""
        if obj.total:
            return f"{obj.done:,} / {obj.total:,} ({100 * obj.done / obj.total:.0f}%)"
        return f"{obj.done:,}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JobFiring)
class JobFiringAdmin(admin.ModelAdmin):
    list_display = ("job", "period_start", "fired_at", "fired_by", "task_result_id")
    list_filter = ("job",)
    readonly_fields = [f.name for f in JobFiring._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
