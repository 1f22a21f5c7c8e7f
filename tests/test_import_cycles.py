"""No import cycle crosses a bounded context, and none runs inside telemetry: built from the
real import graph (grimp, the library under import-linter), function-level imports included."""

from __future__ import annotations

import grimp
import pytest


def contexts_of(modules: list[str]) -> set[str]:
    return {m.split(".")[1] if m.count(".") else m for m in modules}


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("atd", cache_dir=None)


def test_no_import_cycle_crosses_contexts_or_runs_inside_telemetry(
    graph: grimp.ImportGraph,
) -> None:
    bad = [
        c
        for c in import_cycles(graph)
        if len(contexts_of(c)) > 1 or contexts_of(c) == {"telemetry"}
    ]
    assert bad == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in bad)


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    graph = grimp.ImportGraph()
    for module in ("atd", "atd.a", "atd.a.x", "atd.b", "atd.b.y", "atd.b.z"):
        graph.add_module(module)
    graph.add_import(importer="atd.a.x", imported="atd.b.y", line_number=1, line_contents="")
    graph.add_import(importer="atd.b.y", imported="atd.b.z", line_number=1, line_contents="")
    graph.add_import(importer="atd.b.z", imported="atd.a.x", line_number=9, line_contents="")
    assert import_cycles(graph) == [["atd.a.x", "atd.b.y", "atd.b.z"]]
    assert contexts_of(import_cycles(graph)[0]) == {"a", "b"}


def may_import_demo(module: str) -> bool:
    """Demo data is registered as a demo step (apps, registrations) or run by a command or a
    test; nothing that serves a request or a job reaches it."""
    parts = module.split(".")
    return (
        parts[-1] in {"apps", "registrations", "demo"}
        or "tests" in parts
        or "management" in parts
        or module.startswith(("atd.simulate", "atd.testing"))
    )


def test_production_code_never_imports_a_demo_module(graph: grimp.ImportGraph) -> None:
    demos = [m for m in graph.modules if m.split(".")[-1] == "demo"]
    bad = sorted(
        f"{importer} -> {demo}"
        for demo in demos
        for importer in graph.find_modules_that_directly_import(demo)
        if not may_import_demo(importer)
    )
    assert bad == []


def serves_production(module: str) -> bool:
    """Modules that run in the server or a worker (not tests, commands, demo data, or the
    app configs that register into core's extension points)."""
    parts = module.split(".")
    return not (may_import_demo(module) or parts[-1] == "cli")


def test_no_cycle_of_contexts_in_production_code(graph: grimp.ImportGraph) -> None:
    """Contexts form a one-way graph (what the layers contract relies on): no context reaches
    back to one that reaches it. (The case there was, alerts' page showing check-ins while
    checkins raises alerts, goes through core's alert_asides extension point.)"""
    contexts = grimp.ImportGraph()
    for module in graph.modules:
        if not serves_production(module):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = contexts_of([module]).pop(), contexts_of([imported]).pop()
            if a != b and serves_production(imported):
                for name in (a, b):
                    contexts.add_module(f"c.{name}")
                contexts.add_import(
                    importer=f"c.{a}", imported=f"c.{b}", line_number=1, line_contents=""
                )
    assert import_cycles(contexts) == []
