"""Feed intake: API with a scoped key, CSV/JSON, idempotency, bad rows one by one."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atd.core.apikeys import api_key_issue
from atd.core.models import AuditEntry
from atd.matching.models import BookingRecord, FeedBatch, FeedRowError
from atd.testing.world import World

URL = "/api/matching/feeds/county-jail/records"


def _records(n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "booking_id": f"BK{i}",
            "booking_date": "2026-11-01",
            "agency": "County Jail",
            "given_names": "José Luis",
            "first_surname": "Hernández",
            "second_surname": "López",
            "date_of_birth": "1985-04-03",
            "sex": "M",
            "charges": ["trespass"],
            "fingerprint_id": f"FP{i}",
        }
        for i in range(n)
    ]


def _post(key: str, body: Any, ctype: str = "application/json") -> Any:
    return Client().post(URL, data=body, content_type=ctype, HTTP_X_API_KEY=key)


def test_a_delivery_is_recorded_as_a_batch_with_counts(db: Any, feed_key: str) -> None:
    response = _post(feed_key, json.dumps(_records(3)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows_total"], body["rows_imported"], body["rows_rejected"]) == (3, 3, 0)
    assert BookingRecord.objects.filter(source="county-jail").count() == 3
    assert AuditEntry.objects.filter(action="matching.feed_import").count() == 1


def test_redelivering_the_same_bookings_changes_nothing(db: Any, feed_key: str) -> None:
    _post(feed_key, json.dumps(_records(3)))
    again = _post(feed_key, json.dumps({"records": _records(4)})).json()
    assert (again["rows_imported"], again["rows_unchanged"]) == (1, 3)
    assert BookingRecord.objects.count() == 4


def test_the_same_booking_id_from_another_source_is_another_booking(db: Any, feed_key: str) -> None:
    _post(feed_key, json.dumps(_records(1)))
    Client().post(
        "/api/matching/feeds/state-db/records",
        data=json.dumps(_records(1)),
        content_type="application/json",
        HTTP_X_API_KEY=feed_key,
    )
    assert BookingRecord.objects.filter(booking_id="BK0").count() == 2


def test_bad_rows_are_reported_one_by_one_and_good_rows_still_land(db: Any, feed_key: str) -> None:
    rows = _records(2)
    rows.insert(1, {"booking_id": "", "agency": "", "booking_date": "soon"})
    body = _post(feed_key, json.dumps(rows)).json()
    assert (body["rows_imported"], body["rows_rejected"]) == (2, 1)
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"booking_id", "agency", "booking_date", "name"}
    assert all(e["row"] == 2 for e in body["errors"])


def test_a_csv_file_upload_is_imported(db: Any, feed_key: str) -> None:
    csv = (
        "booking_id,booking_date,agency,name,date_of_birth,sex,charges\n"
        'C1,2026-10-01,City PD,"NÚÑEZ PÉREZ, Luis",1979-12-01,M,dui;speeding\n'
        "C2,2026-10-01,City PD,,1979-12-01,M,\n"
    )
    upload = SimpleUploadedFile("feed.csv", csv.encode(), content_type="text/csv")
    response = Client().post(URL, data={"file": upload}, HTTP_X_API_KEY=feed_key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows_imported"], body["rows_rejected"]) == (1, 1)
    booking = BookingRecord.objects.get(booking_id="C1")
    assert (booking.first_surname, booking.second_surname, booking.given_names) == (
        "NÚÑEZ",
        "PÉREZ",
        "Luis",
    )
    assert booking.charges == ["dui", "speeding"]


def test_a_key_without_the_feed_scope_is_refused(db: Any) -> None:
    _, intake_only = api_key_issue(actor=None, name="intake", scopes=["intake"])
    assert _post(intake_only, json.dumps(_records(1))).status_code == 403
    assert _post("atd_nope_nope", json.dumps(_records(1))).status_code == 401
    assert FeedBatch.objects.count() == 0


def test_a_staff_session_cannot_deliver_feed_records(world: World, client_for: Any) -> None:
    response = client_for("records_analyst").post(
        URL, data=json.dumps(_records(1)), content_type="application/json"
    )
    assert response.status_code == 403


def test_an_unreadable_delivery_is_one_clear_error(db: Any, feed_key: str) -> None:
    response = _post(feed_key, "[{not json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert FeedRowError.objects.count() == 0


def test_a_mistyped_date_of_birth_keeps_the_booking_with_a_warning(db: Any, feed_key: str) -> None:
    rows = _records(1)
    rows[0]["date_of_birth"] = "19851332"
    body = _post(feed_key, json.dumps(rows)).json()
    assert (body["rows_imported"], body["rows_rejected"]) == (1, 0)
    assert body["errors"] == [
        {
            "row": 1,
            "field": "date_of_birth",
            "reason": "not a valid date; kept as recorded, not trusted",
            "rejected": False,
        }
    ]
    booking = BookingRecord.objects.get()
    assert (booking.date_of_birth, booking.date_of_birth_recorded) == (None, "1985-13-32")


def test_an_upload_over_the_size_cap_is_refused_whole(db: Any, feed_key: str) -> None:
    from django.test import override_settings

    csv = "booking_id,booking_date,agency\n" + "C1,2026-10-01,City PD\n" * 200
    upload = SimpleUploadedFile("feed.csv", csv.encode(), content_type="text/csv")
    with override_settings(ATD_UPLOAD_MAX_BYTES=1024):
        response = Client().post(URL, data={"file": upload}, HTTP_X_API_KEY=feed_key)
    assert response.status_code == 413, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not FeedBatch.objects.exists()
