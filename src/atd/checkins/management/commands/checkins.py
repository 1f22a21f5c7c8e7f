"""`atd checkins windows|close`: run the check-in jobs once (the scheduler runs them too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atd.checkins.services import windows_close_due, windows_generate


class Command(BaseCommand):
    help = "Generate check-in windows from plans and intake deadlines, or close due windows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["windows", "close", "all"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] in ("windows", "all"):
            self.stdout.write(f"windows proposed: {windows_generate()}")
        if options["action"] in ("close", "all"):
            result = windows_close_due()
            self.stdout.write(f"windows missed: {len(result.missed)}; alerts: {result.alerts}")
