"""The scripted smoke run (tools/bundle-smoke.sh) works only in smoke mode and drives the
real unlock page and lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.ui import smoke
from casework.ui.main_window import LOCKED_TITLE, MainWindow
from tests.conftest import PASSPHRASE


def test_smoke_run_unlocks_opens_a_family_and_locks(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                    vault_dir: Path, family: str,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(smoke.QUIT_AFTER_ENV, "60000")
    monkeypatch.setenv(smoke.UNLOCK_ENV, "1")
    monkeypatch.setenv(smoke.PASSPHRASE_ENV, PASSPHRASE)
    window.show_start(vault_dir)
    smoke.install(window)
    printed: list[str] = []

    def locked() -> bool:
        printed.extend(capsys.readouterr().out.splitlines())
        return any(line.startswith("casework-smoke: locked") for line in printed)

    qtbot.waitUntil(locked, timeout=30000)
    steps = [line.split(" t=")[0] for line in printed]
    assert steps == ["casework-smoke: window shown", "casework-smoke: unlocked",
                     "casework-smoke: family opened (1 households)", "casework-smoke: locked"]
    assert window.ctx.session is None
    assert window.windowTitle() == LOCKED_TITLE


def test_without_smoke_mode_nothing_is_typed(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                            vault_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(smoke.QUIT_AFTER_ENV, raising=False)
    monkeypatch.setenv(smoke.UNLOCK_ENV, "1")
    monkeypatch.setenv(smoke.PASSPHRASE_ENV, PASSPHRASE)
    assert not smoke.wanted()  # the passphrase variable alone never unlocks the app
    window.show_start(vault_dir)
    smoke.install(window)
    assert window.findChildren(smoke.SmokeRun) == []
    assert window.ctx.session is None
    assert window.start.unlock.passphrase.text() == ""
