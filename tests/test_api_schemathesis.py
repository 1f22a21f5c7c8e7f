"""Property-based API tests from the OpenAPI schema: every operation gets at least
ATD_SCHEMATHESIS_EXAMPLES generated cases (200 by default, issue 16), each sent with the
credentials of a role drawn with the case (every staff role, a participant, an integration
key); no server error and no response that breaks the schema."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
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

EXAMPLES = int(os.environ.get("ATD_SCHEMATHESIS_EXAMPLES", "200"))
ROLES = sorted(ALL_ROLES | {"integration"})
Credentials = dict[str, tuple[dict[str, str], dict[str, str]]]
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


def _run_operation(operation: Any, credentials: Credentials) -> tuple[int, set[str], str]:
    """Runs the generated cases of one operation, each as a role drawn with it; returns
    (cases run, roles used, first failure or "")."""
    counter = {"n": 0}
    roles: set[str] = set()

    @hyp_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), role=st.sampled_from(ROLES))
    def run(case: Any, role: str) -> None:
        counter["n"] += 1
        roles.add(role)
        headers, cookies = credentials[role]
        response = case.call(headers=headers, cookies=cookies)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except (
        Exception,
        BaseExceptionGroup,
    ) as exc:  # collect every failing operation, then fail once
        return counter["n"], roles, str(exc)[:600]
    return counter["n"], roles, ""


@pytest.mark.django_db(transaction=True)
def test_api_has_no_server_errors_or_schema_violations(world: World, capsys: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    credentials = {role: _credentials(world, role) for role in ROLES}
    started = time.monotonic()
    total = 0
    failures: list[str] = []
    # An operation whose inputs allow fewer distinct cases than EXAMPLES (no parameters, a
    # small enum) ends early: Hypothesis does not repeat a case. Those are listed.
    short: list[str] = []
    for operation in operations:
        count, roles, failure = _run_operation(operation, credentials)
        total += count
        label = f"{operation.method.upper()} {operation.path}"
        if failure:
            failures.append(f"{label}: {failure}")
        elif count < EXAMPLES:
            short.append(f"{label} ({count} cases, {len(roles)} roles)")
    with capsys.disabled():
        print(
            f"\nschemathesis: {total} generated cases over {len(operations)} operations, "
            f"{EXAMPLES} per operation asked, roles drawn from {len(ROLES)}, "
            f"{time.monotonic() - started:.0f} s; fewer distinct cases possible: {len(short)}"
        )
        for line in short:
            print(f"  {line}")
    assert total >= len(operations) * min(EXAMPLES, len(ROLES))
    assert not failures, "\n\n".join(failures)
