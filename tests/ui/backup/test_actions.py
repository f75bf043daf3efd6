"""Menu actions "Sicherung erstellen…", "Sicherung wiederherstellen…", "Import…" and
"Wiederherstellungsschlüssel…" with real widgets and a real vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from casework.clock import FixedClock
from casework.services.backup import backups as backup
from casework.services.households import households
from casework.services.session import Session
from casework.ui import documents, messages, registry
from casework.ui.backup import backup_action
from casework.ui.backup import recovery_key_action as recovery_key
from casework.ui.backup import restore_action as restore
from casework.ui.context import UiContext
from casework.ui.households import import_action as import_csv
from tests.conftest import PASSPHRASE, add_family, sign
from tests.ui.conftest import MessageLog


@pytest.fixture
def parent(qtbot) -> QWidget:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def attached(ctx: UiContext, session: Session) -> UiContext:
    ctx.attach(session)
    return ctx


def test_menu_actions_follow_the_contract() -> None:
    found = {entry.key: entry for entry in registry.MENU_ACTIONS}
    for key in ("backup", "restore", "import_csv", "recovery_key"):
        entry = found[key]
        assert isinstance(entry.label, str) and entry.label
        assert callable(entry.trigger)
    assert found["backup"].label == "Sicherung erstellen…"
    assert found["import_csv"].label == "Import…"
    assert found["recovery_key"].roles == ("Leitung", "Admin")


def test_backup_now_writes_a_verified_file(qtbot, attached: UiContext, parent: QWidget,  # type: ignore[no-untyped-def]
                                           tmp_path: Path, message_log: MessageLog,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    add_family(attached.require_session())
    target = tmp_path / "sicherung.cwbackup"
    monkeypatch.setattr(backup_action, "choose_backup_file", lambda *_a: str(target))
    dialog = backup_action.trigger(attached, parent)
    qtbot.addWidget(dialog)
    assert "Noch keine Sicherung" in dialog.status.text()

    qtbot.mouseClick(dialog.backup_now, Qt.MouseButton.LeftButton)
    assert "läuft" in dialog.status.text() and not dialog.backup_now.isEnabled()
    # Snapshot, encryption and verification all run on the worker thread.
    assert dialog.job is not None and attached.tasks.busy and dialog.job.progress is not None
    assert dialog.job.progress.isVisible() and not dialog.job.progress.isModal()
    assert not target.exists()
    qtbot.waitUntil(lambda: bool(message_log.texts("info")), timeout=20000)

    assert target.is_file()
    assert dialog.backup_now.isEnabled()
    assert message_log.texts("info") and "geprüft" in message_log.texts("info")[0]
    assert "Letzte Sicherung: 21.11.2026, 10:00 Uhr." in dialog.status.text()
    assert backup.backup_info(target).vault_id == attached.require_session().vault.header.vault_id
    restored = backup.restore_backup(target, tmp_path / "probe", attached.clock,
                                     passphrase=PASSPHRASE)  # it verifies and opens
    assert restored.households >= 1


def test_automatic_backup_folder_and_run(qtbot, attached: UiContext, parent: QWidget,  # type: ignore[no-untyped-def]
                                         tmp_path: Path, message_log: MessageLog,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    monkeypatch.setattr(messages, "choose_folder", lambda *_a, **_k: str(stick))
    dialog = backup_action.trigger(attached, parent)
    qtbot.addWidget(dialog)
    assert not dialog.run_now.isEnabled()

    qtbot.mouseClick(dialog.choose_folder, Qt.MouseButton.LeftButton)
    assert str(stick) in dialog.folder_label.text()
    assert dialog.run_now.isEnabled()
    qtbot.mouseClick(dialog.run_now, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(message_log.texts("info")), timeout=20000)
    assert len(list(stick.glob("casework-*.cwbackup"))) == 1
    assert (stick / "deletions.journal").is_file()

    qtbot.mouseClick(dialog.switch_off, Qt.MouseButton.LeftButton)
    assert "Keine automatische Sicherung" in dialog.folder_label.text()
    assert message_log.texts("error") == []


def test_restore_dialog_restores_into_a_new_folder_and_reports_wrong_passphrase(
        qtbot, attached: UiContext, parent: QWidget, tmp_path: Path,  # type: ignore[no-untyped-def]
        message_log: MessageLog, monkeypatch: pytest.MonkeyPatch) -> None:
    add_family(attached.require_session())
    made = backup.create_backup(attached.require_session(), tmp_path / "b")
    target_parent = tmp_path / "ziel"
    target_parent.mkdir()
    monkeypatch.setattr(restore, "choose_backup", lambda *_a: str(made.path))
    monkeypatch.setattr(messages, "choose_folder", lambda *_a, **_k: str(target_parent))
    dialog = restore.trigger(attached, parent)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert message_log.texts("warn")  # nothing chosen yet

    dialog.pick_backup()
    dialog.pick_target()
    assert "21.11.2026, 10:00 Uhr" in dialog.backup_label.text()
    qtbot.keyClicks(dialog.passphrase, "Falsche Passphrase 12345")
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.busy and dialog.progress is not None and dialog.progress.isModal()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
    assert "Passphrase passt nicht" in message_log.texts("error")[-1]
    assert dialog.passphrase.text() == ""
    assert list(target_parent.iterdir()) == []

    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert attached.tasks.busy  # restored on the worker thread
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
    restored = list(target_parent.iterdir())
    assert len(restored) == 1 and (restored[0] / "vault.json").is_file()
    assert "1 Haushalte" in message_log.texts("info")[-1]


CSV = ("Haushalt-Nr.;Vorname;Nachname;Geburt;Straße\n"
       "1;Anna;Schmidt;04.05.1988;Gärtnerstraße 1\n"
       "1;Emil;Schmidt;01.03.2019;Gärtnerstraße 1\n"
       "2;Tim;Kaya;32.12.1990;Hauptstraße 2\n")


def test_import_dialog_previews_maps_lists_bad_rows_and_imports(
        qtbot, attached: UiContext, parent: QWidget, tmp_path: Path,  # type: ignore[no-untyped-def]
        message_log: MessageLog, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "liste.csv"
    path.write_bytes(CSV.encode("cp1252"))
    monkeypatch.setattr(import_csv, "choose_csv_file", lambda *_a: str(path))
    changed: list[object] = []
    attached.changed.connect(changed.append)
    dialog = import_csv.trigger(attached, parent)
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()

    qtbot.mouseClick(dialog.choose, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)

    assert "Windows-1252" in dialog.summary.text()
    assert dialog.preview_table.rowCount() == 3
    # "Geburt" is not a known header: not mapped yet, so no date problem is visible
    assert dialog.combos["birth_date"].currentData() == import_csv.NOT_MAPPED
    assert dialog.import_button.isEnabled()

    combo = dialog.combos["birth_date"]
    combo.setCurrentIndex(combo.findText("Geburt"))
    qtbot.waitUntil(lambda: not dialog.busy)
    assert [dialog.problems.item(i).text() for i in range(dialog.problems.count())] == [
        "Zeile 4: Geburtsdatum: kein gültiges Datum."]
    assert not dialog.import_button.isEnabled()

    path.write_bytes(CSV.replace("32.12.1990", "12.12.1990").encode("cp1252"))
    dialog.load(path)
    qtbot.waitUntil(lambda: not dialog.busy)
    combo.setCurrentIndex(combo.findText("Geburt"))
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.problems.count() == 0 and dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)

    session = attached.require_session()
    assert households.count(session) == 2
    assert "Importiert: 2 Haushalte, 3 Personen" in message_log.texts("info")[-1]
    assert changed and changed[-1].affects("household")  # type: ignore[attr-defined]


def test_import_dialog_reports_an_unreadable_file(qtbot, attached: UiContext,  # type: ignore[no-untyped-def]
                                                  parent: QWidget, tmp_path: Path,
                                                  message_log: MessageLog) -> None:
    path = tmp_path / "bild.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    dialog = import_csv.trigger(attached, parent)
    qtbot.addWidget(dialog)
    dialog.load(path)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert "keine Textdatei" in message_log.texts("error")[-1]
    assert not dialog.import_button.isEnabled()


def test_recovery_key_action_writes_two_sheets(attached: UiContext, parent: QWidget,
                                               tmp_path: Path, message_log: MessageLog,
                                               clock: FixedClock,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    attached.require_session()
    # the owner (a Fachkraft) is the vault's Admin and can always make the recovery key
    monkeypatch.setattr(documents, "choose_pdf_target",
                        lambda *_a: str(tmp_path / "schluessel.pdf"))
    message_log.confirm_answer = True  # split in two halves
    # The sheets' PDFs are made on the worker: meanwhile the event loop runs and a
    # window-modal note says so (rendered on the GUI thread, no timer could see it).
    notes: list[str] = []
    heartbeat = QTimer(parent)
    heartbeat.setInterval(2)
    heartbeat.timeout.connect(lambda: notes.extend(
        w.labelText() for w in QApplication.topLevelWidgets()
        if isinstance(w, QProgressDialog) and w.isVisible()))
    heartbeat.start()

    written = recovery_key.trigger(attached, parent)

    heartbeat.stop()
    assert "Die Blätter werden erstellt …" in notes
    assert [p.name for p in written] == ["schluessel-teil1.pdf", "schluessel-teil2.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in written)
    assert "Tresor" in message_log.texts("info")[-1]


def test_backup_to_a_missing_folder_is_reported(qtbot, attached: UiContext, parent: QWidget,  # type: ignore[no-untyped-def]
                                                tmp_path: Path, message_log: MessageLog,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_action, "choose_backup_file",
                        lambda *_a: str(tmp_path / "fehlt" / "b.cwbackup"))
    dialog = backup_action.trigger(attached, parent)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.backup_now, Qt.MouseButton.LeftButton)
    assert "Zielordner" in message_log.texts("error")[-1]
    assert dialog.backup_now.isEnabled()
    assert "Noch keine Sicherung" in dialog.status.text()


def test_heute_shows_an_overdue_backup(qtbot, attached: UiContext, clock: FixedClock,  # type: ignore[no-untyped-def]
                                       tmp_path: Path) -> None:
    from datetime import timedelta

    from casework.ui import agenda as heute

    screen = heute.create(attached)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: not screen.loading)
    assert not screen.backup_hint.isVisible()
    clock.advance(timedelta(days=2))
    screen.reload()
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.backup_hint.isVisible()
    assert "Sicherung überfällig" in screen.backup_hint.text()
    backup.create_backup(attached.require_session(), tmp_path / "b")
    screen.reload()
    qtbot.waitUntil(lambda: not screen.loading)
    assert not screen.backup_hint.isVisible()


def test_forgotten_passphrase_opens_with_the_recovery_key(
        qtbot, ctx: UiContext, session: Session, vault_dir: Path,  # type: ignore[no-untyped-def]
        clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from casework.services import session as session_service
    from casework.services.backup import recovery
    from casework.ui.backup import recover_dialog
    from casework.ui.unlock import UnlockPanel

    # the owner (a Fachkraft) is the vault's Admin and can always make the recovery key
    first, second = recovery.create_recovery_key(session, split=True, auth=sign(session))
    session.close()

    panel = UnlockPanel(ctx)
    qtbot.addWidget(panel)
    panel.set_vault(vault_dir)
    assert panel.recover_button.isVisibleTo(panel)
    opened: list[Session] = []
    panel.unlocked.connect(opened.append)
    attempts: list[str] = []

    def fill_and_accept(dialog: recover_dialog.RecoverDialog) -> int:
        assert dialog.parts == 2
        for fields, sheet in zip(dialog.lines, (first, second), strict=True):
            for edit, line in zip(fields, sheet.lines, strict=True):
                edit.setText(line.text())
        dialog.new_passphrase.setText("Neue Passphrase für alle 2026")
        dialog.repeat.setText("Neue Passphrase für alle 2026")
        ticks: list[bool] = []
        heartbeat = QTimer(dialog)
        heartbeat.setInterval(5)
        heartbeat.timeout.connect(lambda: ticks.append(dialog.busy))
        heartbeat.start()
        dialog.recover()
        # The new key slot (Argon2id) is derived on the worker: the dialog returns at
        # once, says so, takes no second click and no Escape, and the GUI thread runs on.
        assert dialog.busy and not dialog.open_button.isEnabled()
        assert not dialog.cancel_button.isEnabled() and not dialog.lines[0][0].isEnabled()
        assert dialog.status.isVisibleTo(dialog) and "wird geprüft" in dialog.status.text()
        closed: list[int] = []
        dialog.finished.connect(closed.append)
        dialog.reject()
        assert closed == []
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
        heartbeat.stop()
        assert True in ticks
        attempts.append(dialog.error.text())
        return int(dialog.result())

    monkeypatch.setattr(recover_dialog.RecoverDialog, "exec", fill_and_accept)
    qtbot.mouseClick(panel.recover_button, Qt.MouseButton.LeftButton)

    assert attempts == [""]
    assert len(opened) == 1 and opened[0].is_open
    opened[0].close()
    session_service.unlock(vault_dir, "Neue Passphrase für alle 2026", clock).close()


def test_recover_dialog_shows_a_wrong_line(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                           vault_dir: Path) -> None:
    from casework.services.backup import recovery
    from casework.ui.backup.recover_dialog import RecoverDialog

    # the owner (a Fachkraft) is the vault's Admin and can always make the recovery key
    (sheet,) = recovery.create_recovery_key(session, auth=sign(session))
    session.close()
    dialog = RecoverDialog(ctx, vault_dir)
    qtbot.addWidget(dialog)
    for edit, line in zip(dialog.lines[0], sheet.lines, strict=True):
        edit.setText(line.text())
    dialog.lines[0][2].setText("0000 0000 0000  00")
    dialog.new_passphrase.setText("Neue Passphrase für alle 2026")
    dialog.repeat.setText("Neue Passphrase für alle 2026")
    dialog.recover()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert "Zeile 3" in dialog.error.text() and dialog.open_button.isEnabled()
    assert dialog.session is None and dialog.new_passphrase.text() == ""
