"""Casework must load on Windows: every module imports with the platform reported as
Windows, POSIX-only standard modules (fcntl, resource, pwd, termios …) unimportable, and
no POSIX-only call (umask, getuid, POSIX signals, setrlimit …) made at import time.

The probe runs in its own interpreter (tests/platform/windows_import_probe.py) because
faking the platform cannot be undone inside this one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casework.cli import _app

PROBE = Path(__file__).resolve().parent / "windows_import_probe.py"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def _probe(package: str = "casework", extra_path: Path | None = None) -> dict[str, object]:
    paths = [str(REPO_ROOT)] + ([str(extra_path)] if extra_path else [])
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=os.pathsep.join(paths))
    proc = subprocess.run([sys.executable, str(PROBE), package], capture_output=True,
                          text=True, env=env, cwd=REPO_ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_every_module_imports_on_windows_without_posix_calls() -> None:
    result = _probe()
    assert result["failed"] == {}
    assert result["posix_calls"] == []
    imported = result["imported"]
    assert isinstance(imported, list)
    # the walk really reached every floor, including the Qt side and the CLI
    for module in ("casework.storage.vault", "casework.ui.main_window", "casework.cli.form",
                   "casework.ui.lock_events", "casework.sync.client"):
        assert module in imported


def test_probe_reports_a_posix_only_import_and_call(tmp_path: Path) -> None:
    """The probe itself can fail: a module importing fcntl, and one calling os.getuid at
    import time, are both reported."""
    package = tmp_path / "probe_target"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "locking.py").write_text("import fcntl\n", encoding="utf-8")
    (package / "owner.py").write_text("import os\nOWNER = os.getuid()\n", encoding="utf-8")
    (package / "fine.py").write_text("import os\nif hasattr(os, 'getuid') and os.name == "
                                     "'posix':\n    os.getuid()\n", encoding="utf-8")
    result = _probe("probe_target", tmp_path)
    assert list(result["failed"]) == ["probe_target.locking"]  # type: ignore[call-overload]
    assert "fcntl" in result["failed"]["probe_target.locking"]  # type: ignore[index]
    assert [call for call, _ in result["posix_calls"]] == ["os.getuid"]  # type: ignore[attr-defined]
    assert "probe_target.fine" in result["imported"]  # type: ignore[operator]


def test_the_app_does_not_ask_for_an_x11_display_on_windows_or_macos(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert not _app._has_display()
    for platform in ("win32", "darwin"):
        monkeypatch.setattr(sys, "platform", platform)
        assert _app._has_display()
