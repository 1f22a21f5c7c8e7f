"""Bad input answers 400 or 413, never 500: NUL bytes in parameters, page numbers and ids past
64 bits, oversized or too-deep bodies (issue 16, "Why" item 3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import DataError
from django.http import HttpResponse
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory

from atd.core.bad_input import BadInputMiddleware
from atd.core.params import MAX_OFFSET, int_param
from atd.testing.world import World

HUGE = "99999999999999999999"  # past 2**63: PostgreSQL "bigint out of range"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    return body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path"),
    [("admin", "/participants/?q=%00"), ("auditor", "/audit/?actor=%00")],
)
def test_nul_byte_in_a_console_filter_is_a_400_page(client_for: Any, role: str, path: str) -> None:
    response = client_for(role).get(path)
    assert response.status_code == 400
    assert b"NUL byte" in response.content
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path"),
    [("admin", "/alerts/"), ("admin", "/participants/"), ("auditor", "/audit/")],
)
def test_a_page_number_past_64_bits_is_clamped_to_an_empty_last_page(
    client_for: Any, role: str, path: str
) -> None:
    client = client_for(role)
    response = client.get(f"{path}?page={HUGE}")
    assert response.status_code == 200
    last = MAX_OFFSET // 50 + 1
    assert response.context["page"] == last
    assert client.get(f"{path}?page=-3").context["page"] == 1
    assert client.get(f"{path}?page=abc").context["page"] == 1
    assert client.get(f"{path}?page=2").context["page"] == 2


@pytest.mark.django_db
def test_an_id_filter_past_64_bits_filters_nothing_like_a_malformed_one(
    world: World, client_for: Any
) -> None:
    client = client_for("admin")
    assert client.get(f"/alerts/?office={HUGE}&participant={HUGE}").status_code == 200
    page = client.get(f"/participants/?office={HUGE}&officer={HUGE}")
    assert page.status_code == 200
    assert page.context["total"] == client.get("/participants/").context["total"] == 3


@pytest.mark.django_db
def test_nul_byte_in_an_api_query_parameter_is_a_400_problem(client_for: Any) -> None:
    body = _problem(client_for("admin").get("/api/people/participants?q=%00"), 400)
    assert "NUL" in body["detail"]
    body = _problem(client_for("auditor").get("/api/audit?actor=ab%00c"), 400)
    assert body["instance"] == "/api/audit"


@pytest.mark.django_db
def test_nul_byte_in_a_form_field_is_a_400_page(client_for: Any) -> None:
    response = client_for("admin").post(
        "/participants/", "q=a%00b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_api_body_over_the_size_limit_is_a_413_problem(client_for: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = json.dumps({"name": "x" * 20_000, "filters": {}})
    response = client_for("admin").post(
        "/api/reporting/cohorts", payload, content_type="application/json"
    )
    body = _problem(response, 413)
    assert body["type"] == "/problems/too-large"


@pytest.mark.django_db
def test_a_self_decoded_api_body_over_the_size_limit_is_a_413_problem(
    intake_key: str, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = Client().post(
        "/api/intake/releases",
        json.dumps([{"a_number": "1" * 9, "note": "x" * 20_000}]),
        content_type="application/json",
        HTTP_X_API_KEY=intake_key,
    )
    _problem(response, 413)


@pytest.mark.django_db
def test_a_form_over_the_size_limit_or_with_too_many_fields_is_a_413_page(
    client_for: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = client_for("admin")
    big = client.post(
        "/participants/", "q=" + "x" * 20_000, content_type="application/x-www-form-urlencoded"
    )
    assert big.status_code == 413
    assert b"Request too large" in big.content
    many = "&".join(f"f{i}=1" for i in range(1500))
    response = client.post("/participants/", many, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


@pytest.mark.django_db
def test_a_multipart_body_with_too_many_fields_is_a_413_page(world: World) -> None:
    # The CSRF check reads the multipart body before any view: Django's 400 handler answers.
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("admin"), backend="django.contrib.auth.backends.ModelBackend")
    client.cookies["csrftoken"] = _get_new_csrf_string()
    fields = {f"f{i}": "1" for i in range(1500)}
    response = client.post("/intake/", fields)
    assert response.status_code == 413
    assert b"too many fields" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/reporting/cohorts", "/api/intake/releases"])
def test_deeply_nested_json_is_a_400_problem(path: str, client_for: Any, intake_key: str) -> None:
    deep = "[" * 200_000 + "]" * 200_000
    response = client_for("admin").post(
        path, deep, content_type="application/json", HTTP_X_API_KEY=intake_key
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_invalid_utf8_json_is_a_400_problem(intake_key: str) -> None:
    response = Client().post(
        "/api/intake/releases",
        b'[{"a_number": "\xff\xfe"}]',
        content_type="application/json",
        HTTP_X_API_KEY=intake_key,
    )
    assert response.status_code in (400, 422), response.content[:300]
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("exc", [DataError("bigint out of range"), OverflowError("too large")])
@pytest.mark.parametrize("path", ["/participants/", "/api/people/participants"])
def test_a_value_the_database_refuses_in_a_view_is_a_400(exc: Exception, path: str) -> None:
    middleware = BadInputMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get(path)
    response = middleware.process_exception(request, exc)
    assert response is not None
    assert response.status_code == 400
    other = middleware.process_exception(request, KeyError("a bug stays a bug"))
    assert other is None


def test_int_param_accepts_64_bit_ids_and_nothing_else() -> None:
    assert int_param("42") == 42
    assert int_param(" 9223372036854775807 ") == 2**63 - 1
    assert int_param("9223372036854775808") is None
    assert int_param(HUGE) is None
    assert int_param("1" * 5000) is None
    assert int_param("") is None
    assert int_param(None) is None
    assert int_param("4x") is None
    assert int_param("-1", minimum=0) is None
