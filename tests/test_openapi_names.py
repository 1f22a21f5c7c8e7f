"""Every schema in the OpenAPI document has one meaning: two API classes with the same name
would silently share one component (ninja names components by class name)."""

from __future__ import annotations

import importlib
from collections import defaultdict

from django.apps import apps
from ninja import Schema


def test_api_schema_class_names_are_unique_across_apps() -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    for config in apps.get_app_configs():
        if not config.name.startswith("atd."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                seen[value.__name__].add(module.__name__)
    clashes = {name: sorted(mods) for name, mods in seen.items() if len(mods) > 1}
    assert not clashes, f"API schema names used by more than one app: {clashes}"
