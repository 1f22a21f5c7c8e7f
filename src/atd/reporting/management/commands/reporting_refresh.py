"""`atd manage reporting_refresh [--full]`: bring the report facts up to date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from atd.reporting.facts import case_facts_refresh


class Command(BaseCommand):
    help = "Refresh the per-case report facts (incremental; --full recomputes every case)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--full", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result = case_facts_refresh(full=options["full"])
        self.stdout.write(f"{result.cases} case(s) refreshed")
