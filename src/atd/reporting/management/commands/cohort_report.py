"""`atd manage cohort_report --cohort ID --as-of YYYY-MM-DD [--known-at ISO] [--out DIR]`:
generate and file a cohort status report (CSV + PDF) from the command line; passing a filed
report's known_at reproduces its bytes, which the command checks against the stored hash."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atd.core.actors import Actor
from atd.core.errors import DomainError
from atd.core.scope import Scope
from atd.reporting import selectors, services
from atd.reporting.models import GeneratedReport


class Command(BaseCommand):
    help = "Generate (or reproduce) a cohort status report and print its SHA-256."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cohort", type=int, required=True)
        parser.add_argument("--as-of", required=True)
        parser.add_argument("--known-at", default="")
        parser.add_argument("--with-list", action="store_true")
        parser.add_argument("--out", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope.system()
        actor = Actor(id=None, label="cli:cohort_report", role="admin")
        try:
            report = services.report_generate(
                actor=actor,
                scope=scope,
                cohort_id=options["cohort"],
                as_of=date.fromisoformat(options["as_of"]),
                known_at=datetime.fromisoformat(options["known_at"])
                if options["known_at"]
                else None,
                with_list=options["with_list"],
            )
        except (DomainError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        earlier = (
            GeneratedReport.objects.filter(parameters=report.parameters)
            .exclude(pk=report.pk)
            .order_by("created_at")
            .first()
        )
        self.stdout.write(
            f"report {report.pk} sha256={report.content_sha256} pdf={report.pdf_sha256}"
        )
        self.stdout.write(f"parameters {report.parameters}")
        if earlier is not None:
            same = earlier.content_sha256 == report.content_sha256
            self.stdout.write(f"reproduces report {earlier.pk}: {'yes' if same else 'NO'}")
        if options["out"]:
            folder = Path(options["out"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"report-{report.pk}.csv").write_bytes(bytes(report.content))
            (folder / f"report-{report.pk}.pdf").write_bytes(selectors.report_pdf(report))
            self.stdout.write(f"written to {folder}")
