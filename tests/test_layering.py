"""House rule 5: an app never reads another app's tables; it calls services and selectors."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "atd"
# Composition roots and test support may wire apps together.
EXEMPT_TOP = {"config", "testing", "simulate", "cli.py"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
    return names


def test_no_app_imports_another_apps_models() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        app = rel.parts[0]
        if app in EXEMPT_TOP or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        for name in _imports(path):
            parts = name.split(".")
            if len(parts) >= 3 and parts[0] == "atd" and parts[2] == "models" and parts[1] != app:
                if parts[1] == "core":
                    continue  # the shared kernel's tables (users, audit) are everyone's
                offenders.append(f"{rel}: imports {name}")
    assert not offenders, "\n".join(offenders)
