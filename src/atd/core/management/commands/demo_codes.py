"""`atd demo-codes`: the demo users' current one-time codes (refuses outside the demo)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print demo users' current TOTP codes (only with ATD_DEMO=1)"

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ATD_DEMO:
            raise CommandError("demo-codes works only for the demo (ATD_DEMO=1)")
        from django.utils.module_loading import import_string

        rows = import_string("atd.simulate.views.demo_totp_codes")()
        for username, role, code in rows:
            self.stdout.write(f"{username:20} {role:28} {code}")
