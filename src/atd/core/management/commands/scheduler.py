"""`atd scheduler`: runs every registered periodic job at its interval.

Jobs are restart-safe by contract (they derive their work from stored state), so a scheduler
that was down simply catches up on its next pass. One failing job is logged with its traceback
and does not stop the others.
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from atd.core.extensions import periodic_jobs

log = logging.getLogger("atd.scheduler")


class Command(BaseCommand):
    help = "Run periodic jobs (missed check-ins, SLA escalation, no-signal, retention, ...)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("now", True))
        last_run: dict[str, float] = {}
        jobs = list(periodic_jobs)
        self.stdout.write(
            f"scheduler: {len(jobs)} job(s): {', '.join(j.name for j in jobs) or 'none'}"
        )
        while not stop["now"]:
            for job in jobs:
                due = last_run.get(job.name, 0.0) + job.every.total_seconds()
                if options["once"] or time.monotonic() >= due:
                    close_old_connections()
                    try:
                        job.run()
                    except Exception:
                        log.exception("periodic job %s failed", job.name)
                    last_run[job.name] = time.monotonic()
            if options["once"]:
                return
            time.sleep(options["tick"])
