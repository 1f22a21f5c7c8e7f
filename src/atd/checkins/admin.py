"""Admin for the graduated-response ladders (no personal data): each save and delete goes
through an audited service; a ladder that does not rise is refused by the form."""

from typing import Any

from django import forms
from django.contrib import admin

from atd.checkins.ladder_models import LadderPolicy
from atd.checkins.services import ladder_policy_delete, ladder_policy_save
from atd.checkins.services.ladder import policy_spec_of


class LadderPolicyForm(forms.ModelForm):
    class Meta:
        model = LadderPolicy
        fields = (
            "office",
            "window_weeks",
            "reminder_at",
            "call_at",
            "review_at",
            "silence_task_after",
            "coverage_start",
            "coverage_end",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            probe = LadderPolicy(**{k: v for k, v in data.items() if k != "office"})
            for problem in policy_spec_of(probe).problems():
                self.add_error(None, problem)
        return data


@admin.register(LadderPolicy)
class LadderPolicyAdmin(admin.ModelAdmin):
    form = LadderPolicyForm
    list_display = (
        "__str__",
        "window_weeks",
        "reminder_at",
        "call_at",
        "review_at",
        "silence_task_after",
        "coverage_start",
        "coverage_end",
        "updated_by_label",
    )
    readonly_fields = ("updated_at", "updated_by_label")

    def save_model(self, request: Any, obj: LadderPolicy, form: Any, change: bool) -> None:
        ladder_policy_save(actor=request.user, policy=obj)

    def delete_model(self, request: Any, obj: LadderPolicy) -> None:
        ladder_policy_delete(actor=request.user, policy_id=obj.pk)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            ladder_policy_delete(actor=request.user, policy_id=obj.pk)
