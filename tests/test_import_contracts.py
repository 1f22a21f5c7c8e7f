"""The published-interface contract type (atd.testing.import_contracts) on small import graphs:
it must refuse what it claims to refuse, or `make imports` proves nothing."""

from __future__ import annotations

from typing import Any

import grimp

from atd.testing.import_contracts import PublishedInterfaceContract


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for name in (
        "atd", "atd.people", "atd.people.models", "atd.people.rules", "atd.people.selectors",
        "atd.people.services", "atd.people.services.intake", "atd.people.types", "atd.alerts",
        "atd.alerts.views", "atd.alerts.services", "atd.alerts.tests", "atd.alerts.tests.test_x",
        "atd.config", "atd.config.urls",
    ):  # fmt: skip
        graph.add_module(name)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    return graph


def _check(graph: grimp.ImportGraph, **options: Any) -> Any:
    contract = PublishedInterfaceContract(
        name="published",
        session_options={},
        contract_options={
            "contexts": ["atd.people", "atd.alerts"],
            "published": ["services", "selectors", "types"],
            "allowed_importers": ["atd.config", "atd.*.tests"],
            **options,
        },
    )
    return contract.check(graph, verbose=False)


def test_imports_of_published_modules_are_kept() -> None:
    check = _check(
        _graph(
            ("atd.alerts.views", "atd.people.selectors"),
            ("atd.alerts.views", "atd.people.services.intake"),
            ("atd.alerts.views", "atd.people.types"),
            ("atd.alerts.views", "atd.people"),
            ("atd.people.services", "atd.people.models"),  # inside its own context
        )
    )
    assert check.kept


def test_a_private_module_of_another_context_is_refused() -> None:
    check = _check(
        _graph(
            ("atd.alerts.views", "atd.people.models"),
            ("atd.alerts.services", "atd.people.rules"),
            ("atd.people.selectors", "atd.alerts.views"),
        )
    )
    assert not check.kept
    assert [(link["importer"], link["imported"]) for link in check.metadata["illegal"]] == [
        ("atd.people.selectors", "atd.alerts.views"),
        ("atd.alerts.views", "atd.people.models"),
        ("atd.alerts.services", "atd.people.rules"),
    ]


def test_composition_roots_and_tests_may_import_anything() -> None:
    check = _check(
        _graph(
            ("atd.config.urls", "atd.alerts.views"),
            ("atd.alerts.tests.test_x", "atd.people.models"),
        )
    )
    assert check.kept


def test_an_ignored_import_is_kept_and_counted() -> None:
    graph = _graph(("atd.alerts.views", "atd.people.models"))
    check = _check(graph, ignore_imports=["atd.alerts.views -> atd.people.models"])
    assert check.kept
    assert check.ignored_import_count == 1
