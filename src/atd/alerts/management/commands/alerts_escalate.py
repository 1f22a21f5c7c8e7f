"""`atd manage alerts_escalate [--loop SECONDS]`: escalate alerts past their SLA."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from atd.alerts.services.escalation import alert_escalate_due


class Command(BaseCommand):
    help = "Escalate unacknowledged alerts past their SLA (once, or every --loop seconds)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            run = alert_escalate_due()
            self.stdout.write(
                f"checked={run.checked} escalated={run.escalated} notified={run.notified}"
            )
            if not options["loop"]:
                return
            time.sleep(options["loop"])
