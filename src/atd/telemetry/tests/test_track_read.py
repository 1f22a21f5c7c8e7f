"""One rule for old tracks: the API asks for a reason past the recent window exactly as the
console's map does, and the audit log keeps the reason (issue 16, "Why" item 4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from atd.core import clock
from atd.core.models import AuditEntry
from atd.telemetry.models import Position
from atd.telemetry.rules.track_access import track_reason_required
from atd.telemetry.tests.conftest import HOME, Tracked
from atd.testing.world import World


def _fix(tracked: Tracked, at: datetime) -> None:
    Position.objects.create(
        device_id=tracked.device_id,
        participant_id=tracked.participant_id,
        fix_time=at,
        received_at=at,
        lat=HOME[0],
        lon=HOME[1],
    )


def _track(client: Any, pid: int, query: str) -> Any:
    return client.get(f"/api/telemetry/participants/{pid}/track?{query}")


@pytest.mark.django_db
def test_api_track_past_the_recent_window_needs_a_reason_and_audits_it(
    tracked: Tracked, client_for: Any
) -> None:
    pid = tracked.participant_id
    _fix(tracked, clock.now() - timedelta(days=12))
    client = client_for("case_officer")

    refused = _track(client, pid, "hours=720")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    body = json.loads(refused.content)
    assert body["type"] == "/problems/reason-required"
    assert body["errors"] == [{"field": "reason", "reason": "reason_required"}]
    assert AuditEntry.objects.filter(
        action="telemetry.track_read", object_ids=str(pid), outcome="refused"
    ).exists()

    blank = _track(client, pid, "hours=720&reason=+++")
    assert blank.status_code == 400

    ok = _track(client, pid, "hours=720&reason=court+order+123")
    assert ok.status_code == 200
    assert len(ok.json()["positions"]) == 1  # the 12-day-old fix
    entry = AuditEntry.objects.filter(action="telemetry.track_read", outcome="ok").last()
    assert entry is not None
    assert entry.reason == "court order 123"
    assert entry.object_ids == str(pid)


@pytest.mark.django_db
def test_api_track_of_the_recent_window_needs_no_reason(tracked: Tracked, client_for: Any) -> None:
    pid = tracked.participant_id
    _fix(tracked, clock.now() - timedelta(hours=3))
    client = client_for("case_officer")
    for hours in (24, 24 * 7):
        response = _track(client, pid, f"hours={hours}")
        assert response.status_code == 200, response.content
        assert len(response.json()["positions"]) == 1
    assert _track(client, pid, f"hours={24 * 7 + 1}").status_code == 400
    entry = AuditEntry.objects.filter(action="telemetry.track_read", outcome="ok").last()
    assert entry is not None and entry.reason == "last 7 days"


@pytest.mark.django_db
def test_api_track_out_of_scope_is_not_found_before_any_reason_is_asked(
    world: World, tracked: Tracked, client_for: Any
) -> None:
    response = _track(client_for("officer_b"), tracked.participant_id, "hours=720")
    assert response.status_code == 404


@pytest.mark.django_db
def test_console_and_api_refuse_the_same_period(tracked: Tracked, client_for: Any) -> None:
    pid = tracked.participant_id
    client = client_for("case_officer")
    since = (clock.now() - timedelta(days=8)).isoformat().replace("+00:00", "Z")
    console = client.get(f"/participants/{pid}/track.json", {"since": since})
    api = _track(client, pid, f"hours={8 * 24}")
    assert console.status_code == api.status_code == 400
    assert console.json()["error"] == "reason_required"


def test_reason_rule_starts_after_seven_days_and_a_little_grace() -> None:
    now = clock.now()
    assert not track_reason_required(since=now - timedelta(days=7), now=now)
    assert not track_reason_required(since=now - timedelta(days=7, minutes=4), now=now)
    assert track_reason_required(since=now - timedelta(days=7, minutes=6), now=now)
    assert track_reason_required(since=now - timedelta(days=30), now=now)
