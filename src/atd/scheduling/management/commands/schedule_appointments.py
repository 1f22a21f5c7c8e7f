"""`atd manage schedule_appointments [--office CODE]`: runs the automatic scheduler now (it
also runs as a periodic job). Safe to repeat: nothing already booked is booked again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.core.actors import Actor
from atd.people import selectors as people
from atd.scheduling import services

CLI_ACTOR = Actor(id=None, label="cli:schedule_appointments", role="admin")


class Command(BaseCommand):
    help = "Books due in-person check-ins and first reports into office capacity."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--office", help="office code (default: every office)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["office"]:
            office = people.office_list().filter(code=options["office"]).first()
            if office is None:
                raise CommandError(f"no office with code {options['office']!r}")
            runs = [services.appointments_schedule_office(actor=CLI_ACTOR, office_id=office.pk)]
        else:
            runs = services.appointments_schedule_all(actor=CLI_ACTOR)
        for run in runs:
            self.stdout.write(
                f"office {run.office_id}: booked {run.booked} (late {run.late}, beyond calendar "
                f"{run.unplaced}, already booked {run.already_booked}); last day {run.last_day}"
            )
