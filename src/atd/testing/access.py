"""The access matrix: which roles may use each object-bearing endpoint, and how to make objects.

Each app that has object-bearing endpoints (a path with `{param}` in the API, or `<int:param>` in
the console or portal) declares them in `atd/<app>/tests/access_matrix.py`:

    OBJECTS = {"participant_id": participant_ids}      # param -> factory(world, role) -> (in, out)
    ENDPOINTS = {
        "GET /api/people/participants/{participant_id}": Rule(roles=CASE_ROLES),
        "POST /api/people/cases/{case_id}/status": Rule(roles=CASE_ROLES, body={...}),
        "GET /participants/<participant_id>/": Rule(roles=CASE_ROLES),   # console page
    }

A factory returns the id of an object the role's user may see (None when the role sees none
of that kind) and the id of one outside their scope. tests/test_access_matrix.py checks every
endpoint with every role; an endpoint missing here fails that test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atd.testing.world import World

ALL_ROLES = frozenset(
    {
        "case_officer",
        "contractor_specialist",
        "supervisor",
        "records_analyst",
        "auditor",
        "admin",
        "participant",
    }
)
CASE_ROLES = frozenset({"case_officer", "contractor_specialist", "supervisor", "admin"})
SUPERVISION_ROLES = frozenset({"supervisor", "admin"})

Factory = Callable[[World, str], tuple[int | None, int]]


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    # A JSON/form body, or a function of the world that returns one (for ids made per test).
    body: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    # Statuses that count as "allowed and worked" for an in-scope object (default: 2xx).
    ok_statuses: frozenset[int] = field(default_factory=frozenset)
    content_type: str = "application/json"
    # False when the objects have no per-record scope (any allowed role sees all of them): the
    # factories then give a missing id as "outside", and every role must answer 404 for it.
    scoped: bool = True


def participant_ids(world: World, role: str) -> tuple[int | None, int]:
    """The participant each role may see (their own caseload / office / self)."""
    inside = {
        "case_officer": world.participants["officer_a"].pk,
        "contractor_specialist": world.participants["specialist_a"].pk,
        "supervisor": world.participants["officer_a"].pk,
        "admin": world.participants["officer_a"].pk,
        "participant": world.participants["officer_a"].pk,
    }.get(role)
    return inside, world.participants["office_b"].pk


# Roles whose scope is global: for them the "out of scope" object is in scope.
GLOBAL_ROLES = frozenset({"admin"})


def case_ids(world: World, role: str) -> tuple[int | None, int]:
    inside = {
        "case_officer": world.cases["officer_a"].pk,
        "contractor_specialist": world.cases["specialist_a"].pk,
        "supervisor": world.cases["officer_a"].pk,
        "admin": world.cases["officer_a"].pk,
        "participant": world.cases["officer_a"].pk,
    }.get(role)
    return inside, world.cases["office_b"].pk
