"""The night shift's queue: bulk acknowledge and resolve (each alert audited on its own, one
outside scope refused), free-text search, and times in the viewer's zone, labelled."""

from __future__ import annotations

from typing import Any

from atd.alerts.models import Alert
from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertKind
from atd.core import clock
from atd.core.actors import SYSTEM
from atd.core.models import AuditEntry

KINDS = ["report_deadline", "missed_checkin", "notice_not_served", "hearing_missed", "other"]


def _raise(world: Any, key: str, ref: str, kind: str = "report_deadline") -> int:
    """One alert (alerts of one kind for one participant fold into one: vary the kind)."""
    result = alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind=AlertKind(kind),
                occurred_at=clock.now(),
                source="test",
                source_ref=ref,
                participant_id=world.participants[key].pk,
                title="First report deadline passed",
            )
        ],
    )
    return (result.created + result.updated)[0]


def test_bulk_acknowledge_applies_to_each_and_audits_each(world: Any, client_for: Any) -> None:
    mine = [_raise(world, "officer_a", f"r{i}", KINDS[i]) for i in range(3)]
    foreign = _raise(world, "office_b", "rb")
    client = client_for("case_officer")
    response = client.post(
        "/alerts/bulk/",
        {"action": "acknowledge", "alert_id": [*mine, foreign, "junk"], "note": "night check"},
        follow=True,
    )
    page = response.content.decode()
    assert "3 alert(s) acknowledged." in page and f"#{foreign}: not found" in page
    assert set(Alert.objects.filter(pk__in=mine).values_list("status", flat=True)) == {
        "acknowledged"
    }
    assert Alert.objects.get(pk=foreign).status == "open"
    audited = AuditEntry.objects.filter(action="alert.acknowledge").values_list(
        "object_ids", flat=True
    )
    assert all(any(str(pk) in ids for ids in audited) for pk in mine)


def test_bulk_resolve_needs_a_disposition_and_applies_one_note(world: Any, client_for: Any) -> None:
    ids = [_raise(world, "officer_a", f"s{i}", KINDS[i]) for i in range(2)]
    client = client_for("case_officer")
    refused = client.post("/alerts/bulk/", {"action": "resolve", "alert_id": ids}, follow=True)
    assert "Choose a disposition" in refused.content.decode()
    assert not Alert.objects.filter(pk__in=ids, status="resolved").exists()
    client.post(
        "/alerts/bulk/",
        {"action": "resolve", "alert_id": ids, "disposition": "other", "note": "reported late"},
    )
    resolved = Alert.objects.filter(pk__in=ids, status="resolved")
    assert resolved.count() == 2
    assert set(resolved.values_list("resolution_note", flat=True)) == {"reported late"}
    assert set(resolved.values_list("disposition", flat=True)) == {"other"}
    assert client.post("/alerts/bulk/", {"action": "delete", "alert_id": ids}).status_code == 302
    assert client_for("auditor").post("/alerts/bulk/", {"action": "acknowledge"}).status_code == 403


def test_queue_search_by_name_a_number_and_alert_id(world: Any, client_for: Any) -> None:
    ana = _raise(world, "officer_a", "q1")
    joao = _raise(world, "specialist_a", "q2")
    client = client_for("supervisor")

    def ids(q: str) -> set[int]:
        page = client.get("/alerts/", {"q": q}).content.decode()
        return {pk for pk in (ana, joao) if f'data-alert-id="{pk}"' in page}

    assert ids("perez") == {ana}  # accents and case folded
    assert ids("Silva") == {joao}
    assert ids(world.participants["specialist_a"].a_number[-6:]) == {joao}
    assert ids(f"#{ana}") == {ana}
    assert ids("nobody-like-this") == set()
    assert client.get("/alerts/", {"q": "%' OR 1=1 --" * 10}).status_code == 200


def test_times_are_in_the_viewers_zone_and_labelled(world: Any, client_for: Any) -> None:
    _raise(world, "officer_a", "tz1")
    client = client_for("case_officer")  # office A: America/Chicago
    page = client.get("/alerts/").content.decode()
    assert "times are in America/Chicago (C" in page
    assert " CST<" in page or " CDT<" in page
    participant_page = client.get(f"/participants/{world.participants['officer_a'].pk}/")
    assert "Times in America/Chicago (C" in participant_page.content.decode()  # every page
    prefs = client.get("/alerts/preferences/").content.decode()
    assert '<option value="America/Chicago" selected>' in prefs
    client.post(
        "/alerts/preferences/",
        {"timezone": "Asia/Tokyo", "weekday": ["0"], "start": "", "end": ""},
    )
    assert "times are in Asia/Tokyo (JST)" in client.get("/alerts/").content.decode()
    bad = client.post("/alerts/preferences/", {"timezone": "Mars/Olympus"}, follow=True)
    assert "unknown time zone" in bad.content.decode()
