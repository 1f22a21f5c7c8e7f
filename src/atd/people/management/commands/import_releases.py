"""`atd import-releases FILE`: import release records (CSV, JSON or NDJSON; docs/intake.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.core.actors import Actor
from atd.core.errors import DomainError
from atd.core.progress import progress_bar
from atd.people.intake.readers import release_format_guess, release_rows_decode
from atd.people.intake.service import intake_import
from atd.people.models import IntakeBatch


class Command(BaseCommand):
    help = "Import release records from a CSV or JSON file"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["csv", "json", "ndjson"])
        parser.add_argument(
            "--show-errors", type=int, default=20, help="how many row errors to print"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        content = path.read_bytes()
        try:
            rows = release_rows_decode(
                content, fmt=options["format"] or release_format_guess(path.name)
            )
            with progress_bar(f"importing {path.name}", len(rows)) as advance:
                result = intake_import(
                    actor=Actor(id=None, label="cli", role="records_analyst"),
                    rows=rows,
                    source=IntakeBatch.Source.CLI,
                    filename=path.name,
                    content=content,
                    progress=advance,
                    max_rows=settings.ATD_INTAKE_MAX_ROWS,
                )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        batch = result.batch
        for error in result.errors[: options["show_errors"]]:
            self.stderr.write(f"row {error.row}: {error.field}: {error.reason}")
        if len(result.errors) > options["show_errors"]:
            self.stderr.write(
                f"... {len(result.errors) - options['show_errors']} more (see the console, batch {batch.pk})"
            )
        self.stdout.write(
            f"batch {batch.pk}: {batch.rows_total} rows, {batch.rows_imported} imported, "
            f"{batch.rows_unchanged} unchanged, {batch.rows_rejected} rejected, "
            f"{batch.addresses_flagged} addresses flagged"
        )
