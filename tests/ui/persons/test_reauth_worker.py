"""The passphrase of a reserved act is checked on a worker thread (issue 23): the dialog
says it is checking, its buttons are disabled (no second submit, no closing half-way),
the act continues with the proof afterwards; a lock while checking wipes the keys."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from casework.services import persons
from casework.services.session import Session
from casework.storage import audit
from casework.ui import messages
from casework.ui.context import UiContext
from casework.ui.main_window import MainWindow
from casework.ui.persons import dialog, reauth
from tests.conftest import PASSPHRASE


@pytest.fixture
def real_dialog(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real passphrase dialog instead of the test seam."""
    monkeypatch.setattr(messages, "ask_passphrase",
                        lambda parent, title, text, prove=None: dialog.ask(parent, title,
                                                                          text, prove))


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytearray]]:
    """Each key derivation: the thread it ran on and the keys it returned."""
    runs: list[tuple[str, bytearray]] = []
    unwrap = persons.unwrap_for_act

    def recorded(*args: object) -> bytearray:
        private = unwrap(*args)  # type: ignore[arg-type]
        runs.append((threading.current_thread().name, private))
        return private

    monkeypatch.setattr(persons, "unwrap_for_act", recorded)
    return runs


def _in_dialog(qtbot: QtBot, act: Callable[[dialog.PassphraseDialog], None]) -> None:
    """Run `act` on the passphrase dialog once it is open (its exec() blocks the test)."""
    def drive() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, dialog.PassphraseDialog):
            QTimer.singleShot(10, drive)
            return
        act(box)
    QTimer.singleShot(0, drive)


def test_the_dialog_checks_on_a_worker_and_the_act_goes_on(
        qtbot: QtBot, ctx: UiContext, session: Session, real_dialog: None,
        derivations: list[tuple[str, bytearray]]) -> None:
    ctx.attach(session)
    seen: dict[str, object] = {}

    def type_and_confirm(box: dialog.PassphraseDialog) -> None:
        qtbot.keyClicks(box.field, PASSPHRASE)
        box.ok.click()
        seen["status"] = box.status.text() if box.status.isVisible() else ""
        seen["buttons"] = box.buttons.isEnabled()
        box.confirm()  # Enter again: still one check
        box.reject()  # Escape: it does not close half-way
        seen["open"] = box.isVisible()
    _in_dialog(qtbot, type_and_confirm)
    auth = reauth.authorize(ctx, None, "Freigabe")
    assert seen == {"status": "Die Passphrase wird geprüft …", "buttons": False,
                    "open": True}
    assert auth is not None and auth.worker_id == session.actor_id
    assert len(derivations) == 1 and derivations[0][0].startswith("casework-kdf")
    assert any(auth.key_buffer)
    auth.wipe()


def test_a_wrong_passphrase_in_the_dialog_is_refused_and_logged(
        qtbot: QtBot, ctx: UiContext, session: Session, real_dialog: None,
        message_log) -> None:  # type: ignore[no-untyped-def]
    ctx.attach(session)

    def type_wrong(box: dialog.PassphraseDialog) -> None:
        qtbot.keyClicks(box.field, "Das ist nicht ihre Passphrase")
        box.ok.click()
    _in_dialog(qtbot, type_wrong)
    assert reauth.authorize(ctx, None, "Freigabe") is None
    assert message_log.texts("error") == [reauth.wrong_passphrase_text()]
    actions = [e.action for e in audit.entries(session.db)]
    assert actions[0] == "persons.reauth_failed"  # the newest entry


def test_a_lock_while_checking_ends_the_act_and_wipes_the_keys(
        qtbot: QtBot, unlocked: MainWindow, real_dialog: None,
        derivations: list[tuple[str, bytearray]]) -> None:
    ctx = unlocked.ctx

    def confirm_then_lock(box: dialog.PassphraseDialog) -> None:
        qtbot.keyClicks(box.field, PASSPHRASE)
        box.ok.click()
        unlocked.lock()  # e.g. the screen saver, while the key is being derived
    _in_dialog(qtbot, confirm_then_lock)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert reauth.authorize(ctx, parent, "Freigabe") is None
    assert not ctx.is_unlocked
    qtbot.waitUntil(lambda: len(derivations) == 1 and not ctx.tasks.busy)
    assert not any(derivations[0][1])  # the keys that arrived after the lock: zeros
