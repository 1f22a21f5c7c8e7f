"""Console pages: dashboard alerts, per-officer view and balancing, participant page with
timeline, chart and map data; reading an older track needs a reason and is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from atd.alerts.tests.test_lifecycle import raise_alert
from atd.checkins.types import CheckinPoint
from atd.console.compliance import compliance_chart
from atd.console.rules import rebalance_plan
from atd.console.track import point_json
from atd.core import clock
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.people.services import participant_phone_change
from atd.telemetry.services import telemetry_ingest
from atd.telemetry.tests.conftest import make_tracked
from atd.telemetry.types import TrackPoint
from atd.testing.world import World


def test_rebalance_moves_cases_from_busiest_to_idlest() -> None:
    assert rebalance_plan({1: 10, 2: 0}) == [(1, 2, 5)]
    assert rebalance_plan({1: 3, 2: 2}) == []
    moves = rebalance_plan({1: 9, 2: 3, 3: 0})
    loads = {1: 9, 2: 3, 3: 0}
    for a, b, n in moves:
        loads[a] -= n
        loads[b] += n
    assert max(loads.values()) - min(loads.values()) <= 1


def test_track_points_are_rounded_and_carry_accuracy_and_verification_only_when_known() -> None:
    at = clock.now()
    fix = point_json(TrackPoint(at=at, lat=41.01234567, lon=-87.0, accuracy_m=None))
    assert fix == {"lat": 41.012346, "lon": -87.0, "at": at.isoformat()}
    checkin = point_json(CheckinPoint(at=at, lat=41.0, lon=-87.0, accuracy_m=12, verified=False))
    assert checkin["accuracy_m"] == 12.0 and checkin["verified"] is False


def store_track(world: World, points: list[tuple[float, float, Any]]) -> int:
    """Fixes (lat, lon, time) of officer_a's participant, ingested through telemetry as a
    device would send them; returns the participant's id."""
    tracked = make_tracked(world)
    records = [
        {"seq": i, "time": at.isoformat(), "lat": lat, "lon": lon, "accuracy": 10}
        for i, (lat, lon, at) in enumerate(points)
    ]
    result = telemetry_ingest(
        actor=None, records=records, via="http", serial=tracked.serial, secret=tracked.secret
    )
    assert result.accepted == len(points), result.rejected
    return tracked.participant_id


def test_compliance_chart_counts_days_without_alerts() -> None:
    today = clock.now().date()
    chart = compliance_chart({today: {"critical": 2}}, today=today, days=30)
    assert chart.clean_days == 29
    assert "<svg" in chart.svg and "2 critical" in chart.svg


@pytest.mark.django_db
def test_dashboard_shows_open_alerts_with_sla_timer(world: World, client_for: Any) -> None:
    alert = raise_alert(world)
    page = client_for("case_officer").get("/").content.decode()
    assert f'data-alert-id="{alert.pk}"' in page
    assert 'data-live-stamp="/api/alerts/stamp"' in page
    fragment = client_for("case_officer").get("/dashboard/alerts/").content.decode()
    assert alert.title in fragment


@pytest.mark.django_db
def test_supervisor_dashboard_lists_escalated_alerts(world: World, client_for: Any) -> None:
    from atd.alerts.services.escalation import alert_escalate_due

    alert = raise_alert(world)
    with clock.frozen_at(clock.now() + timedelta(minutes=16)):
        alert_escalate_due()
        page = client_for("supervisor").get("/dashboard/alerts/").content.decode()
    assert "escalated L1" in page
    assert f'data-alert-id="{alert.pk}"' in page


@pytest.mark.django_db
def test_supervisor_rebalances_caseload_through_case_reassign(
    world: World, client_for: Any
) -> None:
    client = client_for("supervisor")
    assert "Balance caseloads" in client.get("/officers/").content.decode()
    response = client.post(
        "/officers/rebalance/",
        {
            "from_officer": world.users["case_officer"].pk,
            "to_officer": world.users["contractor_specialist"].pk,
            "count": 1,
            "reason": "leave cover",
        },
    )
    assert response.status_code == 302
    world.cases["officer_a"].refresh_from_db()
    assert world.cases["officer_a"].officer_id == world.users["contractor_specialist"].pk
    assert AuditEntry.objects.filter(action="case.reassign", reason="leave cover").exists()
    assert client_for("case_officer").get("/officers/").status_code == 403


@pytest.mark.django_db
def test_participant_page_has_timeline_chart_and_map(world: World, client_for: Any) -> None:
    alert = raise_alert(world)
    pid = world.participants["officer_a"].pk
    page = client_for("case_officer").get(f"/participants/{pid}/").content.decode()
    assert f"Alert raised: {alert.title}" in page
    assert "<svg" in page
    assert 'id="track-map"' in page
    assert "vendor/leaflet/leaflet.js" in page


@pytest.mark.django_db
def test_participant_page_shows_the_phone_number_history(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    officer = world.users["case_officer"]
    participant_phone_change(
        actor=officer,
        scope=Scope.for_user(officer),
        participant_id=pid,
        phone="312 555 0199",
        reason="reported by the participant at check-in ABCD-EFGH",
    )
    page = client_for("case_officer").get(f"/participants/{pid}/").content.decode()
    assert "+13125550199" in page  # stored and shown in E.164 (issue 20)
    assert "reported by the participant at check-in ABCD-EFGH" in page


@pytest.mark.django_db
def test_track_without_telemetry_says_no_track_data_and_is_audited(
    world: World, client_for: Any
) -> None:
    pid = world.participants["officer_a"].pk
    body = client_for("case_officer").get(f"/participants/{pid}/track.json").json()
    assert body["point_count"] == 0
    assert "No track data" in body["message"]
    assert AuditEntry.objects.filter(action="track.read", object_ids=str(pid)).exists()


@pytest.mark.django_db
def test_track_older_than_7_days_needs_a_reason(world: World, client_for: Any) -> None:
    pid = world.participants["officer_a"].pk
    client = client_for("case_officer")
    since = (clock.now() - timedelta(days=20)).date().isoformat()
    refused = client.get(f"/participants/{pid}/track.json?since={since}")
    assert refused.status_code == 400
    assert refused.json()["error"] == "reason_required"
    ok = client.get(f"/participants/{pid}/track.json?since={since}&reason=court+request")
    assert ok.status_code == 200
    assert AuditEntry.objects.filter(action="track.read", reason="court request").exists()


@pytest.mark.django_db
def test_track_uses_telemetry_selector(world: World, client_for: Any) -> None:
    now = clock.now()
    pid = store_track(
        world,
        [(41.0, -87.0, now - timedelta(hours=2)), (41.1, -87.1, now - timedelta(hours=1))],
    )
    body = client_for("case_officer").get(f"/participants/{pid}/track.json").json()
    assert body["point_count"] == 2
    assert body["current"]["lat"] == 41.1


@pytest.mark.django_db
def test_full_track_is_every_fix_oldest_first_and_its_read_is_audited(
    world: World, client_for: Any
) -> None:
    now = clock.now()
    pid = store_track(
        world,
        [(41.2, -87.2, now - timedelta(minutes=5)), (41.1, -87.1, now - timedelta(hours=3))],
    )
    body = client_for("case_officer").get(f"/participants/{pid}/track.json?full=1").json()
    assert body["point_count"] == 2
    assert body["current"]["lat"] == 41.2
    read = AuditEntry.objects.get(action="track.read", object_ids=str(pid))
    assert read.actor_id == world.users["case_officer"].pk
