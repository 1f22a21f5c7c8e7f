"""Admin for offices, organisations and known non-residential addresses (no personal data)."""

from django.contrib import admin

from atd.people.models import KnownAddress, Office, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "timezone", "city")
    search_fields = ("code", "name", "city")


@admin.register(KnownAddress)
class KnownAddressAdmin(admin.ModelAdmin):
    list_display = ("label", "kind", "normalized_key")
    list_filter = ("kind",)
