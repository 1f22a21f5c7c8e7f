"""`atd manage notifications_deliver [--loop SECONDS]`: send queued notifications."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from atd.alerts.services.delivery import notification_deliver_due


class Command(BaseCommand):
    help = "Deliver queued notifications through their channels (once, or every --loop seconds)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            run = notification_deliver_due()
            self.stdout.write(
                f"claimed={run.claimed} sent={run.sent} retried={run.retried} failed={run.failed}"
            )
            if not options["loop"]:
                return
            time.sleep(options["loop"])
