"""The floors and their rules (docs/architecture.md), enforced on the source tree.

Arrows point down only: models ← storage ← services ← forms/reports ← ui, cli, sync.
Every way of importing counts: `import casework.x`, `from casework.x import y`,
`from casework import x`, imports inside functions; relative imports and dynamic imports
(`importlib.import_module`, `__import__`) are refused, so no import hides from this test or
from mypy. Third-party owners: PySide6 → ui (and the composition root), sqlcipher3, argon2,
cryptography → storage, psycopg → sync, reportlab → forms. SQL text (also inside
f-strings) lives only in storage and sync. No module imports itself back through others.

The checker is run on snippets first (`test_checker_*`): a rule that cannot fail is no rule.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "casework"

# Which of our floors each floor may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "models": {"errors", "clock"},
    "storage": {"models", "errors", "clock"},
    "forms": {"models", "errors", "clock", "resources"},
    "services": {"storage", "models", "forms", "errors", "clock", "resources"},
    "reports": {"services", "storage", "models", "forms", "errors", "clock"},
    "sync": {"services", "storage", "models", "errors", "clock"},
    "cli": {"services", "models", "forms", "reports", "sync", "errors", "clock", "app"},
    "ui": {"services", "models", "forms", "reports", "sync", "errors", "clock"},
    "app": {"ui", "services", "models", "errors", "clock"},
    "__main__": {"cli"},
    "__init__": set(),
    "errors": set(),
    "clock": set(),
    "resources": set(),
}
OWNERS: dict[str, set[str]] = {
    "PySide6": {"ui", "app"},
    "sqlcipher3": {"storage"},
    "argon2": {"storage"},
    "cryptography": {"storage"},
    "psycopg": {"sync"},
    "psycopg2": {"sync"},
    "reportlab": {"forms"},
}
# Dynamic imports, each with its reason. Nothing else may load code by name.
DYNAMIC_IMPORTS = {
    "storage/migrations/__init__.py": "migrations are numbered files, applied in order",
    "resources.py": "finds the installed data package (no code is loaded)",
}
# Import cycles that exist and are still to be broken, each with its reason. A new cycle
# fails the tree test; a listed one that is gone fails too (take it off the list).
KNOWN_CYCLES: dict[frozenset[str], str] = {}
SQL_FLOORS = {"storage", "sync"}
# Our SQL is written in upper-case keywords; German prose never matches these.
SQL = re.compile(r"\b(SELECT\b.*\bFROM\b|INSERT INTO|DELETE FROM|UPDATE \w+ SET|"
                 r"CREATE (TABLE|INDEX|TRIGGER|VIRTUAL)|PRAGMA \w)", re.DOTALL)
DYNAMIC = {"import_module", "__import__", "find_spec"}


# --- the checker -------------------------------------------------------------------------

def floor_of(rel: str) -> str:
    """`services/consent/transfer.py` → `services`; `clock.py` → `clock`."""
    return rel.split("/")[0].removesuffix(".py")


def module_name(rel: str) -> str:
    name = "casework." + rel.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def imported_names(tree: ast.AST, known: set[str] | None = None) -> list[tuple[str, int]]:
    """Every module an import statement names, anywhere in the tree (also in functions).
    `from casework import storage` and `from casework.ui import registry` name
    `casework.storage` and `casework.ui.registry`; with `known` (our module names) a
    `from package import name` that is not a module names the package."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if node.module.split(".")[0] == "casework" and (
                        known is None or candidate in known):
                    found.append((candidate, node.lineno))
                else:
                    found.append((node.module, node.lineno))
    return found


def _texts(node: ast.AST) -> Iterable[tuple[str, int]]:
    """String constants, and f-strings with `{}` where their values go."""
    for item in ast.walk(node):
        if isinstance(item, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str)
                           else "{}" for v in item.values)
            yield text, item.lineno
        elif isinstance(item, ast.Constant) and isinstance(item.value, str):
            yield item.value, item.lineno


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def problems_in(rel: str, source: str, known: set[str] | None = None) -> list[str]:
    """What breaks the rules in the module at `rel` (a path below casework/)."""
    floor = floor_of(rel)
    tree = ast.parse(source)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            problems.append(f"line {node.lineno}: relative import; write casework.… in full")
        if isinstance(node, ast.Call) and _call_name(node.func) in DYNAMIC \
                and rel not in DYNAMIC_IMPORTS:
            problems.append(f"line {node.lineno}: dynamic import "
                            f"({_call_name(node.func)}); import the module plainly")
    for name, line in imported_names(tree, known):
        top = name.split(".")[0]
        if top in OWNERS and floor not in OWNERS[top]:
            owner = " or ".join(sorted(OWNERS[top]))
            problems.append(f"line {line}: {name} may only be imported in casework.{owner}")
        if top == "casework" and name != "casework":
            target = name.split(".")[1]
            if target != floor and target not in ALLOWED.get(floor, set()):
                problems.append(f"line {line}: casework.{floor} must not import {name}")
    if floor not in SQL_FLOORS:
        problems += [f"line {line}: SQL outside storage: {text[:60]!r}"
                     for text, line in _texts(tree) if SQL.search(text)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, set()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# --- the tree ------------------------------------------------------------------------------

def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


KNOWN = {module_name(_rel(p)) for p in _modules()}


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_module_keeps_the_rules(path: Path) -> None:
    problems = problems_in(_rel(path), path.read_text(encoding="utf-8"), KNOWN)
    assert not problems, "\n".join(problems)


def _module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _modules():
        if path.name == "__init__.py":
            continue  # package modules are imported with every submodule; not counted
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module_name(_rel(path))] = {name for name, _ in imported_names(tree, KNOWN)
                                          if name in KNOWN}
    return graph


def test_no_import_cycles_between_modules() -> None:
    found = cycles(_module_graph())
    new = [c for c in found if frozenset(c) not in KNOWN_CYCLES]
    assert not new, new
    gone = [sorted(c) for c in KNOWN_CYCLES if sorted(c) not in found]
    assert not gone, f"no longer a cycle, take it off KNOWN_CYCLES: {gone}"


def test_floors_form_no_cycle() -> None:
    assert not cycles({floor: set(allowed) for floor, allowed in ALLOWED.items()})


def test_models_do_no_io() -> None:
    """The domain is pure: no file, process, network or database modules."""
    forbidden = {"os", "pathlib", "subprocess", "socket", "io", "shutil", "tempfile",
                 "sqlite3", "importlib", "logging"}
    problems = [
        f"{_rel(path)}:{line}: imports {name}"
        for path in (PACKAGE / "models").rglob("*.py")
        for name, line in imported_names(ast.parse(path.read_text(encoding="utf-8")))
        if name.split(".")[0] in forbidden
    ]
    assert not problems, "\n".join(problems)


# --- the checker fails where it must ------------------------------------------------------

FORBIDDEN = [
    ("models/x.py", "from casework import storage\n", "must not import casework.storage"),
    ("ui/x.py", "from casework.storage import db\n", "must not import casework.storage.db"),
    ("ui/x.py", "import casework.storage.db as db\n", "must not import casework.storage"),
    ("ui/x.py", "def f():\n    from casework.storage.db import Database\n",
     "must not import casework.storage"),
    ("services/x.py", "from casework.reports import export\n",
     "must not import casework.reports"),
    ("forms/x.py", "from casework.services import offers\n",
     "must not import casework.services"),
    ("services/x.py", "from . import offers\n", "relative import"),
    ("services/consent/x.py", "from .transfer import may_transfer\n", "relative import"),
    ("ui/x.py", "import importlib\nm = importlib.import_module('casework.storage.db')\n",
     "dynamic import"),
    ("ui/x.py", "from importlib import import_module\nm = import_module('x')\n",
     "dynamic import"),
    ("services/x.py", "m = __import__('casework.storage')\n", "dynamic import"),
    ("services/x.py", "import importlib.util\nok = importlib.util.find_spec('x')\n",
     "dynamic import"),
    ("services/x.py", "q = f'SELECT {cols} FROM households WHERE id = ?'\n",
     "SQL outside storage"),
    ("ui/x.py", "q = 'DELETE FROM contacts'\n", "SQL outside storage"),
    ("services/x.py", "from PySide6.QtWidgets import QWidget\n", "PySide6"),
    ("storage/x.py", "import PySide6\n", "PySide6"),
    ("services/x.py", "import sqlcipher3\n", "sqlcipher3"),
    ("services/x.py", "from argon2.low_level import hash_secret_raw\n", "argon2"),
    ("ui/x.py", "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n",
     "cryptography"),
    ("storage/x.py", "import psycopg\n", "psycopg"),
    ("services/x.py", "from reportlab.lib import colors\n", "reportlab"),
    ("reports/x.py", "from reportlab.graphics.shapes import Drawing\n", "reportlab"),
]


@pytest.mark.parametrize(("rel", "source", "expected"), FORBIDDEN,
                         ids=[f"{rel}:{source.strip()[:40]}" for rel, source, _ in FORBIDDEN])
def test_checker_finds_each_forbidden_shape(rel: str, source: str, expected: str) -> None:
    problems = problems_in(rel, source, {"casework.storage", "casework.storage.db",
                                         "casework.reports.export",
                                         "casework.services.offers"})
    assert any(expected in p for p in problems), problems


ALLOWED_SNIPPETS = [
    ("ui/x.py", "from casework.services import offers\nfrom PySide6.QtWidgets import QLabel\n"),
    ("storage/x.py", "import sqlcipher3\nq = f'SELECT {cols} FROM households'\n"),
    ("sync/x.py", "import psycopg\n"),
    ("forms/x.py", "from reportlab.lib import colors\nfrom casework import resources\n"),
    ("app.py", "from PySide6.QtWidgets import QApplication\nfrom casework.ui import launch\n"),
    ("services/x.py", "text = 'Bitte SELECT-Taste drücken'\n"),
]


@pytest.mark.parametrize(("rel", "source"), ALLOWED_SNIPPETS,
                         ids=[rel for rel, _ in ALLOWED_SNIPPETS])
def test_checker_lets_the_allowed_shapes_pass(rel: str, source: str) -> None:
    assert problems_in(rel, source, {"casework.services.offers", "casework.ui.launch"}) == []


def test_checker_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"a", "c"}, "c": set(), "d": {"d"}}
    assert cycles(graph) == [["a", "b"]]
    assert cycles({"services": {"reports"}, "reports": {"services"}}) == [
        ["reports", "services"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
