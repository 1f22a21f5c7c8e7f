"""The periodic court checks (report-by deadlines, unserved notices, missed hearings,
reminders): a one-call adapter over court.services.checks, where the work and its restart
safety are described."""

from __future__ import annotations

from atd.core.actors import SYSTEM
from atd.court.services.checks import CourtCheckResult
from atd.court.services.checks import court_checks_run as _run


def court_checks_run() -> CourtCheckResult:
    return _run(actor=SYSTEM)
