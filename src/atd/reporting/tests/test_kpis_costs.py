"""KPIs and the cost report against the detention alternative."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from atd.core import clock
from atd.core.scope import Scope
from atd.court import services as court
from atd.reporting import costs, kpis
from atd.supervision.services import plan_set
from atd.testing.world import World

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def test_hearing_appearance_rate_counts_attended_and_missed(world: World) -> None:
    admin = world.user("admin")
    scope = Scope.for_user(admin)
    with clock.frozen_at(NOW):
        for key, outcome in (("officer_a", "attended"), ("specialist_a", "failed_to_appear")):
            hearing = court.hearing_schedule(
                actor=admin,
                scope=scope,
                case_id=world.cases[key].pk,
                scheduled_at=NOW - timedelta(days=2),
                court_name="Court",
                hearing_type="master",
            )
            court.hearing_outcome_record(
                actor=admin, scope=scope, hearing_id=hearing.pk, outcome=outcome
            )
        result = kpis.program_kpis(
            scope=Scope.for_user(world.user("records_analyst")),
            start=date(2026, 5, 1),
            end=date(2026, 6, 1),
        )
    lines = {(s, n): v for s, n, v in result.lines}
    assert lines[("hearings", "appearance rate")] == "50.0%"
    assert result.csv().startswith(b"report,program_kpis\nperiod,2026-05-01,2026-06-01\n")


def test_supervisor_kpis_cover_only_their_office(world: World) -> None:
    admin = world.user("admin")
    with clock.frozen_at(NOW):
        hearing = court.hearing_schedule(
            actor=admin,
            scope=Scope.for_user(admin),
            case_id=world.cases["office_b"].pk,
            scheduled_at=NOW - timedelta(days=2),
            court_name="Court",
            hearing_type="master",
        )
        court.hearing_outcome_record(
            actor=admin, scope=Scope.for_user(admin), hearing_id=hearing.pk, outcome="attended"
        )
        result = kpis.program_kpis(
            scope=Scope.for_user(world.user("supervisor")),
            start=date(2026, 5, 1),
            end=date(2026, 6, 1),
        )
    assert ("hearings", "attended", "0") in result.lines


def test_cost_report_compares_technology_days_with_detention(world: World) -> None:
    officer = world.user("case_officer")
    with clock.frozen_at(NOW):
        plan_set(
            actor=officer,
            scope=Scope.for_user(officer),
            participant_id=world.participants["officer_a"].pk,
            technology="gps_ankle",
            cadence_days=28,
            checkin_mode="in_person",
            start_date=date(2026, 5, 1),
            reason="release",
        )
        plan_set(
            actor=officer,
            scope=Scope.for_user(officer),
            participant_id=world.participants["officer_a"].pk,
            technology="wrist",
            cadence_days=28,
            checkin_mode="in_person",
            start_date=date(2026, 5, 11),
            reason="review approved",
        )
        summary = costs.cost_report(
            scope=Scope.for_user(world.user("records_analyst")),
            start=date(2026, 5, 1),
            end=date(2026, 5, 30),
        )
    by_tech = {line.technology: line for line in summary.lines}
    assert by_tech["gps_ankle"].days == 10 and by_tech["wrist"].days == 20
    assert summary.supervised_days == 30
    rates = costs.rate_table(date(2026, 5, 1))
    expected = (rates["gps_ankle"] * 10 + rates["wrist"] * 20).quantize(Decimal("0.01"))
    assert summary.program_cost == expected
    assert summary.detention_cost == (rates["detention"] * 30).quantize(Decimal("0.01"))
    text = costs.cost_csv(summary, date(2026, 5, 1), date(2026, 5, 30)).decode()
    assert "AAA,gps_ankle,10," in text


def test_kpi_and_cost_pages_render_with_charts_and_exports(world: World, client_for: Any) -> None:
    client = client_for("records_analyst")
    for url in ("/reporting/kpis/", "/reporting/costs/"):
        page = client.get(url)
        assert page.status_code == 200 and "<svg" in page.content.decode()
        assert client.get(url + "?format=csv").status_code == 200
        assert client.get(url + "?format=pdf").content.startswith(b"%PDF")
    assert client_for("case_officer").get("/reporting/kpis/").status_code == 403
