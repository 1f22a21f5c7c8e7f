"""Every object-bearing endpoint, every role, an in-scope and an out-of-scope object.

Endpoints are read from the OpenAPI schema and the console/portal URL configuration, so a new
endpoint that no app's access_matrix declares fails `test_every_object_endpoint_is_covered`.
"""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from atd.config.api import api
from atd.testing.access import ALL_ROLES, GLOBAL_ROLES, Rule
from atd.testing.world import World

UI_NAMESPACES = {
    "console",
    "portal",
    "court",
    "supervision",
    "devices",
    "telemetry",
    "checkins",
    "scheduling",
    "alerts",
    "matching",
    "reviews",
    "reporting",
}


def _registries() -> tuple[dict[str, Any], dict[str, Rule]]:
    objects: dict[str, Any] = {}
    endpoints: dict[str, Rule] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("atd."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.access_matrix")
        except ModuleNotFoundError as exc:
            if (
                exc.name
                and exc.name.endswith("access_matrix")
                or exc.name == f"{config.name}.tests"
            ):
                continue
            raise
        objects.update(getattr(module, "OBJECTS", {}))
        for key, rule in getattr(module, "ENDPOINTS", {}).items():
            assert key not in endpoints, f"{key} is declared twice"
            endpoints[key] = rule
    return objects, endpoints


OBJECTS, ENDPOINTS = _registries()


def _ui_patterns(
    resolver: URLResolver | None = None, prefix: str = "", ns: str = ""
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _ui_patterns(pattern, prefix + route, pattern.namespace or ns)
        elif isinstance(pattern, URLPattern) and ns in UI_NAMESPACES and "<" in route:
            found.append((ns, "/" + prefix + route))
    return found


def discovered_endpoints() -> set[str]:
    keys: set[str] = set()
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        for method in operations:
            keys.add(f"{method.upper()} {path}")
    for _ns, route in _ui_patterns():
        plain = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route)
        # A UI page may be GET or POST; the registry says which it tests. Both count as covered.
        keys.add(f"* {plain}")
    return keys


def test_every_object_endpoint_is_covered() -> None:
    declared = set(ENDPOINTS)
    declared_ui = {"* " + k.split(" ", 1)[1] for k in declared if "<" in k}
    missing = sorted(
        k for k in discovered_endpoints() if k not in declared and k not in declared_ui
    )
    assert not missing, "object-bearing endpoints with no access-matrix entry:\n" + "\n".join(
        missing
    )
    params = set()
    for key in declared:
        params |= set(re.findall(r"[{<](\w+)[}>]", key))
    assert not params - set(OBJECTS), (
        f"path parameters with no object factory: {params - set(OBJECTS)}"
    )


def test_matrix_has_no_stale_entries() -> None:
    discovered = discovered_endpoints()
    stale = [
        k for k in ENDPOINTS if k not in discovered and "* " + k.split(" ", 1)[1] not in discovered
    ]
    assert not stale, f"matrix entries for endpoints that no longer exist: {stale}"


def _call(client: Client, key: str, ids: dict[str, int], rule: Rule, world: World) -> int:
    method, template = key.split(" ", 1)
    path = template
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value)).replace("<" + name + ">", str(value))
    body = rule.body(world) if callable(rule.body) else rule.body
    if method == "GET":
        return client.get(path).status_code
    if rule.content_type == "form":
        return client.generic(
            method, path, data=_form(body or {}), content_type="application/x-www-form-urlencoded"
        ).status_code
    return client.generic(
        method, path, data=json.dumps(body or {}), content_type=rule.content_type
    ).status_code


def _form(body: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(body)


def _ids(world: World, key: str, role: str) -> tuple[dict[str, int] | None, dict[str, int]]:
    inside: dict[str, int] | None = {}
    outside: dict[str, int] = {}
    for name in re.findall(r"[{<](\w+)[}>]", key):
        in_id, out_id = OBJECTS[name](world, role)
        outside[name] = out_id
        if in_id is None or inside is None:
            inside = None
        else:
            inside[name] = in_id
    return inside, outside


CASES = sorted((key, role) for key in ENDPOINTS for role in sorted(ALL_ROLES))


@pytest.mark.parametrize(("key", "role"), CASES, ids=[f"{r}:{k}" for k, r in CASES])
def test_access(world: World, client_for: Any, key: str, role: str) -> None:
    rule = ENDPOINTS[key]
    client = client_for(role)
    inside, outside = _ids(world, key, role)
    allowed = role in rule.roles
    ok = rule.ok_statuses or frozenset(range(200, 300))

    out_status = _call(client, key, outside, rule, world)
    if allowed and role in GLOBAL_ROLES and rule.scoped:
        assert out_status in ok, f"{role} {key} (global scope) answered {out_status}"
    elif allowed:
        assert out_status == 404, f"{role} {key} out-of-scope answered {out_status}, not 404"
    else:
        assert out_status in (403, 404), f"{role} {key} not allowed but answered {out_status}"

    if inside is None:
        assert not allowed or role in GLOBAL_ROLES, (
            f"{role} is allowed {key} but its factory gives no object"
        )
        return
    in_status = _call(client, key, inside, rule, world)
    if allowed:
        assert in_status in ok, f"{role} {key} in-scope answered {in_status}"
    else:
        assert in_status in (403, 404), f"{role} {key} not allowed but answered {in_status}"
