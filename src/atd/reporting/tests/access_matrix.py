"""Access matrix entries for reporting (see atd.testing.access)."""

from __future__ import annotations

from datetime import UTC, datetime

from atd.core import clock
from atd.reporting.models import Cohort, GeneratedReport
from atd.testing.access import Rule
from atd.testing.world import World

REPORTERS = frozenset({"supervisor", "records_analyst", "admin"})
READERS = REPORTERS | {"auditor"}
MISSING = 999_999_999


def _cohort(world: World) -> Cohort:
    # Office A: visible to the office-A supervisor as well as analysts and admins.
    return Cohort.objects.create(
        name="test cohort",
        filters={},
        office=world.office_a,
        created_by="test",
        created_at=clock.now(),
    )


def cohort_ids(world: World, role: str) -> tuple[int | None, int]:
    return (_cohort(world).pk if role in REPORTERS else None), MISSING


def report_ids(world: World, role: str) -> tuple[int | None, int]:
    if role not in READERS:
        return None, MISSING
    report = GeneratedReport.objects.create(
        kind="cohort_status",
        cohort=_cohort(world),
        parameters={"as_of": "2026-01-31"},
        content=b"report,cohort_status\n",
        content_sha256="0" * 64,
        office=world.office_a,
        created_by="test",
        created_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    return report.pk, MISSING


OBJECTS = {"cohort_id": cohort_ids, "report_id": report_ids}

ENDPOINTS = {
    "POST /api/reporting/cohorts/{cohort_id}/reports": Rule(
        roles=REPORTERS, body={"as_of": "2026-01-31"}, scoped=False
    ),
    "GET /api/reporting/reports/{report_id}": Rule(roles=READERS, scoped=False),
    "GET /api/reporting/reports/{report_id}/csv": Rule(roles=READERS, scoped=False),
    "GET /api/reporting/reports/{report_id}/pdf": Rule(roles=READERS, scoped=False),
    "GET /reporting/cohorts/<cohort_id>/": Rule(roles=REPORTERS, scoped=False),
    "POST /reporting/cohorts/<cohort_id>/generate/": Rule(
        roles=REPORTERS,
        body={"as_of": "2026-01-31"},
        content_type="form",
        ok_statuses=frozenset({302}),
        scoped=False,
    ),
    "GET /reporting/reports/<report_id>/": Rule(roles=READERS, scoped=False),
    "GET /reporting/reports/<report_id>/csv/": Rule(roles=READERS, scoped=False),
    "GET /reporting/reports/<report_id>/pdf/": Rule(roles=READERS, scoped=False),
    "GET /reporting/reports/<report_id>/json/": Rule(roles=READERS, scoped=False),
}
