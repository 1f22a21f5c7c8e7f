"""Intake: every bad row reported with row/field/reason, good rows imported once."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client

from atd.core.actors import SYSTEM
from atd.core.apikeys import api_key_issue, api_key_revoke
from atd.people.intake.readers import release_rows_decode
from atd.people.intake.service import intake_import
from atd.people.models import Address, AddressFlag, Alias, Case, IntakeBatch, Participant
from atd.testing.world import World


def _row(n: int, **over: Any) -> dict[str, Any]:
    row = {
        "a_number": f"A{300000000 + n}",
        "given_names": "María José",
        "first_surname": "Núñez",
        "second_surname": "Pérez",
        "date_of_birth": "1991-04-03",
        "sex": "F",
        "country_of_citizenship": "HN",
        "languages": "es",
        "phone": "+1 555 010 0000",
        "address_line1": f"{n + 1} Oak Ave",
        "address_city": "Springfield",
        "address_state": "IL",
        "address_postal_code": "62701",
        "release_type": "parole",
        "release_date": "2026-03-01",
        "office_code": "AAA",
        "aliases": "Maria Jose|Nunez|Perez",
    }
    row.update(over)
    return row


@pytest.mark.django_db
def test_good_rows_import_and_each_bad_row_is_reported(world: World) -> None:
    rows = [_row(i) for i in range(10)]
    rows[3]["date_of_birth"] = "1991-13-40"
    rows[5]["a_number"] = "12"
    rows[5]["office_code"] = "ZZZ"
    rows[7]["phone"] = ""
    result = intake_import(actor=SYSTEM, rows=rows, source="cli")
    batch = result.batch
    assert batch.rows_imported == 7
    assert batch.rows_rejected == 3
    reported = {(e.row, e.field) for e in result.errors}
    assert reported == {(4, "date_of_birth"), (6, "a_number"), (6, "office_code"), (8, "phone")}
    assert batch.row_errors.count() == 4
    # A-numbers are encrypted at rest: read through the model, compared in Python.
    assert (
        sum(1 for a in Participant.objects.values_list("a_number", flat=True) if a[0] == "3") == 7
    )
    assert Alias.objects.filter(source="intake").count() == 7


@pytest.mark.django_db
def test_importing_the_same_batch_again_changes_nothing(world: World) -> None:
    rows = [_row(i) for i in range(20)]
    first = intake_import(actor=SYSTEM, rows=copy.deepcopy(rows), source="cli").batch
    counts = (
        Participant.objects.count(),
        Case.objects.count(),
        Address.objects.count(),
        Alias.objects.count(),
    )
    second = intake_import(actor=SYSTEM, rows=copy.deepcopy(rows), source="cli").batch
    assert first.rows_imported == 20
    assert second.rows_imported == 0 and second.rows_unchanged == 20
    assert counts == (
        Participant.objects.count(),
        Case.objects.count(),
        Address.objects.count(),
        Alias.objects.count(),
    )


@pytest.mark.django_db
def test_duplicate_record_inside_one_file_is_reported(world: World) -> None:
    result = intake_import(actor=SYSTEM, rows=[_row(1), _row(1)], source="cli")
    assert result.batch.rows_imported == 1
    assert [(e.row, e.reason) for e in result.errors] == [(2, "same release record as row 1")]


@pytest.mark.django_db
def test_cases_are_spread_over_the_office_officers(world: World) -> None:
    intake_import(actor=SYSTEM, rows=[_row(i) for i in range(6)], source="cli")
    officers = {
        username
        for a_number, username in Case.objects.values_list(
            "participant__a_number", "officer__username"
        )
        if a_number.startswith("3")
    }
    assert officers == {"officer_a", "specialist_a"}


@pytest.mark.django_db
def test_shared_address_is_flagged_on_every_participant_there(world: World, settings: Any) -> None:
    settings.ATD_ADDRESS_SHARED_THRESHOLD = 3
    rows = [_row(i, address_line1="9 Crowded Way") for i in range(4)]
    intake_import(actor=SYSTEM, rows=rows, source="cli")
    flagged = sum(
        1
        for line1 in AddressFlag.objects.filter(kind="shared").values_list(
            "address__line1", flat=True
        )
        if line1 == "9 Crowded Way"
    )
    assert flagged == 4


def test_csv_and_json_decode_the_same_records() -> None:
    csv_bytes = b"a_number,given_names\nA123456789,Ana\n"
    json_bytes = json.dumps([{"a_number": "A123456789", "given_names": "Ana"}]).encode()
    ndjson = b'{"a_number": "A123456789", "given_names": "Ana"}\n'
    assert release_rows_decode(csv_bytes, fmt="csv") == release_rows_decode(json_bytes, fmt="json")
    assert release_rows_decode(ndjson, fmt="ndjson") == release_rows_decode(json_bytes, fmt="json")


@pytest.mark.django_db
def test_api_intake_needs_an_intake_key_and_reports_rows(world: World, intake_key: str) -> None:
    client = Client()
    body = json.dumps([_row(1), _row(2, release_type="bogus")])
    missing = client.post("/api/intake/releases", body, content_type="application/json")
    assert missing.status_code == 401
    assert missing["Content-Type"] == "application/problem+json"
    response = client.post(
        "/api/intake/releases", body, content_type="application/json", HTTP_X_API_KEY=intake_key
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["rows_imported"], data["rows_rejected"]) == (1, 1)
    assert data["errors"] == [
        {
            "row": 2,
            "field": "release_type",
            "reason": "must be one of parole, ntr, nta, recognizance, other",
        }
    ]
    again = client.post(
        "/api/intake/releases", body, content_type="application/json", HTTP_X_API_KEY=intake_key
    )
    assert again.json()["rows_imported"] == 0
    assert IntakeBatch.objects.count() == 2


@pytest.mark.django_db
def test_api_intake_accepts_a_csv_upload(world: World, intake_key: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = ",".join(_row(0).keys())
    values = ",".join(str(v) for v in _row(0).values())
    upload = SimpleUploadedFile(
        "releases.csv", f"{header}\n{values}\n".encode(), content_type="text/csv"
    )
    response = Client().post("/api/intake/releases", {"file": upload}, HTTP_X_API_KEY=intake_key)
    assert response.status_code == 201, response.content
    assert response.json()["rows_imported"] == 1


@pytest.mark.django_db
def test_revoked_or_wrongly_scoped_keys_are_refused(world: World) -> None:
    key, plain = api_key_issue(actor=SYSTEM, name="feed", scopes=["intake"])
    _, telemetry_only = api_key_issue(actor=SYSTEM, name="other", scopes=["telemetry"])
    client = Client()
    body = json.dumps([_row(1)])
    assert (
        client.post(
            "/api/intake/releases",
            body,
            content_type="application/json",
            HTTP_X_API_KEY=telemetry_only,
        ).status_code
        == 403
    )
    api_key_revoke(actor=SYSTEM, key_id=key.pk, reason="rotated")
    assert (
        client.post(
            "/api/intake/releases", body, content_type="application/json", HTTP_X_API_KEY=plain
        ).status_code
        == 401
    )


@pytest.mark.django_db
def test_unreadable_file_is_one_clear_error(world: World, intake_key: str) -> None:
    response = Client().post(
        "/api/intake/releases",
        b"[{not json",
        content_type="application/json",
        HTTP_X_API_KEY=intake_key,
    )
    assert response.status_code == 422
    assert "invalid JSON" in response.json()["detail"]


@pytest.mark.django_db
def test_api_intake_refuses_an_upload_over_the_size_cap(world: World, intake_key: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    header = ",".join(_row(0).keys())
    rows = "".join(",".join(str(v) for v in _row(i).values()) + "\n" for i in range(40))
    upload = SimpleUploadedFile("releases.csv", f"{header}\n{rows}".encode())
    with override_settings(ATD_UPLOAD_MAX_BYTES=1024):
        response = Client().post(
            "/api/intake/releases", {"file": upload}, HTTP_X_API_KEY=intake_key
        )
    assert response.status_code == 413, response.content
    assert response.json()["type"] == "/problems/upload-too-large"
    assert not IntakeBatch.objects.exists()
