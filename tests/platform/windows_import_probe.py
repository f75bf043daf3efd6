"""Run as a script (by test_windows_imports.py): import every module of `casework` (or of
the package named as the first argument) while
the process reports itself as Windows, with the POSIX-only standard modules unimportable
and the POSIX-only calls of `os`/`signal` recording whoever calls them.

Third-party and standard-library modules that casework imports are loaded first, in
their real (Linux) form: they are not ours to check, and e.g. PySide6 adds DLL folders
when it believes it runs on Windows. What is checked is casework's own code.

Prints one JSON object: {"imported": [...], "failed": {module: error},
"posix_calls": [[call, module], ...]}.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.abc
import importlib.util
import json
import os
import pathlib
import pkgutil
import signal
import sys
import traceback
import types
from collections.abc import Callable, Sequence
from typing import Any

POSIX_ONLY_MODULES = frozenset({
    "fcntl", "resource", "pwd", "grp", "termios", "tty", "pty", "syslog", "crypt",
    "posix", "_posixsubprocess", "spwd", "nis", "readline",
})
POSIX_ONLY_OS_CALLS = (
    "umask", "getuid", "geteuid", "getgid", "getegid", "getpgid", "setsid", "fork",
    "forkpty", "killpg", "chown", "fchown", "lchown", "getpwnam", "sync", "mkfifo",
    "nice", "setpgrp", "getloadavg", "sched_setaffinity", "fchmod",
)
POSIX_ONLY_SIGNALS = ("SIGHUP", "SIGQUIT", "SIGTSTP", "SIGUSR1", "SIGUSR2", "SIGPIPE",
                      "SIGCHLD", "SIGALRM", "SIGKILL", "SIGCONT", "SIGSTOP")


def _package_root(package: str) -> pathlib.Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    return pathlib.Path(spec.origin).parent


def _foreign_imports(root: pathlib.Path) -> set[str]:
    """Every non-casework module named in an import statement anywhere in the package."""
    names: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] != root.name}


def _preload(names: set[str]) -> None:
    for name in sorted(names):
        if name.split(".")[0] in POSIX_ONLY_MODULES:
            continue
        # "from x import function" names a function; psycopg is an optional extra
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


class _BlockPosixOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> None:
        if fullname.split(".")[0] in POSIX_ONLY_MODULES:
            raise ModuleNotFoundError(f"No module named {fullname!r} (Windows)", name=fullname)
        return None


def _caller_module() -> str:
    for frame in reversed(traceback.extract_stack()[:-2]):
        if PACKAGE in frame.filename.replace("\\", "/").split("/"):
            return frame.filename
    return "?"


PACKAGE = sys.argv[1] if len(sys.argv) > 1 else "casework"


def main() -> None:
    root = _package_root(PACKAGE)
    _preload(_foreign_imports(root))
    calls: list[list[str]] = []

    def recorder(name: str) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> None:
            calls.append([name, _caller_module()])
        return record

    # From here on the process looks like Windows to casework.
    for name in POSIX_ONLY_MODULES:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, _BlockPosixOnly())
    # pathlib picks WindowsPath from os.name at call time; it keeps its real view so
    # that paths still work on this machine, everything else sees "nt".
    real_os_view = types.ModuleType("os")
    real_os_view.__dict__.update(os.__dict__)
    pathlib.os = real_os_view  # type: ignore[attr-defined]
    sys.platform = "win32"
    os.name = "nt"
    for name in POSIX_ONLY_OS_CALLS:
        if hasattr(os, name):
            setattr(os, name, recorder(f"os.{name}"))
    real_signal = signal.signal

    def guarded_signal(signum: int, handler: Any) -> Any:
        if signum in {getattr(signal, s, None) for s in POSIX_ONLY_SIGNALS}:
            calls.append([f"signal.signal({signal.Signals(signum).name})", _caller_module()])
            return None
        calls.append(["signal.signal", _caller_module()])
        return real_signal(signum, handler)

    signal.signal = guarded_signal  # type: ignore[assignment]
    for name in ("setitimer", "alarm", "pause", "pthread_kill", "siginterrupt"):
        if hasattr(signal, name):
            setattr(signal, name, recorder(f"signal.{name}"))

    imported: list[str] = []
    failed: dict[str, str] = {}
    def walk_error(name: str) -> None:
        failed[name] = f"{sys.exc_info()[0].__name__}: {sys.exc_info()[1]}"

    importlib.import_module(PACKAGE)
    for info in pkgutil.walk_packages([str(root)], f"{PACKAGE}.", onerror=walk_error):
        if info.name == f"{PACKAGE}.__main__":  # running it starts the program
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except BaseException as error:  # every failure is a finding
            failed[info.name] = f"{type(error).__name__}: {error}"
    print(json.dumps({"imported": imported, "failed": failed, "posix_calls": calls}))


if __name__ == "__main__":
    main()
