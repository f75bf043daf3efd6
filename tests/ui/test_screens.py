"""Heute, Einstellungen, the family file header, the navigation shell and every model
(qtmodeltester)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt

from casework.clock import BERLIN, FixedClock
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.person import BirthInfo, PersonDraft
from casework.models.ids import HouseholdId
from casework.models.persons.worker import WorkerRole
from casework.services import contacts
from casework.services.households import households
from casework.services.persons import workers
from casework.services.session import Session
from casework.ui.agenda import HeuteScreen
from casework.ui.main_window import MainWindow
from casework.ui.registry import SCREENS
from casework.ui.settings_screen import EinstellungenScreen
from tests.conftest import COLLEAGUE_PASSPHRASE, PASSPHRASE, add_family
from tests.ui.conftest import type_text


def log(session: Session, household_id: str, when: datetime, text: str,
        follow_up: date | None = None, disputed: bool = False) -> None:
    contacts.log_contact(session, HouseholdId(household_id), ContactDraft(
        occurred_at=when, type=ContactType.HAUSBESUCH, duration_min=45,
        notes=(NoteEntry(NoteKind.AUSSAGE_DRITTER, text, "Kita", disputed),),
        next_steps="Kita anrufen", follow_up=follow_up))


def test_heute_lists_and_completing_a_follow_up(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                session: Session, clock: FixedClock,
                                                qtmodeltester) -> None:
    mueller = add_family(session, "Müller")
    becker = add_family(session, "Becker")
    log(session, mueller, datetime(2026, 11, 1, 9, 0, tzinfo=BERLIN), "Alt", date(2026, 11, 10))
    log(session, becker, datetime(2026, 11, 21, 8, 30, tzinfo=BERLIN), "Heute",
        date(2026, 11, 21))
    log(session, becker, datetime(2026, 11, 21, 9, 0, tzinfo=BERLIN), "Später",
        date(2026, 12, 24))
    workspace = unlocked.workspace
    assert workspace is not None
    workspace.open_family(mueller)
    screen = workspace.show_page("heute")
    assert isinstance(screen, HeuteScreen)
    qtbot.waitUntil(lambda: not screen.loading)
    qtmodeltester.check(screen.follow_up_model)
    due = [screen.follow_up_model.rows[i][0][:2] for i in range(2)]
    assert due == [("21.11.2026", "Becker (Ayşe) · Gärtnerstr. 12"),
                   ("10.11.2026 (überfällig)", "Müller (Ayşe) · Gärtnerstr. 12")]
    assert screen.follow_up_model.rowCount() == 2
    assert screen.recent_model.rows[0][0][0] == "Müller (Ayşe) · Gärtnerstr. 12"
    assert screen.today_model.rowCount() == 3  # all logged today (created_at = now)

    screen.mine_only.setChecked(True)  # nobody is assigned to these two families
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.follow_up_model.rowCount() == 0
    screen.mine_only.setChecked(False)
    qtbot.waitUntil(lambda: not screen.loading)
    screen.follow_ups.setCurrentIndex(screen.follow_up_model.index(1, 0))
    contact_id = screen.follow_up_model.payload(1).contact_id
    screen.done_button.click()
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.follow_up_model.rowCount() == 1
    assert contacts.get(session, contact_id).follow_up_done

    screen.follow_ups.setCurrentIndex(screen.follow_up_model.index(0, 0))
    qtbot.keyClick(screen.follow_ups, Qt.Key.Key_Return)
    page = workspace.stack.currentWidget()
    assert page is workspace.family_file(becker)


def test_family_file_header_contacts_and_feature_tabs(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                      session: Session,
                                                      qtmodeltester) -> None:
    hid = add_family(session, "Öztürk", children=(("Elif", date(2026, 5, 2)),))
    households.add_person(session, hid, PersonDraft("", "Öztürk", BirthInfo(
        due_date=date(2027, 2, 3))))
    for day in range(1, 61):  # more than one page of contacts
        log(session, hid, datetime(2026, 9, 1, 10, 0, tzinfo=BERLIN) + timedelta(days=day),
            f"Notiz {day}", disputed=day == 60)
    workspace = unlocked.workspace
    assert workspace is not None
    page = workspace.open_family(hid)
    assert page is not None
    header = page.members.text()
    assert "Elif Öztürk (6 Mon.)" in header
    assert "(ungeboren, ET 03.02.2027)" in header
    assert page.contacts.model.rowCount() == 50  # first page only
    assert page.contacts.count_label.text() == "60 Kontakte"
    newest = page.contacts.model.data(page.contacts.model.index(0, 3))
    assert newest.startswith("[Aussage Dritter (Kita) – bestritten] Notiz 60")
    page.contacts.view.scrollToBottom()
    page.contacts.model.fetchMore(page.contacts.model.index(-1, -1))
    assert page.contacts.model.rowCount() == 60
    page.contacts.view.setCurrentIndex(page.contacts.model.index(0, 0))
    assert "bestritten" in page.contacts.detail.toPlainText()
    for model in (page.persons.model, page.contacts.model, page.history.model):
        qtmodeltester.check(model)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles[:4] == ["Ü&bersicht", "&Personen", "&Kontakte", "&Verlauf"]
    assert len(titles) >= 8  # the feature tabs of the registry
    for key, lazy in page.lazy_tabs.items():
        page.tabs.setCurrentWidget(lazy)
        assert lazy.content is not None, key


def test_navigation_has_all_areas_and_title_never_names_a_family(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                                 family: str) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    labels = [workspace.nav.item(i).text() for i in range(len(SCREENS))]
    assert labels == ["Heute", "Familien", "Kinderschutz", "Einwilligungen", "Vermittlungen",
                      "Teilhabemanagement", "Berichte", "Datenschutz", "Verzeichnis",
                      "Einstellungen", "Führungszeugnisse"]
    for screen in SCREENS:
        page = workspace.show_page(screen.key)
        assert page is not None and page.accessibleName()
    workspace.open_family(family)
    assert unlocked.windowTitle() == "Casework"
    assert "Müller" not in unlocked.statusBar().currentMessage()
    assert "Müller" not in unlocked.status_label.text()
    qtbot.keyClick(workspace.stack.currentWidget(), Qt.Key.Key_W,
                   Qt.KeyboardModifier.ControlModifier)
    assert workspace.open_family_ids() == []


def test_einstellungen_workers_act_as_and_passphrase(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                     vault_dir) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    screen = workspace.show_page("einstellungen")
    assert isinstance(screen, EinstellungenScreen)
    session = unlocked.ctx.session
    assert session is not None

    screen.create_worker()
    assert "darf nicht leer sein" in screen.worker_form.error_text("Name")
    qtbot.keyClicks(screen.worker_name, "Dr. Petra Probe")
    screen.worker_roles[WorkerRole.FACHKRAFT].setChecked(False)
    screen.worker_roles[WorkerRole.LEITUNG].setChecked(True)
    screen.worker_fte.setValue(0.5)
    type_text(qtbot, screen.worker_pass, COLLEAGUE_PASSPHRASE)
    type_text(qtbot, screen.worker_pass_repeat, COLLEAGUE_PASSPHRASE)
    screen.create_worker()  # the owner (Admin) confirms with her passphrase
    assert screen.worker_pass.text() == "" and screen.worker_pass_repeat.text() == ""
    qtbot.waitUntil(lambda: not screen.adding_worker)  # her key slot: on the key thread
    assert screen.worker_list.topLevelItemCount() == 2
    probe = next(w for w in workers.all_workers(session) if w.name == "Dr. Petra Probe")
    assert probe.data.fte == 0.5 and probe.data.role is WorkerRole.LEITUNG

    # switching person needs HER passphrase; the field is cleared either way
    screen.actor.setCurrentIndex(screen.actor.findData("Dr. Petra Probe"))
    qtbot.keyClicks(screen.actor_pass, PASSPHRASE)  # the owner's, not Petra's
    screen.switch_actor()
    assert screen.actor_pass.text() == ""
    assert screen.switching and screen.actor_message.text() == "Die Passphrase wird geprüft …"
    qtbot.waitUntil(lambda: not screen.switching)  # checked on the worker thread
    assert session.actor_id != probe.id
    assert "passt nicht" in screen.actor_message.text()
    type_text(qtbot, screen.actor_pass, COLLEAGUE_PASSPHRASE)
    screen.switch_actor()
    qtbot.waitUntil(lambda: not screen.switching)
    assert session.actor_id == probe.id
    assert "Rolle Leitung" in screen.actor_label.text()
    assert unlocked.status_label.text() == "Entsperrt · Rolle: Leitung"

    qtbot.keyClicks(screen.old_pass, "falsch falsch falsch")
    type_text(qtbot, screen.new_pass, "Neue Passphrase für die Akte 2027")
    type_text(qtbot, screen.repeat_pass, "Neue Passphrase für die Akte 2027")
    screen.change_passphrase()
    qtbot.waitUntil(lambda: screen.pass_button.isEnabled(), timeout=20000)
    assert "nicht richtig" in screen.pass_form.error_text("Bisherige Passphrase")
    type_text(qtbot, screen.old_pass, COLLEAGUE_PASSPHRASE)
    screen.change_passphrase()
    # Both Argon2id runs happen on the worker thread: the screen returns at once.
    assert unlocked.ctx.tasks.busy and not screen.pass_button.isEnabled()
    assert "wird geprüft" in screen.pass_status.text()
    qtbot.waitUntil(lambda: "geändert" in screen.pass_status.text(), timeout=20000)

    # After the lock, Petra says who she is and opens the vault with her new passphrase.
    unlocked.lock()
    from tests.ui.conftest import unlock

    panel = unlocked.start.unlock
    panel.person.clear()
    qtbot.keyClicks(panel.person, "Dr. Petra Probe")
    type_text(qtbot, panel.passphrase, "Neue Passphrase für die Akte 2027")
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: unlocked.workspace is not None, timeout=20000)
    assert unlocked.ctx.session is not None
    assert unlocked.ctx.session.actor_id == probe.id
    del unlock


def test_adding_a_person_derives_her_key_off_the_gui_thread_and_a_lock_drops_it(
        qtbot, unlocked: MainWindow, vault_dir) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    from casework.storage import vault_header

    workspace = unlocked.workspace
    assert workspace is not None
    screen = workspace.show_page("einstellungen")
    assert isinstance(screen, EinstellungenScreen)
    slots_before = len(vault_header.read_header(vault_dir).slots)
    qtbot.keyClicks(screen.worker_name, "Dr. Petra Probe")
    type_text(qtbot, screen.worker_pass, COLLEAGUE_PASSPHRASE)
    type_text(qtbot, screen.worker_pass_repeat, COLLEAGUE_PASSPHRASE)
    ticks: list[bool] = []
    heartbeat = QTimer(unlocked)
    heartbeat.setInterval(2)
    heartbeat.timeout.connect(lambda: ticks.append(screen.adding_worker))
    heartbeat.start()
    screen.create_worker()  # the owner's proof, then her new key slot (Argon2id)
    # The slot is derived on the key thread: the screen returns at once and says so.
    assert screen.adding_worker and not screen.worker_button.isEnabled()
    assert screen.worker_status.text() == "Der Schlüssel der neuen Person wird erstellt …"
    assert screen.worker_list.topLevelItemCount() == 1
    qtbot.waitUntil(lambda: True in ticks)  # the GUI thread runs on meanwhile
    heartbeat.stop()

    unlocked.lock()  # before the slot arrives: nobody is added, the Admin's key is wiped
    qtbot.waitUntil(lambda: not unlocked.ctx.tasks.busy, timeout=20000)
    assert len(vault_header.read_header(vault_dir).slots) == slots_before
    assert unlocked.ctx.last_confirmation != "Mitarbeiterin gespeichert."


def test_qt_standard_buttons_speak_german(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialogButtonBox

    from casework.ui.launch import install_german_translations

    install_german_translations(qapp)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Yes)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    box.deleteLater()
    assert texts == {"Abbrechen", "Ja"}
