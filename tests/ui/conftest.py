"""Fixtures for the desktop UI: real vaults, real widgets (offscreen), a fixed clock, and
the message seam patched so no dialog ever blocks a test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget

from casework.clock import FixedClock
from casework.services import demo
from casework.services import session as session_service
from casework.ui import documents, messages
from casework.ui.context import UiContext
from casework.ui.main_window import MainWindow
from casework.ui.settings import Settings
from tests.conftest import COLLEAGUE_PASSPHRASE, NOW, PASSPHRASE

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform warns that it cannot propagate size hints or raise windows;
    # that is a property of the headless test platform, not of our code.
    for item in items:
        if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.qt_log_ignore(
                r"This plugin does not support (propagateSizeHints|raise)\(\)"))


@dataclass
class MessageLog:
    """Records what the message seam was asked to show; `confirm_answer` answers."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    confirm_answer: bool = True
    # What the person types into the re-authentication dialog; None: her own (the owner
    # Lena Beispiel has PASSPHRASE, everyone the tests add has COLLEAGUE_PASSPHRASE).
    passphrase: str | None = None

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind is None or k == kind]


@pytest.fixture(autouse=True)
def message_log(monkeypatch: pytest.MonkeyPatch) -> MessageLog:
    log = MessageLog()

    def record(kind: str) -> Callable[[QWidget | None, str, str], None]:
        def show(_parent: QWidget | None, title: str, text: str) -> None:
            log.shown.append((kind, title, text))
        return show

    def confirm(_parent: QWidget | None, title: str, text: str) -> bool:
        log.shown.append(("confirm", title, text))
        return log.confirm_answer

    monkeypatch.setattr(messages, "info", record("info"))
    monkeypatch.setattr(messages, "warn", record("warn"))
    monkeypatch.setattr(messages, "error", record("error"))
    monkeypatch.setattr(messages, "notify", record("notify"))
    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "restore_draft",
                        lambda parent, text: confirm(parent, "Entwurf vorhanden", text))
    monkeypatch.setattr(messages, "choose_folder", lambda *_a, **_k: "")

    def ask_passphrase(_parent: QWidget | None, title: str, text: str,
                       _prove: object = None) -> str:
        # Typed without the dialog: `reauth` then checks it on the worker thread itself.
        log.shown.append(("passphrase", title, text))
        if log.passphrase is not None:
            return log.passphrase
        return PASSPHRASE if "(Lena Beispiel)" in text else COLLEAGUE_PASSPHRASE

    monkeypatch.setattr(messages, "ask_passphrase", ask_passphrase)
    return log


@pytest.fixture(autouse=True)
def document_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Document actions answer "Speichern unter" unless a test appends another choice
    (documents.PRINT / OPEN); opened copies go to a temp folder, never the user's."""
    choice: list[str] = [documents.SAVE]
    monkeypatch.setattr(documents, "choose_document_action", lambda *_a: choice[-1])
    monkeypatch.setattr(documents, "folder_override", tmp_path / "geoeffnet")
    monkeypatch.setattr(documents, "open_url", lambda _url: True)
    return choice


@pytest.fixture
def ui_settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def ctx(qapp: QApplication, clock: FixedClock, ui_settings: Settings) -> Iterator[UiContext]:
    context = UiContext(clock, settings=ui_settings)
    yield context
    if context.session is not None and context.session.is_open:
        context.session.close()
    context.tasks.shutdown()


@pytest.fixture
def window(qtbot, ctx: UiContext) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(ctx, idle_check_ms=20)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    return win


def unlock(qtbot, window: MainWindow, folder: Path,  # type: ignore[no-untyped-def]
           passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase on the unlock panel like a person and wait for the workspace."""
    if window.stack.currentWidget() is not window.start or \
            window.start.current_panel is not window.start.unlock:
        window.show_start(folder)
    panel = window.start.unlock
    assert panel.folder == folder
    qtbot.keyClicks(panel.passphrase, passphrase)
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=20000)


@pytest.fixture
def unlocked(qtbot, window: MainWindow, vault_dir: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    unlock(qtbot, window, vault_dir)
    return window


@pytest.fixture(scope="session")
def demo_vault_2000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-household demo vault (few contacts each, to keep the suite fast)."""
    folder = tmp_path_factory.mktemp("demo2000") / "vault"
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW),
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        demo.fill(session, 2000, contacts_per_family=2, showcase=False)
    finally:
        session.close()
    return folder


def visible_text_blob() -> str:
    from casework.ui.main_window import visible_texts

    return "\n".join(visible_texts())


def type_text(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Like `qtbot.keyClicks`, but also for umlauts and ß, which QTest's ASCII key table
    cannot map: those are sent as key events carrying the character."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, char))
