"""CSV import off the GUI thread: progress, cancel and locking mid-import leave nothing
half-written, and the vault's own connection is never used by the worker."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from casework.services import session as session_service
from casework.services.households import households
from casework.ui.households import import_action as import_csv
from casework.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE
from tests.ui.conftest import MessageLog

CSV = ("Haushalt-Nr.;Vorname;Nachname;Geburtsdatum;Straße;Kontaktdatum;Notiz\n"
       "1;Anna;Schmidt;04.05.1988;Gärtnerstraße 1;02.11.2026;Erstbesuch\n"
       "1;Emil;Schmidt;01.03.2019;Gärtnerstraße 1;;\n"
       "2;Tim;Kaya;12.12.1990;Hauptstraße 2;03.11.2026;Anruf\n")


def _dialog(qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
            monkeypatch: pytest.MonkeyPatch) -> import_csv.ImportDialog:
    path = tmp_path / "liste.csv"
    path.write_bytes(CSV.encode("utf-8"))
    monkeypatch.setattr(import_csv, "choose_csv_file", lambda *_a: str(path))
    dialog = import_csv.trigger(window.ctx, window)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.choose, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.import_button.isEnabled()
    return dialog


def _hold_at_first_progress(dialog: import_csv.ImportDialog, stop: str) -> threading.Event:
    """Runs on the worker thread when the job first reports progress (the import: after
    its first batch, inside its transaction; the check: after its first rows) and holds it
    there until the dialog's event `stop` (`_cancel`, `_checking`) is set (once)."""
    reached = threading.Event()

    def hold(_done: int, _total: int) -> None:
        if reached.is_set():
            return
        reached.set()
        event = getattr(dialog, stop)
        assert event is not None
        assert event.wait(20)

    dialog.progress_changed.connect(hold, Qt.ConnectionType.DirectConnection)
    return reached


def _count(folder: Path) -> int:
    from casework.clock import SystemClock

    session = session_service.unlock(folder, PASSPHRASE, SystemClock())
    try:
        return households.count(session)
    finally:
        session.close()


def test_cancel_mid_import_rolls_everything_back(
        qtbot, unlocked: MainWindow, vault_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
        message_log: MessageLog, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = _dialog(qtbot, unlocked, tmp_path, monkeypatch)
    reached = _hold_at_first_progress(dialog, "_cancel")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set)
    # the GUI thread is free while the worker holds the transaction
    assert dialog.progress.isVisible() and not dialog.close_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)

    assert dialog.summary.text() == "Import abgebrochen: es wurde nichts importiert."
    assert dialog.isVisible() and dialog.import_button.isEnabled()
    assert not message_log.texts("error")
    assert households.count(unlocked.ctx.require_session()) == 0
    # a second attempt imports everything
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(message_log.texts("info")), timeout=20000)
    assert "Importiert: 2 Haushalte, 3 Personen, 2 Kontakte." in message_log.texts("info")[-1]
    assert households.count(unlocked.ctx.require_session()) == 2
    # the closed dialog (a hidden child of the window) lets go of the file and its plan,
    # and with it nothing stays frozen out of the garbage collector's reach
    assert not dialog.isVisible() and dialog.prepared is None and dialog.data is None
    qtbot.waitUntil(lambda: gc.get_freeze_count() == 0)  # the worker's references end too


def test_locking_mid_import_cancels_it_and_closes_its_connection(
        qtbot, unlocked: MainWindow, vault_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
        message_log: MessageLog, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = _dialog(qtbot, unlocked, tmp_path, monkeypatch)
    reached = _hold_at_first_progress(dialog, "_cancel")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set)

    unlocked.lock()  # what auto-lock does

    assert unlocked.ctx.session is None and not dialog.isVisible()
    qtbot.waitUntil(lambda: not unlocked.ctx.tasks.busy)
    assert not message_log.texts("error")  # nothing shown over the lock screen
    # the worker's connection is closed: nothing holds the vault's write lock, and
    # nothing of the cancelled import is in it
    assert _count(vault_dir) == 0


def _open_checking(qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                   monkeypatch: pytest.MonkeyPatch,
                   ) -> tuple[import_csv.ImportDialog, threading.Event]:
    path = tmp_path / "liste.csv"
    path.write_bytes(CSV.encode("utf-8"))
    monkeypatch.setattr(import_csv, "choose_csv_file", lambda *_a: str(path))
    dialog = import_csv.trigger(window.ctx, window)
    qtbot.addWidget(dialog)
    reached = _hold_at_first_progress(dialog, "_checking")
    qtbot.mouseClick(dialog.choose, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set)
    return dialog, reached


def test_the_check_shows_progress_and_can_be_cancelled(
        qtbot, unlocked: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
        message_log: MessageLog, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog, _reached = _open_checking(qtbot, unlocked, tmp_path, monkeypatch)
    # the worker checks the file while the GUI thread is free
    assert dialog.summary.text() == "Die Datei wird geprüft …"
    assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)

    assert dialog.summary.text() == "Prüfung abgebrochen: bitte die Datei erneut wählen."
    assert not dialog.progress.isVisible() and not dialog.import_button.isEnabled()
    assert not message_log.texts("error")
    # choosing the file again checks it to the end
    qtbot.mouseClick(dialog.choose, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert "3 Zeilen: 2 Haushalte, 3 Personen" in dialog.summary.text()
    assert dialog.import_button.isEnabled() and not dialog.progress.isVisible()


def test_locking_mid_check_stops_it_quietly(
        qtbot, unlocked: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
        message_log: MessageLog, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog, _reached = _open_checking(qtbot, unlocked, tmp_path, monkeypatch)
    unlocked.lock()  # what auto-lock does
    assert unlocked.ctx.session is None and not dialog.isVisible()
    qtbot.waitUntil(lambda: not unlocked.ctx.tasks.busy)
    assert not message_log.texts("error")
