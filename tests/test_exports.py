"""CSV exports of the alert queue, the caseload and the audit-log search: plain RFC 4180 with
the header first, limited to the caller's scope and filter, safe to open in a spreadsheet, and
each audited with the ids it returned and their count."""

from __future__ import annotations

import csv
import io
from typing import Any

from atd.alerts.tests.test_lifecycle import raise_alert
from atd.core.csv_export import cell_safe
from atd.core.models import AuditEntry
from atd.testing.world import World


def _table(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert "\r\n" in body
    return list(csv.reader(io.StringIO(body)))


def test_cells_a_spreadsheet_would_run_are_written_as_text() -> None:
    assert cell_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell_safe("@SUM(A1)") == "'@SUM(A1)"
    assert cell_safe("+1 312 555 0100") == "'+1 312 555 0100"
    assert cell_safe("-3") == "-3" and cell_safe("Pérez") == "Pérez" and cell_safe(None) == ""


def test_the_caseload_export_is_the_officers_caseload_only_and_audited(
    world: World, client_for: Any
) -> None:
    participant = world.participants["officer_a"]
    participant.first_surname = "=cmd|' /C calc'!A0"
    participant.save(update_fields=["first_surname"])
    table = _table(client_for("case_officer").get("/participants/?format=csv"))
    assert table[0] == ["a_number", "surname", "given_names", "case_status", "office", "officer"]
    numbers = {row[0] for row in table[1:]}
    assert participant.a_number in numbers
    assert world.participants["office_b"].a_number not in numbers  # another office's case
    assert any(row[1] == "'=cmd|' /C calc'!A0" for row in table[1:])
    entry = AuditEntry.objects.filter(action="participant.export").latest("id")
    assert entry.reason.startswith(f"caseload CSV, {len(table) - 1} row(s)")
    assert str(participant.pk) in entry.object_ids.split(",")


def test_the_queue_export_follows_the_filter_and_names_the_alerts(
    world: World, client_for: Any
) -> None:
    alert = raise_alert(world)
    client = client_for("case_officer")
    table = _table(client.get(f"/alerts/?format=csv&kind={alert.kind}"))
    assert table[0][0] == "alert_id"
    assert [row[0] for row in table[1:]] == [str(alert.pk)]
    assert len(_table(client.get("/alerts/?format=csv&kind=report_deadline"))) == 1  # header
    entry = AuditEntry.objects.filter(action="alert.export").order_by("id").first()
    assert entry is not None and entry.object_ids == str(alert.pk)
    assert "1 row(s)" in entry.reason


def test_the_audit_search_export_is_for_auditors_and_audited(world: World, client_for: Any) -> None:
    table = _table(client_for("auditor").get("/audit/?format=csv&action=participant.list"))
    assert table[0][:3] == ["id", "at", "actor"]
    assert AuditEntry.objects.filter(action="audit.export").exists()
    assert client_for("case_officer").get("/audit/?format=csv").status_code == 403
