"""Screenshots of the main screens, for looking at them (not a test), and the pictures of
the user guide.

    xvfb-run -a .venv/bin/python tools/screenshots.py [--out screenshots] [--families 300]
    xvfb-run -a .venv/bin/python tools/screenshots.py --handbuch   # docs/img/*.png
    xvfb-run -a .venv/bin/python tools/screenshots.py --fuehrungszeugnisse  # § 72a, 1366×768
    xvfb-run -a .venv/bin/python tools/screenshots.py --teilhabe   # Teilhabe, targets
    QT_SCALE_FACTOR=1.25 xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python \
        tools/screenshots.py --fit --families 40 --out shots-125   # issue 18 at 125 %

`--handbuch` builds a fresh demo vault (fixed clock, so the pictures are reproducible)
and takes the pictures that docs/handbuch.md and README.md show, at 1366×768.

Creates a fictitious demo vault in a temp folder (or uses --vault), drives the app through
unlock, Heute, Familien (with a search), a family file with every tab, the quick entry,
person and new-family dialogs, Einstellungen, the lock screen and the create-vault page,
and saves PNGs to --out (gitignored). A dark-palette pass repeats a few screens. At the
end it checks that the lock screen shows no case data.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import (  # noqa: E402
    QBuffer,
    QCoreApplication,
    QDate,
    QEvent,
    QIODevice,
    QLocale,
    QSettings,
)
from PySide6.QtGui import QColor, QImage, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from casework.clock import BERLIN, FixedClock  # noqa: E402
from casework.services import demo  # noqa: E402
from casework.services import session as session_service  # noqa: E402
from casework.ui.agenda import HeuteScreen  # noqa: E402
from casework.ui.context import UiContext  # noqa: E402
from casework.ui.households.form import NewHouseholdDialog  # noqa: E402
from casework.ui.households.picker import FamilyPicker  # noqa: E402
from casework.ui.households.screen import FamilienScreen  # noqa: E402
from casework.ui.launch import install_german_translations  # noqa: E402
from casework.ui.main_window import MainWindow, visible_texts  # noqa: E402
from casework.ui.settings import Settings  # noqa: E402
from casework.ui.workspace import Workspace  # noqa: E402

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=BERLIN)
SIZE = (1366, 738)  # the usual municipal laptop, minus the taskbar


def wait_for(app: QApplication, condition: Callable[[], bool], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the app did not reach the expected state")
        app.processEvents()
        time.sleep(0.01)  # a tool, not a test: polling is fine here


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        # Without a running event loop, deleteLater() would leave replaced widgets visible.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.02)


def unlock_demo(app: QApplication, window: MainWindow) -> Workspace:
    """Unlock the shown demo vault with its published passphrase; the workspace."""
    window.start.unlock.passphrase.setText(demo.DEMO_PASSPHRASE)
    window.start.unlock.submit()
    wait_for(app, lambda: window.workspace is not None)
    assert window.workspace is not None
    return window.workspace


def german_app() -> QApplication:
    """The application as the app sets it up: name, German locale, Qt's own buttons in
    German."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Casework")
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    install_german_translations(app)
    return app


@contextlib.contextmanager
def main_window(app: QApplication, folder: Path, settings: Settings, now: datetime,
                size: tuple[int, int]) -> Iterator[MainWindow]:
    """A main window on the demo vault at a fixed time and size, closed afterwards."""
    ctx = UiContext(FixedClock(now), settings=settings)
    window = MainWindow(ctx, demo_folder=folder, idle_check_ms=60_000)
    window.resize(*size)
    window.show()
    settle(app)
    try:
        yield window
    finally:
        window.close()
        ctx.tasks.shutdown()
        settle(app)


class Shooter:
    def __init__(self, app: QApplication, out: Path, *, small: bool = False) -> None:
        self.app = app
        self.out = out
        self.small = small  # 256-colour PNGs (the repository's docs/img)
        self.taken: list[Path] = []

    def __call__(self, name: str, widget: QWidget) -> None:
        settle(self.app)
        path = self.out / f"{name}.png"
        image = widget.grab().toImage()
        if self.small:
            save_small(image, path)
        elif not image.save(str(path)):
            raise RuntimeError(f"could not save {path}")
        self.taken.append(path)
        print(path)


def save_small(image: QImage, path: Path) -> None:
    """A 128-colour PNG (about a third of the size; UI pictures have few colours).
    Pillow comes with reportlab."""
    from PIL import Image

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    picture = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    picture.quantize(128).save(path, optimize=True)


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#2b2d31", QPalette.ColorRole.AlternateBase: "#33363a",
        QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2d2f33",
        QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2d2f33",
        QPalette.ColorRole.ToolTipText: "#e8eaed", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
        QPalette.ColorRole.Link: "#8ab4f8", QPalette.ColorRole.Light: "#5f6368",
        QPalette.ColorRole.Midlight: "#4a4d52", QPalette.ColorRole.Mid: "#3c3f44",
        QPalette.ColorRole.Dark: "#101113", QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6f7378"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText,
                     QColor("#6f7378"))
    return palette


def make_vault(folder: Path, families: int, now: datetime = NOW) -> None:
    clock = FixedClock(now)
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, clock,
                                      owner_name="Lena Beispiel", memory_security=False)
    try:
        demo.fill(session, families, contacts_per_family=12, passphrase=demo.DEMO_PASSPHRASE)
    finally:
        session.close()


def tour(app: QApplication, window: MainWindow, folder: Path, shoot: Shooter,
         prefix: str = "") -> None:
    window.show_start(folder)
    shoot(f"{prefix}01-entsperren", window)
    workspace = unlock_demo(app, window)
    heute = workspace.show_page("heute")
    assert isinstance(heute, HeuteScreen)
    # Heute gathers its lists on the worker: the picture shows them, not "Wird geladen …".
    wait_for(app, lambda: not heute.loading)
    shoot(f"{prefix}02-heute", window)
    familien = workspace.show_page("familien")
    assert isinstance(familien, FamilienScreen)
    shoot(f"{prefix}03-familien", window)
    familien.search.setText("Muller")
    familien.run_search()
    shoot(f"{prefix}04-familien-suche-muller", window)
    if prefix:
        page = workspace.open_family(str(familien.model.household_id(0)))
        assert page is not None
        page.tabs.setCurrentWidget(page.contacts)
        page.contacts.view.setCurrentIndex(page.contacts.model.index(0, 0))
        shoot(f"{prefix}05-familie-kontakte", window)
        entry = workspace.open_quick_entry(page.household_id, ask=False)
        assert entry is not None
        shoot(f"{prefix}06-kontakt-erfassen", entry)
        window.lock()
        shoot(f"{prefix}07-gesperrt", window)
        return
    familien.search.setText("Schimmel")
    familien.run_search()
    shoot("05-familien-suche-notiz", window)
    familien.search.clear()
    familien.run_search()
    page = workspace.open_family(str(familien.model.household_id(3)))
    assert page is not None
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        if index == 2:
            page.contacts.view.setCurrentIndex(page.contacts.model.index(0, 0))
        title = re.sub(r"[^a-zäöüß0-9]+", "-", page.tabs.tabText(index).replace("&", "").lower())
        shoot(f"{6 + index:02d}-familie-{title}", window)
    number = 6 + page.tabs.count()
    page.tabs.setCurrentIndex(1)
    dialog = page.persons.add()
    dialog.first.setText("Mia")
    dialog.birth_value.setText("01.01.2030")
    dialog.save()
    shoot(f"{number:02d}-person-validierung", dialog)
    dialog.draft_keeper.drop()  # a tool: no "Eingaben verwerfen?" question
    dialog.reject()
    entry = workspace.open_quick_entry(page.household_id, ask=False)
    assert entry is not None
    entry.note.setPlainText("Die Mutter berichtet, dass die Heizung seit einer Woche ausfällt.")
    entry.next_step.setText("Vermieter anschreiben")
    entry.follow_up.setText("+7")
    extra = entry.add_note()
    extra.kind.setCurrentIndex(extra.kind.findText("Hypothese"))
    extra.text.setPlainText("Die Kinder schlafen deshalb im Wohnzimmer.")
    entry.flush_draft()
    shoot(f"{number + 1:02d}-kontakt-erfassen", entry)
    entry.note_kind.setCurrentIndex(entry.note_kind.findText("Aussage Dritter"))
    entry.save()
    shoot(f"{number + 2:02d}-kontakt-validierung", entry)
    entry.note_kind.setCurrentIndex(0)
    new = NewHouseholdDialog(window.ctx, window)
    new.form.name.setText("Schäfer")
    new.form.plz.setText("4623")
    new.show()
    new.save()
    shoot(f"{number + 3:02d}-neue-familie-validierung", new)
    new.draft_keeper.drop()
    new.reject()
    workspace.show_page("einstellungen")
    shoot(f"{number + 4:02d}-einstellungen", window)
    workspace.show_page("familien")
    workspace.open_family(page.household_id)
    name, household_id = page.household_name, page.household_id  # the page goes on lock
    window.lock()  # the quick entry is still open: its draft is flushed and restored later
    shoot(f"{number + 5:02d}-gesperrt", window)
    leaked = [t for t in visible_texts() if name in t]
    if leaked:
        raise SystemExit("lock screen shows case data: " + repr(leaked[:3]))
    restored = unlock_demo(app, window).quick_entries.get(household_id)
    if restored is None or "Heizung" not in restored.note.toPlainText():
        raise SystemExit("unlock did not restore the quick-entry draft")
    shoot(f"{number + 6:02d}-entsperrt-wiederhergestellt", window)
    restored.discard()
    window.lock()
    window.start.show_create()
    shoot(f"{number + 7:02d}-neue-akte", window)


# ------------------------------------------------- corrections, Ctrl+K, same surnames

def records_tour(app: QApplication, window: MainWindow, folder: Path, shoot: Shooter,
                 prefix: str = "") -> None:
    """Issue 18 states at 1366×768: the Ctrl+K family picker from Heute, the quick entry
    it opens, the family list with first names and street, a note search with its
    snippet, the duplicate warning, the correction and Nachtrag dialogs and a corrected
    contact in the family file and its Verlauf."""
    window.show_start(folder)
    workspace = unlock_demo(app, window)
    workspace.show_page("heute")
    picker = workspace.quick_entry_anywhere()
    assert isinstance(picker, FamilyPicker)
    picker.search.setText("Müller")
    picker.refresh()
    shoot(f"{prefix}r01-strg-k-familie-waehlen", picker)
    picker.take()
    settle(app)
    entry = next(iter(workspace.quick_entries.values()))
    shoot(f"{prefix}r02-strg-k-kontakt-erfassen", entry)
    entry.reject()
    familien = workspace.show_page("familien")
    assert isinstance(familien, FamilienScreen)
    familien.search.setText("Müller")
    familien.run_search()
    shoot(f"{prefix}r03-familien-gleicher-name", window)
    familien.search.setText("Schimmel")
    familien.run_search()
    shoot(f"{prefix}r04-familien-notiz-fundstelle", window)
    row = familien.model.row_at(0)
    assert row is not None
    new = NewHouseholdDialog(window.ctx, window)
    new.form.name.setText(row.name)
    new.form.street.setText(row.street)
    new.show()
    new.save()
    shoot(f"{prefix}r05-neue-familie-doppelt", new)
    new.done(0)
    page = workspace.open_family(str(row.id))
    assert page is not None
    page.tabs.setCurrentWidget(page.contacts)
    items = page.contacts.model.items
    found = next(i for i, c in enumerate(items)
                 if any("Schimmel" in n.text for n in c.data.notes))
    page.contacts.view.setCurrentIndex(page.contacts.model.index(found, 0))
    dialog = page.contacts.correct()
    assert dialog is not None
    block = next(b for b in dialog.blocks if "Schimmel" in b.text.toPlainText())
    block.text.setPlainText(block.text.toPlainText().replace("Schimmel", "Schimmel (Bad)", 1))
    dialog.reason.setText("Ort ergänzt")
    shoot(f"{prefix}r06-kontakt-berichtigen", dialog)
    if not dialog.save():
        raise SystemExit("the correction was not saved: " + dialog.form.error_text("Notiz"))
    addendum = page.contacts.add_addendum()
    assert addendum is not None
    addendum.text.setPlainText("Vermieter hat heute einen Termin zugesagt.")
    shoot(f"{prefix}r07-kontakt-nachtrag", addendum)
    if not addendum.save():
        raise SystemExit("the addendum was not saved")
    shoot(f"{prefix}r08-kontakt-berichtigt", window)
    page.tabs.setCurrentWidget(page.history)
    shoot(f"{prefix}r09-verlauf-berichtigung", window)
    window.lock()


def laptop_tour(app: QApplication, window: MainWindow, folder: Path, shoot: Shooter,
                prefix: str = "") -> None:
    """The states of working at 1366x768 (issue 18, part C): the family file's areas
    list, the read-only Übersicht and its editing mode, the Verlauf with contents, the
    document question (Drucken / Öffnen / Speichern unter) and the open notice, a save
    confirmed in the status bar, "Eingaben verwerfen?", the access log, the Teilhabe
    warning colour."""
    from PySide6.QtWidgets import QMessageBox

    from casework.models.persons.worker import WorkerRole
    from casework.services.kinderschutz import procedures as ks
    from casework.services.persons import workers
    from casework.ui import documents

    window.show_start(folder)
    workspace = unlock_demo(app, window)
    session = window.ctx.require_session()
    page = workspace.open_family(ks.list_procedures(session)[0].household_id)
    assert page is not None
    page.tabs.setCurrentWidget(page.overview)
    shoot(f"{prefix}c01-uebersicht-lesen", window)
    page.overview.set_editing(True)
    page.overview.form.street.setText("Lindenstraße 12")
    shoot(f"{prefix}c02-uebersicht-bearbeiten", window)
    question = QMessageBox(QMessageBox.Icon.Question, "Änderungen verwerfen?",
                           "Die Änderungen an der Übersicht sind nicht gespeichert. "
                           "Verwerfen?", QMessageBox.StandardButton.Yes
                           | QMessageBox.StandardButton.No, window)
    question.setDefaultButton(QMessageBox.StandardButton.No)
    question.show()
    shoot(f"{prefix}c03-aenderungen-verwerfen", question)
    question.close()
    page.overview.reset()
    page.overview.set_editing(False)
    page.tabs.setCurrentWidget(page.history)
    shoot(f"{prefix}c04-verlauf", window)
    page.tabs.setCurrentWidget(page.contacts)
    window.ctx.confirm("Kontakt gespeichert.")
    shoot(f"{prefix}c05-gespeichert-statuszeile", window)
    box, _buttons = documents.action_box(window, "Hilfeplan speichern")
    box.show()
    shoot(f"{prefix}c06-dokument-drucken-oeffnen-speichern", box)
    box.close()
    notice = QMessageBox(QMessageBox.Icon.Question, "Dokument öffnen", documents.OPEN_NOTICE,
                         QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                         window)
    notice.show()
    shoot(f"{prefix}c07-dokument-oeffnen-hinweis", notice)
    notice.close()
    for index in range(page.tabs.count()):
        if page.tabs.tabText(index) == "Hilfeplan":
            page.tabs.setCurrentIndex(index)
            shoot(f"{prefix}c08-familie-hilfeplan", window)
    person = page.persons.add()
    person.first.setText("Mia")
    person.show()
    shoot(f"{prefix}c09-person-dialog", person)
    person.draft_keeper.drop()  # close without the question (a tool, not a person)
    person.reject()
    leitung = next(w for w in workers.all_workers(session)
                   if w.data.role is WorkerRole.LEITUNG)
    session.act_as(leitung.id)
    window.ctx.session_changed.emit()
    workspace.show_page("datenschutz")
    shoot(f"{prefix}c10-zugriffsprotokoll", window)
    teilhabe = workspace.show_page("teilhabe")
    tabs = getattr(teilhabe, "main_tabs", None)
    if tabs is not None and tabs.count() > 1:
        tabs.setCurrentIndex(tabs.count() - 1)
    shoot(f"{prefix}c11-teilhabe", window)
    workspace.show_page("berichte")
    shoot(f"{prefix}c12-berichte", window)
    window.lock()


def scaled_size() -> tuple[int, int]:
    """The laptop's 1366x738 in logical pixels at QT_SCALE_FACTOR (1093x590 at 125 %)."""
    import os

    factor = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
    return round(SIZE[0] / factor), round(SIZE[1] / factor)


def fit_tour(app: QApplication, window: MainWindow, folder: Path, shoot: Shooter,
             prefix: str = "") -> None:
    """Issue 18 leftovers, at 1366x738 or (with QT_SCALE_FACTOR=1.25) at 125 %: Heute
    with the recovery-key panel, the lists naming same-surname households by their label
    (Vermittlungen, Einwilligungen, Kinderschutz), the § 8a view in the family file, the
    correction of a contact's date, type and next step, the Verzeichnis (ASD-Bezirke,
    Sprechzeiten) and Teilhabe (caseload with Maßnahmen, Neu aufnehmen, the Leitung's
    Auslastung)."""
    from casework.models.persons.worker import WorkerRole
    from casework.services.kinderschutz import procedures as ks
    from casework.services.persons import workers

    window.show_start(folder)
    workspace = unlock_demo(app, window)
    session = window.ctx.require_session()
    screen = workspace.show_page("heute")
    screen.reload()
    shoot(f"{prefix}f01-heute", window)
    for number, key in ((2, "vermittlungen"), (3, "einwilligungen"), (4, "kinderschutz")):
        workspace.show_page(key)
        shoot(f"{prefix}f0{number}-{key}", window)
    page = workspace.open_family(ks.list_procedures(session)[0].household_id)
    assert page is not None
    _tab(page, "Kinderschutz")
    shoot(f"{prefix}f05-familie-kinderschutz", window)
    from casework.services import contacts as contact_service
    from casework.services.households import households as household_service

    with_contacts = next(h for h in household_service.list_ids(session, limit=50)
                         if contact_service.count(session, h) > 0)
    page = workspace.open_family(with_contacts)
    assert page is not None
    page.tabs.setCurrentWidget(page.contacts)
    page.contacts.view.setCurrentIndex(page.contacts.model.index(0, 0))
    correction = page.contacts.correct()
    if correction is not None:  # date, type and next step corrected like the notes
        correction.type.setCurrentIndex(correction.type.findText("Telefonat"))
        correction.next_step.setText("Rückruf der Schule abwarten")
        correction.reason.setText("war ein Anruf, kein Hausbesuch")
        correction.show()
        shoot(f"{prefix}f05b-kontakt-berichtigen-angaben", correction)
        correction.done(0)  # closed without saving and without a draft (a tool)
    directory = workspace.show_page("verzeichnis")
    tabs = directory.tabs
    tabs.setCurrentIndex(0)
    shoot(f"{prefix}f06-verzeichnis-asd-bezirke", window)
    tabs.setCurrentIndex(1)
    shoot(f"{prefix}f07-verzeichnis-sprechzeiten", window)
    manager = next((w for w in workers.all_workers(session)
                    if w.data.role is WorkerRole.TEILHABEMANAGEMENT), None)
    if manager is not None:  # her caseload, not the owner's empty one
        session.act_as(manager.id)
        window.ctx.session_changed.emit()
    teilhabe = workspace.show_page("teilhabe")
    caseload = teilhabe.caseload
    if caseload.topLevelItemCount():
        caseload.setCurrentItem(caseload.topLevelItem(0))
    client_tabs = teilhabe.tabs
    client_tabs.setCurrentIndex(0)
    shoot(f"{prefix}f08-teilhabe-zielgruppe", window)
    client_tabs.setCurrentIndex(client_tabs.count() - 1)
    shoot(f"{prefix}f09-teilhabe-massnahmen", window)
    main_tabs = teilhabe.main_tabs
    main_tabs.setCurrentIndex(teilhabe.enrol_index)
    shoot(f"{prefix}f10-teilhabe-neu-aufnehmen", window)
    leitung = next(w for w in workers.all_workers(session)
                   if w.data.role is WorkerRole.LEITUNG)
    session.act_as(leitung.id)
    window.ctx.session_changed.emit()
    main_tabs.setCurrentIndex(teilhabe.lead_index)
    shoot(f"{prefix}f11-teilhabe-auslastung", window)
    workspace.show_page("kinderschutz")
    shoot(f"{prefix}f12-kinderschutz-leitung", window)
    window.lock()


# --------------------------------------------------------------------------- user guide

HANDBOOK_NOW = datetime(2026, 11, 17, 10, 30, tzinfo=BERLIN)  # a Tuesday morning
HANDBOOK_SIZE = (1366, 768)
HANDBOOK_FAMILIES = 300


def _tab(page: QWidget, title: str) -> QWidget:
    """Show the family-file tab whose title starts with `title`; returns its content."""
    tabs = page.tabs  # type: ignore[attr-defined]
    for index in range(tabs.count()):
        if tabs.tabText(index).replace("&", "").startswith(title):
            tabs.setCurrentIndex(index)
            widget = tabs.widget(index)
            content = getattr(widget, "materialize", None)
            return content() if content is not None else widget
    raise LookupError(title)


def _row_of(view: object, text: str) -> int:
    model = view.model()  # type: ignore[attr-defined]
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            if text in str(model.index(row, column).data() or ""):
                return row
    raise LookupError(text)


def handbook_tour(app: QApplication, window: MainWindow, folder: Path, shoot: Shooter,
                  scratch: Path) -> None:
    """The pictures of docs/handbuch.md, in the order the guide uses them."""
    from casework.models.consent import ConsentStatus
    from casework.models.kinderschutz.vocabulary import State
    from casework.models.persons.worker import WorkerRole
    from casework.services import referrals_reading
    from casework.services.backup import backups as backup
    from casework.services.consent import lifecycle as consent
    from casework.services.kinderschutz import procedures as ks
    from casework.services.persons import workers

    window.show_start(folder)
    shoot("entsperren", window)
    workspace = unlock_demo(app, window)
    session = window.ctx.require_session()
    workspace.show_page("heute")
    shoot("heute", window)

    familien = workspace.show_page("familien")
    assert isinstance(familien, FamilienScreen)
    shoot("familien", window)

    new = NewHouseholdDialog(window.ctx, window)
    new.form.name.setText("Beispiel-Nowak")
    new.form.street.setText("Lindenstraße 12")
    new.form.plz.setText("46236")
    new.form.district.setCurrentIndex(max(new.form.district.findText("Batenbrock-Süd"), 0))
    new.resize(640, 700)
    new.show()
    shoot("neue-familie", new)
    new.draft_keeper.drop()
    new.reject()

    procedures = {p.state: p for p in ks.list_procedures(session)}
    kaya = procedures[State.S5].household_id
    page = workspace.open_family(kaya)
    assert page is not None
    _tab(page, "Personen")
    shoot("familie-personen", window)

    entry = workspace.open_quick_entry(page.household_id, ask=False)
    assert entry is not None
    entry.note.setPlainText("Hausbesuch: Amira war heute fit und hat gefrühstückt. Die Mutter "
                            "hat den Wochenplan an den Kühlschrank gehängt.")
    entry.next_step.setText("Termin Erziehungsberatung begleiten")
    entry.follow_up.setText("+7")
    entry.resize(760, 700)
    shoot("kontakt-erfassen", entry)
    entry.discard()

    neumann = procedures[State.S6]
    page = workspace.open_family(neumann.household_id)
    assert page is not None
    tab = _tab(page, "Kinderschutz")
    tab.select(neumann.id)  # type: ignore[attr-defined]
    shoot("kinderschutz-verfahren", window)

    leitung = next(w for w in workers.all_workers(session)
                   if w.data.role is WorkerRole.LEITUNG)
    me = session.actor_id
    session.act_as(leitung.id)
    window.ctx.session_changed.emit()
    screen = workspace.show_page("kinderschutz")
    screen.refresh()  # type: ignore[union-attr]
    screen.select_item(0)  # type: ignore[union-attr]
    shoot("kinderschutz-freigabe", window)

    teilhabe_screen = workspace.show_page("teilhabe")
    teilhabe_screen.reload()  # type: ignore[union-attr]
    teilhabe_screen.main_tabs.setCurrentIndex(  # type: ignore[union-attr]
        teilhabe_screen.lead_index)  # type: ignore[union-attr]
    shoot("teilhabe-auslastung", window)
    session.act_as(me)
    window.ctx.session_changed.emit()

    rows = consent.overview(session)
    brandt = next(r for r in rows if r.status is ConsentStatus.WIDERRUFEN).consent.household_id
    page = workspace.open_family(brandt)
    assert page is not None
    tab = _tab(page, "Einwilligungen")
    tab.select_row(_row_of(tab.view, ConsentStatus.ENTWURF.value))  # type: ignore[attr-defined]
    shoot("einwilligungen", window)

    given = next(r for r in rows if r.status is ConsentStatus.GUELTIG
                 and r.consent.household_id == brandt) if any(
        r.status is ConsentStatus.GUELTIG and r.consent.household_id == brandt for r in rows
    ) else next(r for r in rows if r.status is ConsentStatus.GUELTIG)
    from casework.ui.consent.dialogs import WithdrawDialog

    withdraw = WithdrawDialog(window.ctx, given.consent, window)
    withdraw.adjustSize()
    withdraw.resize(760, withdraw.height())
    withdraw.show()
    shoot("einwilligung-widerrufen", withdraw)
    withdraw.reject()

    sent = next(r for r in referrals_reading.overview(session) if r.state.value == "übermittelt")
    page = workspace.open_family(sent.referral.data.household_id)
    assert page is not None
    tab = _tab(page, "Vermittlungen")
    tab.select(sent.id)  # type: ignore[attr-defined]
    shoot("vermittlung-familie", window)
    workspace.show_page("vermittlungen")
    shoot("vermittlungen", window)

    berichte = workspace.show_page("berichte")
    year = QDate(HANDBOOK_NOW.year, 1, 1)
    berichte.von.setDate(year)  # type: ignore[union-attr]
    berichte.bis.setDate(year.addYears(1).addDays(-1))  # type: ignore[union-attr]
    berichte.compute()  # type: ignore[union-attr]
    wait_for(app, lambda: not berichte.computing)  # type: ignore[union-attr]
    shoot("berichte", window)
    berichte.tabs.setCurrentIndex(1)  # type: ignore[union-attr]
    panel = berichte.offers  # type: ignore[union-attr]
    panel.list.setCurrentItem(panel.list.topLevelItem(0))
    shoot("gruppenangebote", window)
    berichte.tabs.setCurrentIndex(0)  # type: ignore[union-attr]

    stick = scratch / "USB-STICK"
    stick.mkdir(parents=True, exist_ok=True)
    backup.set_schedule(session, stick, 24)
    job = backup.begin_backup(session, stick / backup.backup_file_name(
        session.vault.header.vault_id, session.clock.now()))
    backup.end_backup(session, job, backup.write_backup(job))
    from casework.ui.backup.backup_action import BackupDialog

    dialog = BackupDialog(window.ctx, window)
    dialog.adjustSize()
    dialog.resize(600, dialog.height())
    dialog.show()
    shoot("sicherung", dialog)
    dialog.reject()

    workspace.show_page("heute")
    window.lock()
    shoot("gesperrt", window)


FLOW_SIZE = (1366, 728)  # 1366x768 minus a 40 px taskbar


def flow_tour(app: QApplication, window: MainWindow, folder: Path, shoot: Shooter,
              prefix: str = "") -> None:
    """Issue 18 part B states at 1366x768: Heute grouped, the § 8a review gate, both sides
    of the hand-over, the Schutzplan, Mitteilung and assessment forms, the consent form
    and recording a transfer that the consent check refuses."""
    from casework.models.kinderschutz.vocabulary import State
    from casework.models.persons.worker import WorkerRole
    from casework.services import referrals, referrals_reading, referrals_transfer
    from casework.services.kinderschutz import procedures as ks
    from casework.services.persons import workers
    from casework.ui.consent.dialogs import NewConsentDialog
    from casework.ui.kinderschutz import dialogs_records as rec
    from casework.ui.kinderschutz import dialogs_steps as steps
    from casework.ui.referrals.dialogs import SendDialog

    window.show_start(folder)
    workspace = unlock_demo(app, window)
    session = window.ctx.require_session()
    workspace.show_page("heute")
    shoot(f"{prefix}flow-01-heute", window)

    procedures = {p.state: p for p in ks.list_procedures(session)}
    kaya = procedures[State.S5]
    page = workspace.open_family(kaya.household_id)
    assert page is not None
    tab = _tab(page, "Kinderschutz")
    tab.select(kaya.id)  # type: ignore[attr-defined]
    shoot(f"{prefix}flow-02-verfahren-bei-der-leitung", window)
    view = tab.procedure  # type: ignore[attr-defined]
    for key, name in (("assessment", "einschaetzung"), ("plan", "schutzplan")):
        dialog = rec.AssessmentDialog(window.ctx, view.file, window) if key == "assessment" \
            else steps.PlanDialog(window.ctx, view.file, window)
        if key == "assessment":
            dialog.add_rating("Grundversorgung und Schutz", None)
        dialog.show()
        shoot(f"{prefix}flow-03-{name}", dialog)
        dialog.reject()
    mitteilung = steps.MitteilungDialog(window.ctx, view.file, window)
    mitteilung.meeting_held.setChecked(True)
    mitteilung.show()
    shoot(f"{prefix}flow-04-mitteilung", mitteilung)
    mitteilung.reject()

    screen = workspace.show_page("kinderschutz")
    screen.refresh()  # type: ignore[union-attr]
    shoot(f"{prefix}flow-05-kinderschutz-fachkraft", window)
    leitung = next(w for w in workers.all_workers(session)
                   if w.data.role is WorkerRole.LEITUNG)
    me = session.actor_id
    session.act_as(leitung.id)
    window.ctx.session_changed.emit()
    screen.refresh()  # type: ignore[union-attr]
    screen.select_item(0)  # type: ignore[union-attr]
    shoot(f"{prefix}flow-06-kinderschutz-leitung", window)
    session.act_as(me)
    window.ctx.session_changed.emit()

    consent_dialog = NewConsentDialog(window.ctx, kaya.household_id, window)
    consent_dialog.show()
    shoot(f"{prefix}flow-07-einwilligung-neu", consent_dialog)
    consent_dialog.reject()
    blocked = next((r.referral for r in referrals_reading.overview(session)
                    if r.state.value in ("vorgeschlagen", "mit Einverständnis der Familie")
                    and not referrals_transfer.check_transfer(session, r.id).allowed), None)
    if blocked is None:  # a referral of a child without consent (demo data only)
        from casework.models.referrals import ReferralDraft
        from casework.services.households import households

        child = households.members(session, kaya.household_id)[-1].id
        district = referrals.recipient_choices(session, kaya.household_id).districts[0]
        rid, _ = referrals.create(session, ReferralDraft(kaya.household_id, (child,),
                                                         district, "Beratung"))
        blocked = referrals_reading.get(session, rid)
    send = SendDialog(window.ctx, blocked, window)
    send.show()
    shoot(f"{prefix}flow-08-uebermittlung-festhalten", send)
    send.reject()
    window.lock()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "screenshots"))
    parser.add_argument("--vault", help="existing demo vault (passphrase: the demo one)")
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--handbuch", action="store_true",
                        help="the pictures of the user guide, into docs/img")
    parser.add_argument("--teilhabe", action="store_true",
                        help="Teilhabemanagement and the reports against targets at 1366x768")
    parser.add_argument("--flow", action="store_true",
                        help="only the § 8a, consent and Heute states (issue 18) at 1366x728")
    parser.add_argument("--records", action="store_true",
                        help="only the issue-18 states (Ctrl+K picker, same surnames, note "
                             "snippets, duplicate warning, correction, Nachtrag) at 1366×768")
    parser.add_argument("--fit", action="store_true",
                        help="only the issue-18 leftovers (recovery-key panel, household "
                             "labels in lists, Kinderschutz, § 8a view, Verzeichnis, "
                             "Teilhabe) at 1366x738; with QT_SCALE_FACTOR=1.25 at 125 %%")
    parser.add_argument("--fuehrungszeugnisse", action="store_true",
                        help="the § 72a register and „Wer hat offen?“ at 1366×768, light "
                             "and dark, into --out")
    args = parser.parse_args()
    if args.fuehrungszeugnisse:
        return vetting_shots(Path(args.out))
    if args.teilhabe:
        from tools import screenshots_teilhabe

        if args.handbuch:
            return screenshots_teilhabe.main(REPO / "docs" / "img", handbook=True)
        return screenshots_teilhabe.main(Path(args.out))
    if args.handbuch:
        return handbook(Path(args.out) if args.out != parser.get_default("out")
                        else REPO / "docs" / "img")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    temp = tempfile.TemporaryDirectory(prefix="casework-shots-")
    folder = Path(args.vault) if args.vault else Path(temp.name) / "demo-vault"
    if not session_service.is_vault(folder):
        print(f"Demo-Akte mit {args.families} erfundenen Familien wird angelegt …")
        make_vault(folder, args.families)

    app = german_app()
    shoot = Shooter(app, out)
    settings = Settings(QSettings(str(Path(temp.name) / "ui.ini"), QSettings.Format.IniFormat))
    size = (FLOW_SIZE if args.flow else HANDBOOK_SIZE if args.records
            else scaled_size() if args.fit else SIZE)
    light = app.palette()
    for prefix, palette in (("", light), ("dunkel-", dark_palette())):
        # What a system dark theme does: a different palette. The app sets no colours of
        # its own, so every screen must follow it.
        app.setPalette(palette)
        with main_window(app, folder, settings, NOW, size) as window:
            if args.flow:
                flow_tour(app, window, folder, shoot, prefix)
            elif args.records:
                records_tour(app, window, folder, shoot, prefix)
            elif args.fit:
                fit_tour(app, window, folder, shoot, prefix)
            else:
                tour(app, window, folder, shoot, prefix)
                laptop_tour(app, window, folder, shoot, prefix)
    print(f"{len(shoot.taken)} Bildschirmfotos in {out}")
    temp.cleanup()
    return 0


def handbook(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    # A fixed folder name, so the paths shown on the pictures are the same on every run.
    scratch = Path(tempfile.gettempdir()) / "casework-handbuch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    folder = scratch / "demo-akte"
    print(f"Demo-Akte mit {HANDBOOK_FAMILIES} erfundenen Familien wird angelegt …")
    make_vault(folder, HANDBOOK_FAMILIES, HANDBOOK_NOW)
    app = german_app()
    shoot = Shooter(app, out, small=True)
    settings = Settings(QSettings(str(scratch / "ui.ini"), QSettings.Format.IniFormat))
    try:
        with main_window(app, folder, settings, HANDBOOK_NOW, HANDBOOK_SIZE) as window:
            handbook_tour(app, window, folder, shoot, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{len(shoot.taken)} Bilder in {out}")
    return 0


def vetting_tour(app: QApplication, window: MainWindow, folder: Path, shoot: Shooter,
                 prefix: str) -> None:
    """The § 72a register (issue 21) and the directory's „Wer hat offen?“ / „Bitte prüfen“."""
    from casework.ui.directory.screen import VerzeichnisScreen
    from casework.ui.vetting.dialogs import ActivityDialog, InspectionDialog
    from casework.ui.vetting.screen import VettingScreen

    window.show_start(folder)
    workspace = unlock_demo(app, window)
    workspace.show_page("heute")
    shoot(f"{prefix}fz-01-heute", window)
    register = workspace.show_page("fuehrungszeugnisse")
    assert isinstance(register, VettingScreen)
    register.view.selectRow(_row_of(register.view, "Tobias Brandt"))
    shoot(f"{prefix}fz-02-register", window)
    member = register.selected()
    assert member is not None
    activity = ActivityDialog(window.ctx, member.file.member, window,
                              member.file.activities[0])
    activity.show()
    shoot(f"{prefix}fz-03-taetigkeit", activity)
    activity.reject()
    inspection = InspectionDialog(window.ctx, member.file.member, window)
    inspection.certificate.setText("01.05.2026")
    inspection.show()
    inspection.accept()  # older than three months: the message under the field
    shoot(f"{prefix}fz-04-einsicht-zu-alt", inspection)
    inspection.reject()
    register.filter.setCurrentIndex(register.filter.findData("may"))
    shoot(f"{prefix}fz-05-darf-mit-kindern", window)
    register.filter.setCurrentIndex(0)
    directory = workspace.show_page("verzeichnis")
    assert isinstance(directory, VerzeichnisScreen)
    directory.tabs.setCurrentIndex(3)
    directory.open_bar.moment.setText("17.11.2026 10:30")
    directory.open_bar.ask()
    shoot(f"{prefix}fz-06-wer-hat-offen", window)
    directory.open_bar.moment.setText("25.12.2026 10:00")
    directory.open_bar.place.setText("Batenbrock")
    directory.open_bar.ask()
    shoot(f"{prefix}fz-07-feiertag-geschlossen", window)
    directory.tabs.setCurrentIndex(directory.tabs.count() - 1)
    shoot(f"{prefix}fz-08-bitte-pruefen", window)
    window.lock()


def vetting_shots(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    temp = tempfile.TemporaryDirectory(prefix="casework-fz-")
    folder = Path(temp.name) / "demo-akte"
    make_vault(folder, 30, HANDBOOK_NOW)
    app = german_app()
    shoot = Shooter(app, out)
    settings = Settings(QSettings(str(Path(temp.name) / "ui.ini"), QSettings.Format.IniFormat))
    for prefix, palette in (("", app.palette()), ("dunkel-", dark_palette())):
        app.setPalette(palette)
        with main_window(app, folder, settings, HANDBOOK_NOW, HANDBOOK_SIZE) as window:
            vetting_tour(app, window, folder, shoot, prefix)
    print(f"{len(shoot.taken)} Bildschirmfotos in {out}")
    temp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
