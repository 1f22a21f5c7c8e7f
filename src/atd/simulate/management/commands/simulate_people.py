"""`atd simulate people --count N`: synthetic participants imported through the intake path."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max

from atd.core.actors import Actor
from atd.core.progress import progress_bar
from atd.core.roles import CASELOAD_ROLES
from atd.people.intake.service import intake_import
from atd.people.models import IntakeBatch, Office, Participant
from atd.simulate.people import release_records


class Command(BaseCommand):
    help = "Make synthetic participants (through intake, so they get cases, officers and address flags)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        offices = list(Office.objects.prefetch_related("staff"))
        if not offices:
            raise CommandError(
                "no offices yet: run `atd demo --seed-only` first or create offices in /admin/"
            )
        specs = [
            {
                "code": o.code,
                "city": o.city or "Springfield",
                "zip": o.postal_code or "62701",
                "officers": [u.username for u in o.staff.all() if u.role in CASELOAD_ROLES],
            }
            for o in offices
        ]
        highest = Participant.objects.aggregate(m=Max("a_number"))["m"]
        start = max(int(highest or 0) + 1, 300_000_000)
        rows = release_records(
            options["count"], offices=specs, seed=options["seed"] or start, a_number_start=start
        )
        total = 0
        with progress_bar("simulating participants", len(rows)) as advance:
            for offset in range(0, len(rows), 5000):
                chunk = rows[offset : offset + 5000]
                result = intake_import(
                    actor=Actor(id=None, label="simulator", role="records_analyst"),
                    rows=chunk,
                    source=IntakeBatch.Source.CLI,
                    filename="simulated",
                )
                total += result.batch.rows_imported
                advance(len(chunk))
        self.stdout.write(f"{total} synthetic participants imported")
