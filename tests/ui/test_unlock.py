"""Start and unlock: wrong passphrase, growing delay, audited failures, vault creation
rules, the remembered folder (never the passphrase)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from casework.clock import FixedClock
from casework.storage import audit
from casework.ui.main_window import MainWindow
from casework.ui.unlock import failure_delay
from tests.conftest import PASSPHRASE
from tests.ui.conftest import type_text, unlock


def wrong(qtbot, window: MainWindow, text: str = "falsche Passphrase 123") -> None:  # type: ignore[no-untyped-def]
    panel = window.start.unlock
    before = panel.failures
    qtbot.keyClicks(panel.passphrase, text)
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.failures == before + 1, timeout=20000)


def test_failure_delay_grows_and_is_capped() -> None:
    delays = [failure_delay(n) for n in range(1, 12)]
    assert delays[0] == delays[1] == timedelta(0)
    assert delays[2] < delays[3] < delays[4]
    assert max(delays) == timedelta(seconds=60)


def test_wrong_passphrase_message_focus_delay_and_audit(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                        vault_dir: Path,
                                                        clock: FixedClock) -> None:
    window.show_start(vault_dir)
    panel = window.start.unlock
    assert window.start.current_panel is panel
    panel.passphrase.setFocus()

    wrong(qtbot, window)
    assert "Die Passphrase ist falsch." in panel.message.text()
    assert panel.message.isVisible()
    assert panel.passphrase.text() == ""
    assert panel.passphrase.hasFocus()
    assert panel.remaining_delay() == timedelta(0)
    wrong(qtbot, window)
    assert panel.remaining_delay() == timedelta(0)

    wrong(qtbot, window)  # third failure: now a delay
    first_delay = panel.remaining_delay()
    assert first_delay > timedelta(0)
    assert not panel.unlock_button.isEnabled()
    assert "Warten" in panel.unlock_button.text()
    # During the delay even the right passphrase is not tried.
    qtbot.keyClicks(panel.passphrase, PASSPHRASE)
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    assert window.workspace is None and not window.ctx.tasks.busy
    assert panel.passphrase.hasFocus()
    panel.passphrase.clear()

    clock.advance(first_delay)
    qtbot.waitUntil(panel.unlock_button.isEnabled, timeout=20000)
    wrong(qtbot, window)  # fourth failure: a longer delay
    assert panel.remaining_delay() > first_delay

    clock.advance(panel.remaining_delay())
    unlock(qtbot, window, vault_dir)
    session = window.ctx.session
    assert session is not None
    actions = [(e.action, e.detail) for e in audit.entries(session.db, 5)]
    assert ("vault.unlock_failed", "count=4") in actions
    assert actions[0][0] == "vault.unlock"


def test_last_vault_is_remembered_not_the_passphrase(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                     vault_dir: Path, tmp_path: Path) -> None:
    unlock(qtbot, window, vault_dir)
    assert window.ctx.settings.last_vault == str(vault_dir)
    window.ctx.settings.sync()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("*.ini"))
    assert str(vault_dir).encode() in stored
    assert PASSPHRASE.encode() not in stored
    window.lock()
    window.show_start()  # no folder given: the remembered one
    assert window.start.current_panel is window.start.unlock
    assert window.start.unlock.folder == vault_dir


def test_create_rejects_weak_and_mismatched_passphrases(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    window.show_start(tmp_path / "neu")
    panel = window.start.create_panel
    qtbot.keyClicks(panel.owner, "Lena Beispiel")
    qtbot.keyClicks(panel.passphrase, "kurz")
    assert "mindestens 12 Zeichen" in panel.strength.text()
    panel.submit()
    assert "mindestens 12 Zeichen" in panel.form.error_text("Passphrase")
    panel.passphrase.clear()
    qtbot.keyClicks(panel.passphrase, "passwort1234")
    panel.submit()
    assert "zu leicht zu erraten" in panel.form.error_text("Passphrase")
    panel.passphrase.clear()
    type_text(qtbot, panel.passphrase, "Gießkanne neben dem Rhabarberbeet")
    type_text(qtbot, panel.repeat, "Gießkanne neben dem Rhabarberbet")
    panel.submit()
    assert "stimmt nicht" in panel.form.error_text("Wiederholung")
    assert not (tmp_path / "neu").exists()


def test_demo_vault_unlock_page_states_the_demo_passphrase(qtbot, ctx, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           vault_dir: Path) -> None:
    from casework.services.demo import DEMO_PASSPHRASE

    window = MainWindow(ctx, demo_folder=vault_dir)
    qtbot.addWidget(window)
    window.show_start(vault_dir)
    assert window.start.unlock.demo_hint.isVisibleTo(window)
    assert DEMO_PASSPHRASE in window.start.unlock.demo_hint.text()
    window.show_start(tmp_path)  # any other vault: no hint
    window.start.show_unlock(tmp_path)
    assert not window.start.unlock.demo_hint.isVisibleTo(window)


def test_demo_vault_is_created_off_the_gui_thread(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    folder = tmp_path / "demo-vault"
    window.start.prepare_demo(folder, families=5, contacts_per_family=1)
    assert window.start.current_panel is window.start.progress
    qtbot.waitUntil(lambda: window.start.current_panel is window.start.unlock, timeout=30000)
    assert (folder / "vault.json").is_file()
    assert not folder.with_name("demo-vault.tmp").exists()
    assert window.start.unlock.demo_hint.isVisibleTo(window)
    assert window.start.progress.bar.value() == 5


def test_after_an_update_the_panel_says_the_vault_is_converted_and_cannot_be_cut_off(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, vault_dir: Path) -> None:
    from casework.storage.backup import archive
    from tests.storage.test_vault_versions import ROLLED_BACK, _db

    db = _db(vault_dir)  # the vault as an app one migration older left it
    try:
        with db.transaction():
            db.execute("DROP TABLE sync_quarantine")
            db.execute("DELETE FROM schema_migrations WHERE version = ?", (ROLLED_BACK,))
    finally:
        db.close()
    window.show_start(vault_dir)
    panel = window.start.unlock
    seen: list[tuple[str, bool, bool]] = []

    def during(_step: int, _steps: int) -> None:  # after the panel's own slot
        seen.append((panel.message.text(), panel.other_button.isEnabled(), window.close()))
    panel.migration_step.connect(during)
    unlock(qtbot, window, vault_dir)
    texts = [text for text, _other, _closed in seen]
    assert texts[0].startswith("Casework wurde aktualisiert: Die Akte wird auf die neue "
                               "Version umgestellt. Zuerst wird eine geprüfte Sicherung "
                               "angelegt (im Ordner „backups“ der Akte)")
    assert texts[1].startswith("Die Akte wird auf die neue Version umgestellt (Schritt 1 "
                               "von 1) …\nDie Sicherung von vorher liegt im Ordner „backups“")
    assert all("Abbrechen ist dabei nicht möglich" in text for text in texts)
    assert all("jeder Schritt wird ganz oder gar nicht ausgeführt" in text for text in texts)
    assert not any(other or closed for _text, other, closed in seen)  # no way out meanwhile
    assert window.isVisible() and window.workspace is not None
    assert not panel.migrating and panel.other_button.isEnabled()
    assert len(list((vault_dir / "backups").glob(f"*{archive.SUFFIX}"))) == 1
