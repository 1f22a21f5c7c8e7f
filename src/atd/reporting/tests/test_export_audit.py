"""Bulk exports audit what they returned: the cohort list names its participants (or a hash
and count of them), each download of a filed report its id, row count and content hash (issue
16, "Why" item 7: the analyst's cohort list export was audited without the ids)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest

from atd.core import clock
from atd.core.audit_export import export_audit_record, export_ids_digest
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.reporting import rules, services
from atd.testing.world import World


def _list_report(world: World) -> Any:
    for case in world.cases.values():  # known before the report's known_at (whole seconds)
        case.opened_at = clock.now() - timedelta(days=1)
        case.save(update_fields=["opened_at"])
    analyst = world.user("records_analyst")
    scope = Scope.for_user(analyst)
    cohort = services.cohort_save(
        actor=analyst, scope=scope, name="All", filters=rules.CohortFilters()
    )
    return services.report_generate(
        actor=analyst, scope=scope, cohort_id=cohort.pk, as_of=clock.now().date(), with_list=True
    )


@pytest.mark.django_db
def test_cohort_list_export_audits_the_participant_ids_it_returned(world: World) -> None:
    report = _list_report(world)
    entry = AuditEntry.objects.filter(action="report.cohort_list").latest("id")
    expected = sorted(p.pk for p in world.participants.values())
    assert entry.object_type == "participant"
    assert entry.object_ids == ",".join(str(p) for p in expected)
    joined = ",".join(str(p) for p in expected)
    assert f"sha256={hashlib.sha256(joined.encode()).hexdigest()}" in entry.reason
    assert f"{len(expected)} participant(s)" in entry.reason
    assert report.participants == len(expected)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "purpose"),
    [
        ("/api/reporting/reports/{id}/csv", "csv"),
        ("/api/reporting/reports/{id}/pdf", "pdf"),
        ("/reporting/reports/{id}/csv/", "csv"),
        ("/reporting/reports/{id}/pdf/", "pdf"),
        ("/reporting/reports/{id}/", "page"),
    ],
)
def test_each_download_of_a_filed_report_is_audited_with_its_hash_and_rows(
    world: World, client_for: Any, path: str, purpose: str
) -> None:
    report = _list_report(world)
    before = AuditEntry.objects.filter(action="report.read").count()
    response = client_for("auditor").get(path.format(id=report.pk))
    assert response.status_code == 200
    entries = AuditEntry.objects.filter(action="report.read").order_by("id")
    assert entries.count() == before + 1
    entry = entries.last()
    assert entry is not None
    assert entry.actor_label == world.user("auditor").username
    assert entry.object_type == "report" and entry.object_ids == str(report.pk)
    assert report.content_sha256 in entry.reason
    rows = bytes(report.content).count(b"\n") - 1
    assert f"rows={rows}" in entry.reason and rows == report.participants
    assert entry.reason.startswith(purpose)


@pytest.mark.django_db
def test_an_export_too_long_to_name_is_recorded_by_count_and_hash(world: World) -> None:
    ids = range(1, 10_001)  # ~49 kB of ids: more than one entry holds
    entry = export_audit_record(
        actor=world.user("admin"),
        action="test.export",
        object_type="participant",
        ids=ids,
        reason="bulk",
    )
    _, count, digest = export_ids_digest(ids)
    assert entry.object_ids == ""
    assert count == 10_000
    assert f"10000 participant(s) ids sha256={digest} (ids not listed)" in entry.reason
    # The fingerprint does not depend on order or repeats.
    assert export_ids_digest([3, 1, 2, 2])[2] == export_ids_digest([1, 2, 3])[2]
