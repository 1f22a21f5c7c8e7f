"""Admin site for what an administrator administers: staff accounts and integration keys.
The audit log is shown read-only; participant data is not in the admin site (it would bypass
the scoped, audited selectors)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from atd.core.models import ApiKey, AuditEntry, User


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
