"""The helpers every context shares: request numbers, scope, audited reads, uploads, geo, COPY."""

from __future__ import annotations

import math
import struct
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.test import RequestFactory, override_settings

from atd.core.actors import SYSTEM
from atd.core.audit import read_one_audited
from atd.core.errors import NotFound, ValidationFailed
from atd.core.geo import distance_m, distances_m
from atd.core.models import AuditEntry
from atd.core.params import int_or, int_or_none, page_number
from atd.core.pgcopy import NULL, SIGNATURE, TRAILER, copy_records, copy_text
from atd.core.roles import Role
from atd.core.scope import Scope, scope_for
from atd.core.uploads import (
    UploadTooLarge,
    csv_records,
    delivery_format_guess,
    delivery_read,
    delivery_text,
    json_document,
)

# --- numbers from a query string or form ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), (" 7 ", 7), ("-3", -3), ("0", 0), ("", None), (None, None), ("abc", None),
     ("1e3", None), ("7.5", None), (str(2**63 - 1), 2**63 - 1),
     # Past the database's 64-bit integer no row can match (issue 16: "bigint out of range").
     (str(2**63), None), ("9" * 30, None)],
)  # fmt: skip
def test_an_optional_number_is_none_when_missing_or_not_a_number(
    raw: str | None, expected: int | None
) -> None:
    assert int_or_none(raw) == expected


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [("30", -1, 30), ("0", 5, 0), ("", -1, -1), (None, 180, 180), ("x", 0, 0), ("--1", 30, 30)],
)
def test_a_number_with_a_fallback_takes_the_fallback_when_missing_or_bad(
    raw: str | None, default: int, expected: int
) -> None:
    assert int_or(raw, default) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), ("1", 1), ("0", 1), ("-4", 1), ("", 1), (None, 1), ("two", 1)],
)
def test_a_page_number_is_at_least_one(raw: str | None, expected: int) -> None:
    assert page_number(raw) == expected


# --- scope -------------------------------------------------------------------------------------


def test_the_system_scope_sees_every_case_and_is_no_user() -> None:
    system = Scope.system()
    assert (system.role, system.user_id, system.office_id) == (Role.ADMIN, None, None)
    assert system.case_q() == Q()
    assert system == Scope(role="admin", user_id=None, office_id=None)


def _request_as(role: str) -> Any:
    request: Any = RequestFactory().get("/")
    request.user = SimpleNamespace(is_authenticated=True, role=role, pk=5, office_id=2)
    return request


def test_a_page_gives_the_callers_scope_to_a_role_it_names() -> None:
    scope = scope_for(_request_as(Role.SUPERVISOR), (Role.SUPERVISOR, Role.ADMIN))
    assert (scope.role, scope.user_id, scope.office_id) == (Role.SUPERVISOR, 5, 2)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.CASE_OFFICER, "anonymous", ""])
def test_a_page_refuses_a_role_it_does_not_name(role: str) -> None:
    with pytest.raises(PermissionDenied):
        scope_for(_request_as(role), (Role.SUPERVISOR, Role.ADMIN))


def test_a_page_that_names_no_role_refuses_everyone() -> None:
    with pytest.raises(PermissionDenied):
        scope_for(_request_as(Role.ADMIN), ())


# --- audited reads -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_audited_read_records_ok_with_its_reason() -> None:
    user = get_user_model().objects.create_user(username="reader", role=Role.ADMIN)
    users = get_user_model().objects.all()
    assert (
        read_one_audited(
            users, pk=user.pk, actor=SYSTEM, action="t.read", object_type="user", reason="why"
        )
        == user
    )
    entry = AuditEntry.objects.get(action="t.read")
    assert (entry.outcome, entry.object_ids, entry.reason) == ("ok", str(user.pk), "why")


@pytest.mark.django_db
def test_an_audited_read_out_of_scope_records_not_found_and_raises() -> None:
    user = get_user_model().objects.create_user(username="hidden", role=Role.ADMIN)
    in_scope = get_user_model().objects.exclude(pk=user.pk)
    with pytest.raises(NotFound):
        read_one_audited(in_scope, pk=user.pk, actor=SYSTEM, action="t.read", object_type="user")
    with pytest.raises(NotFound):
        read_one_audited(in_scope, pk=-1, actor=SYSTEM, action="t.read", object_type="user")
    outcomes = list(AuditEntry.objects.filter(action="t.read").values_list("outcome", flat=True))
    assert outcomes == ["not_found", "not_found"]


# --- uploads -----------------------------------------------------------------------------------


@override_settings(ATD_UPLOAD_MAX_BYTES=1024)
def test_an_upload_at_the_cap_is_read_whole() -> None:
    upload = SimpleUploadedFile("Batch.CSV", b"x" * 1024)
    delivery = delivery_read(RequestFactory().post("/"), upload)
    assert (len(delivery.content), delivery.name, delivery.fmt) == (1024, "Batch.CSV", "csv")


@override_settings(ATD_UPLOAD_MAX_BYTES=1024)
def test_an_upload_over_the_cap_is_refused_whole_not_cut_short() -> None:
    upload = SimpleUploadedFile("batch.json", b"[" + b" " * 2000 + b"]")
    with pytest.raises(UploadTooLarge) as refused:
        delivery_read(RequestFactory().post("/"), upload)
    assert refused.value.status == 413
    assert "1024 bytes" in refused.value.detail


@pytest.mark.parametrize(
    ("ctype", "fmt"),
    [("text/csv", "csv"), ("application/x-ndjson", "ndjson"), ("application/json", "json"),
     ("text/plain", "json")],
)  # fmt: skip
def test_records_in_the_body_take_their_format_from_the_content_type(ctype: str, fmt: str) -> None:
    request = RequestFactory().post("/", data=b"[]", content_type=ctype)
    delivery = delivery_read(request, None)
    assert (delivery.content, delivery.name, delivery.fmt) == (b"[]", "", fmt)


def test_an_empty_delivery_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        delivery_read(RequestFactory().post("/", data=b"", content_type="text/csv"), None)
    with pytest.raises(ValidationFailed):
        delivery_read(RequestFactory().post("/"), SimpleUploadedFile("empty.csv", b""))


def test_decoding_parts_refuse_bad_input_with_one_clear_message() -> None:
    assert delivery_text("\ufeffa,b".encode(), noun="file") == "a,b"
    with pytest.raises(ValidationFailed, match="the delivery is not UTF-8 text"):
        delivery_text(b"\xff\xfe\x00bad", noun="delivery")
    with pytest.raises(ValidationFailed, match="with an a_number column"):
        csv_records("name,dob\nx,y\n", key_column="a_number")
    with pytest.raises(ValidationFailed, match="with a booking_id column"):
        csv_records("", key_column="booking_id")
    assert csv_records(" booking_id ,x\n1,2\n", key_column="booking_id") == [
        {"booking_id": "1", "x": "2"}
    ]
    with pytest.raises(ValidationFailed, match="invalid JSON at line 2"):
        json_document('[1,\n{"a": }]', whole=True)
    assert json_document('{"a": 1}\n\n{"a": 2}\n', whole=False) == [{"a": 1}, {"a": 2}]
    assert [delivery_format_guess(n) for n in ("a.CSV", "b.jsonl", "c.ndjson", "d", "e.json")] == [
        "csv",
        "ndjson",
        "ndjson",
        "json",
        "json",
    ]


# --- geo ---------------------------------------------------------------------------------------


def test_one_distance_for_a_pair_and_for_arrays() -> None:
    chicago_to_new_york = distance_m(41.88, -87.63, 40.71, -74.0)
    assert 1_130_000 < chicago_to_new_york < 1_160_000
    lat2 = np.array([40.71, 41.88, -33.87])
    lon2 = np.array([-74.0, -87.63, 151.21])
    bulk = distances_m(41.88, -87.63, lat2, lon2)
    for i in range(3):
        assert math.isclose(bulk[i], distance_m(41.88, -87.63, lat2[i], lon2[i]), abs_tol=1e-6)
    assert bulk[1] == 0.0
    assert distance_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6_371_008.8)


# --- binary COPY -------------------------------------------------------------------------------


def test_copy_records_are_postgresql_binary_rows() -> None:
    ids = np.array([1, 2**40], dtype=np.int64)
    payload = copy_records(2, [(">i8", ids), (NULL, None), copy_text(""), copy_text("née"),
                               ("u1", np.array([1, 0], dtype=np.uint8))])  # fmt: skip
    text = "née".encode()
    row = struct.Struct(f">hiqiii{len(text)}siB")
    assert len(payload) == 2 * row.size
    first = row.unpack_from(payload, 0)
    second = row.unpack_from(payload, row.size)
    assert first == (5, 8, 1, -1, 0, len(text), text, 1, 1)
    assert second == (5, 8, 2**40, -1, 0, len(text), text, 1, 0)
    assert SIGNATURE.startswith(b"PGCOPY\n\xff\r\n\x00") and len(SIGNATURE) == 19
    assert TRAILER == b"\xff\xff"


def test_copy_records_of_no_rows_are_empty() -> None:
    assert copy_records(0, [(">i4", np.array([], dtype=np.int32))]) == b""
