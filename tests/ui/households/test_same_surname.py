"""Families with the same surname stay apart everywhere one is picked or shown; Ctrl+K
works from every screen; a new family or person resembling an existing one is named
before it is created; a note search says why it found a family (issue 18)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId
from casework.services import contacts
from casework.services.households import households
from casework.services.session import Session
from casework.ui.contacts.quick_entry import QuickEntryDialog
from casework.ui.context import UiContext
from casework.ui.households.family_model import COLUMNS, SNIPPET_COLUMN
from casework.ui.households.form import NewHouseholdDialog
from casework.ui.households.members import PersonDialog
from casework.ui.households.picker import FamilyPicker
from casework.ui.households.screen import FamilienScreen
from casework.ui.households.snippet import highlighted
from casework.ui.main_window import MainWindow
from casework.ui.privacy.screen import DatenschutzScreen
from tests.ui.conftest import type_text

SABINE = "Müller (Sabine, Thomas) · Hauptstr. 5"
PETRA = "Müller (Petra) · Gartenweg 2"


def _family(session: Session, street: str, *adults: str) -> HouseholdId:
    hid, _ = households.create(session, HouseholdDraft(name="Müller", street=street))
    for first in adults:
        households.add_person(session, hid, PersonDraft(
            first, "Müller", BirthInfo(date(1985, 1, 1)), Gender.KEINE_ANGABE,
            HouseholdRole.ELTERNTEIL))
    households.add_person(session, hid, PersonDraft(
        "Kim", "Müller", BirthInfo(date(2018, 1, 1)), Gender.KEINE_ANGABE, HouseholdRole.KIND))
    return hid


def _two_muellers(session: Session) -> tuple[HouseholdId, HouseholdId]:
    return (_family(session, "Hauptstraße 5", "Sabine", "Thomas"),
            _family(session, "Gartenweg 2", "Petra"))


def test_ctrl_k_from_heute_picks_the_family_then_the_quick_entry(  # type: ignore[no-untyped-def]
        qtbot, unlocked: MainWindow, session: Session) -> None:
    sabine, petra = _two_muellers(session)
    workspace = unlocked.workspace
    assert workspace is not None
    workspace.open_family(sabine)
    workspace.open_family(petra)
    nav = [workspace.nav.item(r).text() for r in range(workspace.nav.count())]
    assert SABINE.replace(" · ", "\n") in nav and PETRA.replace(" · ", "\n") in nav
    workspace.show_page("heute")
    focus = QApplication.focusWidget() or workspace.nav
    qtbot.keyClick(focus, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    picker = workspace.picker
    assert isinstance(picker, FamilyPicker)
    assert picker.windowTitle() == "Familie wählen"  # no names in window titles
    type_text(qtbot, picker.search, "Muller")
    picker.refresh()
    assert sorted(picker.labels()) == sorted([SABINE, PETRA])
    qtbot.keyClicks(picker.search, " gart")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: petra in workspace.quick_entries, timeout=10000)
    entry = workspace.quick_entries[petra]
    assert isinstance(entry, QuickEntryDialog)
    assert entry.family_label.text() == f"Familie {PETRA}"
    assert entry.windowTitle() == "Kontakt erfassen"
    assert entry.focusWidget() is entry.note  # the note first, date and time are "now"
    assert workspace.picker is None
    # Inside a family file Ctrl+K opens its quick entry directly.
    entry.reject()
    page = workspace.open_family(sabine)
    assert page is not None
    qtbot.keyClick(page.tabs, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert sabine in workspace.quick_entries and workspace.picker is None
    # From Familien, with the cursor in the search field, the picker again.
    familien = workspace.show_page("familien")
    assert isinstance(familien, FamilienScreen)
    qtbot.keyClick(familien.search, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(workspace.picker, FamilyPicker)
    assert {SABINE, PETRA} & set(workspace.picker.labels())  # opened last
    workspace.picker.reject()


def test_family_list_and_pickers_tell_same_surname_families_apart(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session) -> None:
    sabine, petra = _two_muellers(session)
    ctx.attach(session)
    screen = FamilienScreen(ctx, search_delay_ms=0)
    qtbot.addWidget(screen)
    model = screen.model
    rows = {model.household_id(r): [model.data(model.index(r, c))
                                    for c in range(len(COLUMNS))] for r in range(2)}
    first_names, street = COLUMNS.index("Vornamen"), COLUMNS.index("Straße")
    assert rows[sabine][first_names] == "Sabine, Thomas"
    assert rows[petra][street] == "Gartenweg 2"
    assert screen.view.isColumnHidden(SNIPPET_COLUMN)
    privacy = DatenschutzScreen(ctx)
    qtbot.addWidget(privacy)
    privacy.requests.person_search.setText("Müller")
    privacy.requests._search_persons()
    choice = privacy.requests.person_choice
    people = [choice.itemText(i) for i in range(choice.count())]
    assert f"Sabine Müller – Familie {SABINE}" in people
    assert f"Petra Müller – Familie {PETRA}" in people
    assert len(set(people)) == len(people)  # the two Kims differ by their family


def test_duplicate_warning_names_the_existing_file(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session) -> None:
    sabine, _petra = _two_muellers(session)
    ctx.attach(session)
    dialog = NewHouseholdDialog(ctx)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.form.name, "Mueller")
    type_text(qtbot, dialog.form.street, "Hauptstrasse 5")
    before = households.count(session)
    dialog.save()
    assert dialog.duplicates.isVisibleTo(dialog)
    assert SABINE in dialog.duplicates.text.text()
    assert households.count(session) == before  # nothing created yet
    with qtbot.waitSignal(ctx.household_requested) as opened:
        dialog.duplicates.open_button.click()
    assert opened.args[0] == sabine and dialog.result() == 0
    again = NewHouseholdDialog(ctx)
    qtbot.addWidget(again)
    type_text(qtbot, again.form.name, "Müller")
    type_text(qtbot, again.form.street, "Hauptstraße 5")
    again.save()
    again.duplicates.proceed_button.click()  # a different family after all
    assert again.created_id is not None and households.count(session) == before + 1

    person = PersonDialog(ctx, again.created_id)
    qtbot.addWidget(person)
    person.first.setText("Thomas")
    type_text(qtbot, person.last, "Müller")
    person.save()
    assert person.duplicates.isVisibleTo(person) and SABINE in person.duplicates.text.text()
    assert households.members(session, again.created_id) == []
    person.duplicates.proceed_button.click()
    assert [p.data.first_name for p in households.members(session, again.created_id)] == \
        ["Thomas"]


def test_note_search_shows_why_a_family_matched(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session) -> None:
    sabine, _petra = _two_muellers(session)
    contacts.log_contact(session, sabine, ContactDraft(
        session.clock.now(), ContactType.HAUSBESUCH, 30, notes=(NoteEntry(
            NoteKind.BEOBACHTUNG, "Im Bad und im Kinderzimmer wächst Schimmel an der "
            "Außenwand, der Vermieter reagiert seit Wochen nicht."),)))
    ctx.attach(session)
    screen = FamilienScreen(ctx, search_delay_ms=0)
    qtbot.addWidget(screen)
    screen.resize(1366 - 265, 660)  # beside the navigation on the 1366 px laptop
    screen.show()
    qtbot.waitExposed(screen)
    view = screen.view
    aside = [COLUMNS.index(c) for c in ("Stadtteil", "offene WV", "Hinweise")]
    screen.search.setText("schimmel")
    screen.run_search()
    assert screen.model.rowCount() == 1 and screen.model.household_id(0) == sabine
    assert not view.isColumnHidden(SNIPPET_COLUMN)
    # The found place is on screen whole, next to name, first names and street.
    qtbot.waitUntil(lambda: view.columnViewportPosition(SNIPPET_COLUMN)
                    + view.columnWidth(SNIPPET_COLUMN) <= view.viewport().width())
    assert view.columnWidth(SNIPPET_COLUMN) >= 30 * view.fontMetrics().averageCharWidth()
    assert view.horizontalScrollBar().maximum() == 0
    assert all(view.isColumnHidden(c) for c in aside)
    assert not view.isColumnHidden(COLUMNS.index("Straße"))
    shown = screen.model.data(screen.model.index(0, SNIPPET_COLUMN))
    assert "Schimmel an der Außenwand" in shown
    assert "<b>Schimmel</b>" in highlighted(shown, ["schimmel"])
    assert highlighted("<script> Schimmel", ["schim"]) == "&lt;script&gt; <b>Schimmel</b>"
    screen.search.setText("Müller")
    screen.run_search()
    assert view.isColumnHidden(SNIPPET_COLUMN)
    assert not any(view.isColumnHidden(c) for c in aside)
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() == 0)


def test_lists_of_heute_referrals_kinderschutz_and_consent_tell_muellers_apart(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session) -> None:
    """Every list that names a household names it by its label, so a Fachkraft working
    down Heute, the Vermittlungen, the § 8a overview or the Einwilligungen does not mix up
    two open Müller files."""
    from casework.models.consent import Capacity, ConsentDraft, Selection
    from casework.models.households.person import HouseholdRole as Role
    from casework.models.referrals import ReferralDraft, free_recipient
    from casework.services import referrals
    from casework.services.consent import lifecycle as consent
    from casework.services.kinderschutz import procedures as ks
    from casework.ui.agenda import HeuteScreen
    from casework.ui.consent import screen as consent_screen
    from casework.ui.kinderschutz import screen as ks_screen
    from casework.ui.referrals import screen as referral_screen

    today = session.clock.now().date()
    for hid in _two_muellers(session):
        members = households.members(session, hid)
        adult = next(p.id for p in members if p.data.role is not Role.KIND)
        child = next(p.id for p in members if p.data.role is Role.KIND)
        contacts.log_contact(session, hid, ContactDraft(
            session.clock.now(), ContactType.TELEFONAT, 10, next_steps="Rückruf Schule",
            follow_up=today))
        referrals.create(session, ReferralDraft(hid, (adult,), free_recipient("Beratung"),
                                                "Schulden", follow_up_on=today))
        ks.open_procedure(session, hid, (child,))
        consent.prepare(session, ConsentDraft(adult, (Selection("photo"),),
                                              (Selection("stadt"),), Capacity.SELF))
    ctx.attach(session)
    both = {SABINE, PETRA}

    def column(model, name: str) -> set[str]:  # type: ignore[no-untyped-def]
        col = [model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(model.columnCount())].index(name)
        return {model.data(model.index(r, col)) for r in range(model.rowCount())}

    heute = HeuteScreen(ctx)
    qtbot.addWidget(heute)
    heute.reload()
    qtbot.waitUntil(lambda: not heute.loading)
    assert column(heute.follow_up_model, "Familie") == both
    agenda_rows = [[heute.agenda_model.index(r, c).data() for c in range(5)]
                   for r in range(heute.agenda_model.rowCount())]
    assert {row[3] for row in agenda_rows if row[1] == "Vermittlung"} == both
    assert column(heute.today_model, "Familie") == both  # contacts logged today
    vermittlungen = referral_screen.create(ctx)
    qtbot.addWidget(vermittlungen)
    assert isinstance(vermittlungen, referral_screen.VermittlungenScreen)
    assert column(vermittlungen.model, "Familie") == both
    kinderschutz = ks_screen.create(ctx)
    qtbot.addWidget(kinderschutz)
    assert isinstance(kinderschutz, ks_screen.KinderschutzScreen)
    assert column(kinderschutz.open_model, "Familie") == both
    einwilligungen = consent_screen.create(ctx)
    qtbot.addWidget(einwilligungen)
    assert isinstance(einwilligungen, consent_screen.EinwilligungenScreen)
    assert column(einwilligungen.model, "Familie") == both
