"""Property-based API tests from the OpenAPI schema, with each role's credentials:
no server errors and no response that breaks the schema."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from atd.config.wsgi import application
from atd.core.apikeys import api_key_issue
from atd.core.models import ApiKey
from atd.testing.access import ALL_ROLES
from atd.testing.world import World

EXAMPLES = int(os.environ.get("ATD_SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def _credentials(world: World, role: str) -> tuple[dict[str, str], dict[str, str]]:
    if role == "integration":
        _, plain = api_key_issue(actor=None, name="schemathesis", scopes=list(ApiKey.Scope.values))
        return {"X-API-Key": plain}, {}
    client = Client()
    client.force_login(world.user(role), backend="django.contrib.auth.backends.ModelBackend")
    client.get("/api/me")  # sets nothing, but proves the session works
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return {"X-CSRFToken": token}, cookies


def _run_operation(
    operation: Any, headers: dict[str, str], cookies: dict[str, str]
) -> tuple[int, str]:
    """Runs the generated cases of one operation; returns (cases run, first failure or "")."""
    counter = {"n": 0}

    @hyp_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        counter["n"] += 1
        response = case.call(headers=headers, cookies=cookies)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # collect every failing operation, then fail once
        return counter["n"], str(exc)[:600]
    return counter["n"], ""


@pytest.mark.django_db(transaction=True)
def test_api_has_no_server_errors_or_schema_violations(world: World, capsys: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    total = 0
    failures: list[str] = []
    for role in sorted(ALL_ROLES | {"integration"}):
        headers, cookies = _credentials(world, role)
        for operation in operations:
            count, failure = _run_operation(operation, headers, cookies)
            total += count
            if failure:
                failures.append(f"{role} {operation.method.upper()} {operation.path}: {failure}")
    with capsys.disabled():
        print(
            f"\nschemathesis: {total} generated cases over {len(operations)} operations x {len(ALL_ROLES) + 1} roles"
        )
    assert total >= len(operations) * (len(ALL_ROLES) + 1)
    assert not failures, "\n\n".join(failures)
