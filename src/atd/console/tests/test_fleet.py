"""The fleet map's JSON: the caller's caseload (the office's for a supervisor), each last
position coloured by state, every read audited; and the track's From / To period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atd.alerts.services import AlertSignal, alert_raise_many
from atd.alerts.types import AlertKind
from atd.console.rules import fleet_state
from atd.core import clock, fieldcrypt
from atd.core.actors import SYSTEM
from atd.core.audit_selectors import AuditFilters, audit_search_read
from atd.core.models import AuditEntry
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.devices import services
from atd.people.models import Office, Participant
from atd.people.name_cache import name_cache_clear
from atd.people.services import case_reassign
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.testing.world import participant_with_case, staff_user


def test_a_dot_is_red_while_an_alert_waits_then_grey_when_silent() -> None:
    limit = timedelta(minutes=30)
    assert fleet_state(open_alert=True, fix_age=timedelta(0), no_signal_after=limit) == "alert"
    assert fleet_state(open_alert=False, fix_age=timedelta(hours=1), no_signal_after=limit) == (
        "no_signal"
    )
    assert fleet_state(open_alert=False, fix_age=timedelta(minutes=29), no_signal_after=limit) == (
        "ok"
    )


def _wear(world: Any, key: str, serial: str, minutes_ago: int) -> int:
    office = world.office_b if key == "office_b" else world.office_a
    return _wear_pid(world, world.participants[key].pk, office, serial, minutes_ago)


def _wear_pid(world: Any, pid: int, office: Any, serial: str, minutes_ago: int) -> int:
    admin = world.user("admin")
    device, secret = services.device_register(
        actor=admin, serial=serial, kind="gps_ankle", office_id=office.pk
    )
    services.device_assign(
        actor=admin, scope=Scope.for_user(admin), device_id=device.pk, participant_id=pid
    )
    at = clock.now() - timedelta(minutes=minutes_ago)
    result = pipeline_run(
        submissions=[
            Submission(
                [
                    {
                        "device": serial,
                        "key": secret,
                        "seq": 1,
                        "time": at.isoformat(),
                        "lat": 41.88,
                        "lon": -87.63,
                        "accuracy": 8,
                    }
                ]
            )
        ],
        via="http",
    )
    assert result.accepted == 1
    return pid


def test_the_officer_sees_their_caseload_and_the_supervisor_the_office(
    world: Any, client_for: Any
) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    colleague = _wear(world, "specialist_a", "F-2", minutes_ago=120)
    other_office = _wear(world, "office_b", "F-3", minutes_ago=2)
    alert_raise_many(
        actor=SYSTEM,
        signals=[
            AlertSignal(
                kind=AlertKind.STRAP_TAMPER,
                occurred_at=clock.now(),
                source="device_event",
                source_ref="fleet-test",
                participant_id=mine,
            )
        ],
    )
    officer = client_for("case_officer").get("/map.json").json()
    assert [p[0] for p in officer["points"]] == [mine]
    assert officer["points"][0][3] == "alert" and officer["counts"]["alert"] == 1
    assert officer["points"][0][5] == "Pérez, Ana"
    supervisor = client_for("supervisor").get("/map.json").json()
    states = {p[0]: p[3] for p in supervisor["points"]}
    assert states == {mine: "alert", colleague: "no_signal"} and other_office not in states
    entry = AuditEntry.objects.filter(action="fleet.read").order_by("-id").first()
    assert entry is not None and str(colleague) in entry.object_ids
    assert client_for("auditor").get("/map.json").status_code == 403
    assert client_for("participant").get("/map/").status_code == 403
    page = client_for("case_officer").get("/map/").content.decode()
    assert 'id="fleet-map"' in page and "basemap/us.geojson" in page


def test_the_admin_sees_every_office_and_every_read_names_its_ids(
    world: Any, client_for: Any
) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    colleague = _wear(world, "specialist_a", "F-2", minutes_ago=31)
    other_office = _wear(world, "office_b", "F-3", minutes_ago=29)
    admin = client_for("admin").get("/map.json").json()
    points = {p[0]: p for p in admin["points"]}
    assert set(points) == {mine, colleague, other_office}
    # The age comes from the database: whole minutes since the fix; a gps_ankle goes grey
    # after 30 minutes.
    assert (points[mine][3], points[mine][4]) == ("ok", 2)
    assert (points[colleague][3], points[colleague][4]) == ("no_signal", 31)
    assert (points[other_office][3], points[other_office][4]) == ("ok", 29)
    assert points[mine][1:3] == [41.88, -87.63]
    assert admin["counts"] == {"ok": 2, "no_signal": 1, "alert": 0}
    entry = AuditEntry.objects.filter(action="fleet.read").order_by("-id").first()
    assert entry is not None and entry.reason == "fleet map"
    assert entry.object_ids == ",".join(str(i) for i in sorted(points))
    assert entry.actor_label == world.user("admin").username or entry.actor_id == (
        world.user("admin").pk
    )
    # The officer's read names their caseload only.
    client_for("case_officer").get("/map.json")
    entry = AuditEntry.objects.filter(action="fleet.read").order_by("-id").first()
    assert entry is not None and entry.object_ids == str(mine)


def test_the_positions_are_gzipped_for_a_browser_and_odd_parameters_change_nothing(
    world: Any, client_for: Any, monkeypatch: Any
) -> None:
    import gzip
    import json

    from atd.console import fleet

    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    _wear(world, "specialist_a", "F-2", minutes_ago=3)
    _wear(world, "office_b", "F-3", minutes_ago=4)
    # Three points are a few hundred bytes, where gzip may not pay (Django then sends them
    # plain): long names make the answer one that a real office's would be like.
    names = fleet.participant_names_in_scope
    monkeypatch.setattr(
        fleet,
        "participant_names_in_scope",
        lambda scope: {pid: name * 40 for pid, name in names(scope).items()},
    )
    admin = client_for("admin")
    plain = admin.get("/map.json")
    assert plain["Content-Type"] == "application/json" and "Content-Encoding" not in plain
    packed = admin.get("/map.json", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    body = json.loads(gzip.decompress(packed.content))
    assert body["points"] == plain.json()["points"] and len(body["points"]) == 3
    client = client_for("case_officer")
    before = AuditEntry.objects.filter(action="fleet.read").count()
    for query in ("?since=NaN", "?since=-1e999&x=%FF", "?page=999999999999999999999"):
        odd = client.get("/map.json" + query)
        assert odd.status_code == 200 and [p[0] for p in odd.json()["points"]] == [mine]
    assert client.get("/map.json?since=%00").status_code == 400  # refused before the view
    assert AuditEntry.objects.filter(action="fleet.read").count() == before + 3
    assert client_for("auditor").get("/map.json", HTTP_ACCEPT_ENCODING="gzip").status_code == 403


def test_track_history_takes_a_from_and_a_to_of_at_most_31_days(
    world: Any, client_for: Any
) -> None:
    pid = world.participants["officer_a"].pk
    client = client_for("case_officer")
    today = clock.now().date()
    old_from = (today - timedelta(days=60)).isoformat()
    old_to = (today - timedelta(days=30)).isoformat()
    url = f"/participants/{pid}/track.json"
    assert client.get(url, {"since": old_from, "until": old_to}).json()["error"] == (
        "reason_required"
    )
    ok = client.get(url, {"since": old_from, "until": old_to, "reason": "court request"})
    assert ok.status_code == 200
    too_long = client.get(
        url,
        {"since": old_from, "until": (today - timedelta(days=28)).isoformat(), "reason": "x"},
    )
    assert too_long.status_code == 400 and too_long.json()["error"] == "bad_period"
    backwards = client.get(url, {"since": old_to, "until": old_from, "reason": "x"})
    assert backwards.status_code == 400
    assert client.get(url, {"since": "garbage", "until": "2026-13-45"}).status_code == 200
    reads = AuditEntry.objects.filter(action="track.read", object_ids__contains=str(pid))
    assert reads.filter(reason="court request").exists()
    assert reads.filter(outcome="refused").exists()
    page = client.get(f"/participants/{pid}/").content.decode()
    assert 'id="track-until"' in page


# --- names opened once per process (people.name_cache), scope and audit kept (issue 18) ------


def _names(body: dict[str, Any]) -> dict[int, str]:
    return {p[0]: p[5] for p in body["points"]}


def test_a_new_caseload_member_appears_named_on_the_next_poll(world: Any, client_for: Any) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    client = client_for("case_officer")
    assert _names(client.get("/map.json").json()) == {mine: "Pérez, Ana"}
    newcomer, _ = participant_with_case(
        world.office_a, world.user("case_officer"), given="María", surname="Souza"
    )
    _wear_pid(world, newcomer.pk, world.office_a, "F-9", minutes_ago=1)
    assert _names(client.get("/map.json").json()) == {
        mine: "Pérez, Ana",
        newcomer.pk: "Souza, María",
    }


def test_names_are_opened_once_and_a_rename_shows_on_the_next_poll(
    world: Any, client_for: Any, monkeypatch: Any
) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    colleague = _wear(world, "specialist_a", "F-2", minutes_ago=3)
    name_cache_clear()
    opened: list[str] = []
    real_decrypt = fieldcrypt.decrypt_text

    def counting_decrypt(value: str, *, context: str) -> str:
        opened.append(context)
        return real_decrypt(value, context=context)

    monkeypatch.setattr(fieldcrypt, "decrypt_text", counting_decrypt)
    client = client_for("supervisor")
    first = _names(client.get("/map.json").json())
    assert first == {mine: "Pérez, Ana", colleague: "Silva, João"}
    names_opened = [c for c in opened if c.startswith("people_participant.")]
    assert (
        sorted(names_opened)
        == ["people_participant.first_surname"] * 2 + ["people_participant.given_names"] * 2
    )
    opened.clear()
    assert _names(client.get("/map.json").json()) == first
    assert not [c for c in opened if c.startswith("people_participant.")]  # from the cache
    # A rename (any path writes new ciphertext) is opened and shown at the next poll, by every
    # process: the cache is keyed by the sealed text, not by the participant.
    Participant.objects.filter(pk=mine).update(first_surname="Castro", given_names="Ana Lucía")
    assert _names(client.get("/map.json").json()) == {
        mine: "Castro, Ana Lucía",
        colleague: "Silva, João",
    }
    name_cache_clear()  # another process (or a restart) opens the same names
    assert _names(client.get("/map.json").json())[mine] == "Castro, Ana Lucía"


def test_a_participant_moved_to_another_office_drops_out_of_the_old_map(
    world: Any, client_for: Any
) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    colleague = _wear(world, "specialist_a", "F-2", minutes_ago=3)
    supervisor_a, supervisor_b = client_for("supervisor"), client_for("supervisor_b")
    officer_a = client_for("case_officer")
    assert set(_names(supervisor_a.get("/map.json").json())) == {mine, colleague}
    assert set(_names(officer_a.get("/map.json").json())) == {mine}  # names now cached
    admin = world.user("admin")
    case_reassign(
        actor=admin,
        scope=Scope.for_user(admin),
        case_id=world.cases["officer_a"].pk,
        officer_id=world.user("officer_b").pk,
        reason="moved to office B",
    )
    assert set(_names(supervisor_a.get("/map.json").json())) == {colleague}
    officer_body = officer_a.get("/map.json")
    assert officer_body.json()["points"] == [] and "Pérez" not in officer_body.content.decode()
    assert _names(supervisor_b.get("/map.json").json()).get(mine) == "Pérez, Ana"
    entry = AuditEntry.objects.filter(action="fleet.read").order_by("-id").first()
    assert entry is not None and str(mine) in entry.object_ids.split(",")


def test_a_warm_cache_never_shows_one_office_the_other_offices_names(
    world: Any, client_for: Any
) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    colleague = _wear(world, "specialist_a", "F-2", minutes_ago=3)
    other_office = _wear(world, "office_b", "F-3", minutes_ago=4)
    # The admin's poll opens (and caches) every office's names first.
    assert set(_names(client_for("admin").get("/map.json").json())) == {
        mine,
        colleague,
        other_office,
    }
    officer_b = client_for("officer_b").get("/map.json")
    assert _names(officer_b.json()) == {other_office: "Núñez, Luis"}
    assert "Pérez" not in officer_b.content.decode() and "Silva" not in officer_b.content.decode()
    supervisor_b = client_for("supervisor_b").get("/map.json").json()
    assert _names(supervisor_b) == {other_office: "Núñez, Luis"}
    officer_a = client_for("case_officer").get("/map.json")
    assert _names(officer_a.json()) == {mine: "Pérez, Ana"}
    assert "Núñez" not in officer_a.content.decode()
    # The participant role is refused before any name is read.
    assert client_for("participant").get("/map.json").status_code == 403


def test_every_poll_served_from_the_cache_is_still_found_by_the_auditors_search(
    world: Any, client_for: Any
) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    colleague = _wear(world, "specialist_a", "F-2", minutes_ago=3)
    client = client_for("supervisor")
    before = AuditEntry.objects.filter(action="fleet.read").count()
    for _ in range(3):
        assert client.get("/map.json").status_code == 200
    reads = AuditEntry.objects.filter(action="fleet.read").order_by("id")[before:]
    assert len(reads) == 3
    assert all(e.object_ids == ",".join(map(str, sorted([mine, colleague]))) for e in reads)
    auditor = world.user("auditor")
    for pid in (mine, colleague):
        found, count = audit_search_read(
            actor=auditor,
            filters=AuditFilters(action="fleet.read", object_id=str(pid)),
            offset=0,
            limit=50,
        )
        assert count == 3 and {e.id for e in found} == {e.id for e in reads}


def test_an_empty_office_gets_an_empty_map_and_its_read_is_audited(world: Any, client: Any) -> None:
    empty = Office.objects.create(code="CCC", name="Office C", timezone="America/Denver")
    supervisor = staff_user("supervisor_c", Role.SUPERVISOR, empty)
    _wear(world, "officer_a", "F-1", minutes_ago=2)  # another office's dot
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/map.json")
    body = response.json()
    assert response.status_code == 200 and body["points"] == []
    assert body["counts"] == {"ok": 0, "no_signal": 0, "alert": 0}
    entry = AuditEntry.objects.filter(action="fleet.read").order_by("-id").first()
    assert entry is not None and entry.actor_id == supervisor.pk and entry.object_ids == ""


def test_a_participant_without_name_fields_is_still_shown_and_odd_names_stay_text(
    world: Any, client_for: Any
) -> None:
    mine = _wear(world, "officer_a", "F-1", minutes_ago=2)
    colleague = _wear(world, "specialist_a", "F-2", minutes_ago=3)
    other_office = _wear(world, "office_b", "F-3", minutes_ago=4)
    Participant.objects.filter(pk=mine).update(first_surname="", given_names="")
    hostile = '<img src=x onerror="alert(1)">, "\\u0000 \u202e'
    Participant.objects.filter(pk=colleague).update(first_surname=hostile, given_names="")
    Participant.objects.filter(pk=other_office).update(first_surname="", given_names="Luis")
    admin = client_for("admin").get("/map.json")
    names = _names(admin.json())
    # Shown, not hidden, with no stray comma: the page labels a nameless dot by its id.
    assert names == {mine: "", colleague: hostile, other_office: "Luis"}
    entry = AuditEntry.objects.filter(action="fleet.read").order_by("-id").first()
    assert entry is not None and entry.object_ids == ",".join(
        map(str, sorted([mine, colleague, other_office]))
    )


def test_the_collector_is_on_again_after_a_poll_even_a_failing_one(
    world: Any, client_for: Any, monkeypatch: Any
) -> None:
    import gc

    import pytest

    from atd.console import fleet

    _wear(world, "officer_a", "F-1", minutes_ago=2)
    client = client_for("supervisor")
    assert gc.isenabled() and client.get("/map.json").status_code == 200 and gc.isenabled()
    gc.disable()
    try:  # a process that runs without the collector keeps running without it
        assert client.get("/map.json").status_code == 200 and not gc.isenabled()
    finally:
        gc.enable()

    def broken(scope: Any, *, now: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(fleet, "fleet_rows", broken)
    with pytest.raises(RuntimeError):
        client.get("/map.json")
    assert gc.isenabled()
