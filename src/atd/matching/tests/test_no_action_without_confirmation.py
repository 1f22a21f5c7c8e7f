"""A match never acts on its own: no code path in matching reaches supervision or enforcement,
and the one write outside matching (the alert) happens only in candidate_confirm."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1]
# Apps whose state a match could change if matching called them. Alerts is the only other app
# matching may write to, and only from candidate_confirm (checked below).
FORBIDDEN = (
    "atd.supervision",
    "atd.checkins",
    "atd.devices",
    "atd.court",
    "atd.reviews",
    "atd.scheduling",
    "atd.telemetry",
    "atd.people.services",
)


def _modules() -> list[Path]:
    return [p for p in APP.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
    return names


def test_matching_imports_no_supervision_or_enforcement_code() -> None:
    offenders = [
        f"{p.relative_to(APP)}: {name}"
        for p in _modules()
        for name in _imports(p)
        if name.startswith(FORBIDDEN)
    ]
    assert not offenders, offenders


def test_only_candidate_confirm_raises_alerts() -> None:
    callers = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
                    "alert_raise_many",
                    "alert_raise",
                }:
                    callers.append(f"{path.name}:{func.name}")
    assert callers == ["services.py:candidate_confirm"]
