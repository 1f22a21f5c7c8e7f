"""Writes for court records: notices and their service, hearings and outcomes, legal status.

Each write is atomic, attributed and audited once; alerts it implies are raised in the same
transaction, and a participant's messages are queued on commit."""

from atd.court.services.checks import CourtCheckResult, court_checks_run
from atd.court.services.hearings import (
    hearing_missed_signal,
    hearing_outcome_record,
    hearing_reschedule,
    hearing_schedule,
)
from atd.court.services.legal_status import legal_status_record
from atd.court.services.notices import notice_issue, notice_report_record, notice_serve
from atd.court.services.summary import case_summary_refresh

__all__ = [
    "CourtCheckResult",
    "court_checks_run",
    "case_summary_refresh",
    "hearing_missed_signal",
    "hearing_outcome_record",
    "hearing_reschedule",
    "hearing_schedule",
    "legal_status_record",
    "notice_issue",
    "notice_report_record",
    "notice_serve",
]
