"""`atd audit verify`: walk the audit log's hash chain and report any edited or missing entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atd.core.audit import audit_verify
from atd.core.models import AuditChainHead
from atd.core.progress import progress_bar


class Command(BaseCommand):
    help = "Audit log tools: verify"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        head = AuditChainHead.objects.filter(id=1).first()
        total = head.count if head else 0
        with progress_bar("verifying audit chain", total) as advance:
            result = audit_verify(progress=advance)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"audit chain BROKEN: {len(result.problems)} problem(s) in {result.checked} entries"
            )
        self.stdout.write(f"audit chain OK: {result.checked} entries verified")
