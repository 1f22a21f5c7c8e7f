"""atd manage matching_import --source SOURCE FILE: import a booking feed file (CSV/JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from atd.core.errors import DomainError
from atd.matching import services
from atd.matching.feeds.readers import feed_format_guess, feed_rows_decode


class Command(BaseCommand):
    help = "Import arrest/booking records from a CSV or JSON file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--source", required=True)
        parser.add_argument("--link", action="store_true", help="link the batch right away")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        content = path.read_bytes()
        fmt = feed_format_guess(path.name)
        try:
            rows = feed_rows_decode(content, fmt=fmt)
            result = services.feed_import(
                actor=None,
                source=opts["source"],
                rows=rows,
                channel="csv" if fmt == "csv" else "json",
                filename=path.name,
                content=content,
                max_rows=settings.ATD_MATCHING_FEED_MAX_ROWS,
            )
        except DomainError as exc:
            raise CommandError(exc.detail or exc.title) from None
        b = result.batch
        self.stdout.write(
            f"batch {b.pk}: {b.rows_total} rows, {b.rows_imported} imported, "
            f"{b.rows_unchanged} unchanged, {b.rows_rejected} rejected"
        )
        for e in b.row_errors.all()[:50]:
            self.stdout.write(f"  row {e.row_number} {e.field}: {e.reason}")
        if opts["link"]:
            linked = services.feed_batch_link(actor=None, batch=b)
            self.stdout.write(f"linked: {linked.candidates_created} candidate(s) queued")
