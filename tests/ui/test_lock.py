"""Auto-lock by wall-clock inactivity, the panic shortcut, and unlocking back to where the
user was (same family file, the unsaved quick-entry draft still there)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from casework.clock import FixedClock
from casework.errors import VaultError
from casework.services import drafts
from casework.ui.contacts.quick_entry import DRAFT_KIND
from casework.ui.households.family_file import FamilyFile
from casework.ui.main_window import LOCKED_TITLE, MainWindow
from tests.ui.conftest import type_text, unlock, visible_text_blob

NOTE = "Vater berichtet von Kündigung der Wohnung"


def gone(widget: QWidget) -> bool:
    """Deleted (deleteLater already ran) or at least hidden."""
    return not shiboken6.isValid(widget) or not widget.isVisible()


def open_family_with_draft(qtbot, window: MainWindow, household_id: str):  # type: ignore[no-untyped-def]
    workspace = window.workspace
    assert workspace is not None
    page = workspace.open_family(household_id)
    assert isinstance(page, FamilyFile)
    page.tabs.setCurrentWidget(page.persons)
    entry = workspace.open_quick_entry(household_id)
    assert entry is not None
    type_text(qtbot, entry.note, NOTE)
    qtbot.keyClicks(entry.next_step, "Termin Jobcenter")
    return page, entry


def test_inactivity_locks_really_and_unlock_restores(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                     family: str, clock: FixedClock,
                                                     vault_dir: Path) -> None:
    window = unlocked
    page, entry = open_family_with_draft(qtbot, window, family)
    page.overview.form.street.setText("Rüsingstraße 4")  # edited, not saved
    assert NOTE in visible_text_blob()
    assert "Müller" in visible_text_blob()
    session = window.ctx.session
    assert session is not None

    clock.advance(timedelta(minutes=4, seconds=59))
    qtbot.wait(60)  # several idle checks (every 20 ms): not yet
    assert window.ctx.session is session and session.is_open

    clock.advance(timedelta(seconds=2))  # e.g. the laptop slept: wall-clock time counts
    qtbot.waitUntil(lambda: window.windowTitle() == LOCKED_TITLE, timeout=20000)

    assert window.ctx.session is None
    assert not session.is_open
    with pytest.raises(VaultError):
        session.db.query("SELECT count(*) FROM households")
    assert bytes(session.vault._data_key) == bytes(len(session.vault._data_key))  # wiped
    qtbot.waitUntil(lambda: gone(entry) and gone(page), timeout=20000)
    blob = visible_text_blob()
    assert "Müller" not in blob
    assert NOTE not in blob
    assert "Jobcenter" not in blob
    assert "Rüsingstraße" not in blob
    assert "gesperrt" in window.start.unlock.title.text()
    assert window.start.unlock.other_button.isHidden()

    unlock(qtbot, window, vault_dir)
    assert window.windowTitle() == "Casework"
    workspace = window.workspace
    assert workspace is not None
    restored = workspace.stack.currentWidget()
    assert isinstance(restored, FamilyFile) and restored.household_id == family
    assert restored.tabs.currentWidget() is restored.persons
    assert restored.overview.form.street.text() == "Rüsingstraße 4"  # the unsaved edit
    assert restored.overview.is_dirty()
    restored_entry = workspace.quick_entries.get(family)
    assert restored_entry is not None and restored_entry.isVisible()
    assert restored_entry.note.toPlainText() == NOTE
    assert restored_entry.next_step.text() == "Termin Jobcenter"


def test_panic_shortcut_locks_and_clears_our_clipboard(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                       family: str) -> None:
    window = unlocked
    workspace = window.workspace
    assert workspace is not None
    page = workspace.open_family(family)
    assert page is not None
    QGuiApplication.clipboard().setText("Müller, Gärtnerstraße 12")
    qtbot.keyClick(page.tabs, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.windowTitle() == LOCKED_TITLE
    assert window.ctx.session is None
    assert QGuiApplication.clipboard().text() == ""


def test_saving_the_contact_discards_the_draft(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                               family: str) -> None:
    window = unlocked
    _page, entry = open_family_with_draft(qtbot, window, family)
    entry.flush_draft()
    session = window.ctx.session
    assert session is not None
    assert drafts.load_draft(session, DRAFT_KIND, family) is not None
    entry.save()
    assert drafts.load_draft(session, DRAFT_KIND, family) is None


def test_reopening_offers_the_draft(qtbot, unlocked: MainWindow, family: str,  # type: ignore[no-untyped-def]
                                    message_log) -> None:
    window = unlocked
    workspace = window.workspace
    assert workspace is not None
    _page, entry = open_family_with_draft(qtbot, window, family)
    qtbot.keyClick(entry.note, Qt.Key.Key_Escape)  # closes, keeping the draft
    qtbot.waitUntil(lambda: family not in workspace.quick_entries, timeout=20000)
    message_log.confirm_answer = True
    again = workspace.open_quick_entry(family)
    assert again is not None and again is not entry
    assert again.note.toPlainText() == NOTE
    assert message_log.texts("confirm")  # it asked first


def test_auto_lock_minutes_setting_is_used(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                           clock: FixedClock) -> None:
    window = unlocked
    workspace = window.workspace
    assert workspace is not None
    screen = workspace.show_page("einstellungen")
    screen.auto_lock.setValue(12)  # type: ignore[union-attr]
    assert window.ctx.settings.auto_lock_minutes == 12
    clock.advance(timedelta(minutes=11))
    qtbot.wait(60)
    assert window.ctx.session is not None
    clock.advance(timedelta(minutes=1, seconds=1))
    qtbot.waitUntil(lambda: window.ctx.session is None, timeout=20000)


def test_desktop_screen_lock_or_sleep_locks_the_vault(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                      family: str) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    workspace.open_family(family)
    unlocked.screen_lock.dbus._activated(False)  # screen saver ended: nothing to do
    assert unlocked.ctx.session is not None
    unlocked.screen_lock.dbus._activated(True)  # what the D-Bus signal delivers
    assert unlocked.ctx.session is None
    assert unlocked.windowTitle() == LOCKED_TITLE


def test_unsaved_household_edits_survive_closing_until_discarded(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                                 family: str) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    page = workspace.open_family(family)
    assert page is not None
    page.overview.form.plz.setText("4623")  # invalid, unsaved: kept as typed
    workspace.close_family(family)
    page = workspace.open_family(family)
    assert page is not None
    assert page.overview.form.plz.text() == "4623"
    assert "wiederhergestellt" in page.overview.draft_note.text()
    page.overview.reset()  # "Verwerfen"
    assert page.overview.form.plz.text() == "46236"
    workspace.close_family(family)
    page = workspace.open_family(family)
    assert page is not None and page.overview.form.plz.text() == "46236"
