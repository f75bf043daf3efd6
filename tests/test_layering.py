"""The dependency rule of ARCHITECTURE §1, enforced on the source tree.

Arrows point down only: models ← storage ← services ← (ui, cli, reports, sync).
Only casework.ui imports PySide6, only casework.storage imports sqlcipher3, only
casework.sync talks to PostgreSQL, and SQL text lives only in storage (and in the hub
schema of sync).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "casework"

# Which of our layers each layer may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "models": {"errors", "clock"},
    "storage": {"models", "errors", "clock"},
    "forms": {"models", "errors", "clock", "resources"},
    "services": {"storage", "models", "forms", "errors", "clock", "reports", "resources"},
    "reports": {"services", "storage", "models", "forms", "errors", "clock"},
    "sync": {"services", "storage", "models", "errors", "clock"},
    "cli": {"services", "models", "forms", "reports", "sync", "errors", "clock", "cli", "app"},
    "ui": {"services", "models", "forms", "reports", "sync", "errors", "clock", "app"},
    "app": {"ui", "services", "models", "errors", "clock"},
    "errors": set(),
    "clock": set(),
    "resources": set(),
}
THIRD_PARTY_OWNER = {"PySide6": "ui", "sqlcipher3": "storage", "psycopg": "sync",
                     "psycopg2": "sync"}
# Our SQL is written in upper-case keywords; German prose never matches these.
SQL = re.compile(r"\b(SELECT\b.*\bFROM\b|INSERT INTO|DELETE FROM|UPDATE \w+ SET|"
                 r"CREATE (TABLE|INDEX|TRIGGER|VIRTUAL)|PRAGMA \w)", re.DOTALL)


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if rel.parts else ""


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_layers(path: Path) -> None:
    layer = _layer(path)
    if layer in {"__init__", "__main__"}:
        return
    problems = []
    for name, line in _imports(path):
        top = name.split(".")[0]
        if top in THIRD_PARTY_OWNER and THIRD_PARTY_OWNER[top] != layer:
            owner = THIRD_PARTY_OWNER[top]
            problems.append(f"line {line}: {name} may only be imported in casework.{owner}")
        if top == "casework":
            parts = name.split(".")
            if len(parts) < 2:
                continue
            target = parts[1]
            if target != layer and target not in ALLOWED.get(layer, set()):
                problems.append(f"line {line}: casework.{layer} must not import {name}")
    assert not problems, "\n".join(problems)


def _strings(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.value, node.lineno))
    return out


@pytest.mark.parametrize("path", [p for p in _modules() if _layer(p) not in {"storage", "sync"}],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_sql_outside_storage(path: Path) -> None:
    hits = [f"line {line}: {text[:60]!r}" for text, line in _strings(path) if SQL.search(text)]
    assert not hits, "SQL belongs in casework.storage:\n" + "\n".join(hits)


def test_models_do_no_io() -> None:
    """The domain is pure: no file, process, network or database modules."""
    forbidden = {"os", "pathlib", "subprocess", "socket", "io", "shutil", "tempfile",
                 "sqlite3", "importlib", "logging"}
    problems = [
        f"{path.relative_to(PACKAGE)}:{line}: imports {name}"
        for path in (PACKAGE / "models").rglob("*.py")
        for name, line in _imports(path)
        if name.split(".")[0] in forbidden
    ]
    assert not problems, "\n".join(problems)
