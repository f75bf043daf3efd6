"""Screenshots of Teilhabemanagement and the reports against targets at 1366x768 (not a
test; for looking at the states of issues 18 and 21):

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python tools/screenshots.py --teilhabe
    ... tools/screenshots.py --teilhabe --handbuch   # its pictures of docs/handbuch.md

Enrolment with the target-group check (a 17-year-old with Gestattung), the message after
enrolling, the waiting list, a person excluded from funding, measures past the funding
period, the caseload search, the Leitung's dashboard (key, Stichtag count), and the
Berichte screen with the Jahresbericht (targets, criteria, Kennzahlen), the monitoring and
the yearly § 8a evaluation; then a dark-palette pass of two of them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, QSettings
from PySide6.QtWidgets import QApplication, QWidget

from casework.models.persons.worker import WorkerRole
from casework.reports.export import ReportKind
from casework.services import teilhabe as tm
from casework.services.persons import workers
from casework.ui.main_window import MainWindow
from casework.ui.reports.screen import BerichteScreen
from casework.ui.settings import Settings
from casework.ui.teilhabe.screen import TeilhabeScreen
from tools.screenshots import (
    HANDBOOK_FAMILIES,
    HANDBOOK_NOW,
    NOW,
    Shooter,
    dark_palette,
    german_app,
    main_window,
    make_vault,
    unlock_demo,
)

SIZE = (1366, 768)
# The pictures docs/handbuch.md shows (taken with --teilhabe --handbuch into docs/img).
HANDBOOK = {"teilhabe-aufnahme": "teilhabe-aufnahme-minderjaehrig",
            "teilhabe-warteliste": "teilhabe-aufgenommen-warteliste",
            "teilhabe-massnahmen": "teilhabe-massnahmen-foerderende",
            "teilhabe-auslastung": "teilhabe-auslastung",
            "berichte": "berichte-ziele"}


class _Only:
    """A shooter that keeps only the handbook's pictures, under their handbook names."""

    def __init__(self, shoot: Shooter) -> None:
        self.shoot = shoot
        self.taken = shoot.taken
        self.names = {state: picture for picture, state in HANDBOOK.items()}

    def __call__(self, name: str, widget: QWidget) -> None:
        if name in self.names:
            self.shoot(self.names[name], widget)


def _select(screen: TeilhabeScreen, client_id: str) -> None:
    screen.show_client_where_it_is(client_id)


def tour(app: QApplication, window: MainWindow, folder: Path,
         shoot: Callable[[str, QWidget], None], prefix: str = "") -> None:
    window.show_start(folder)
    workspace = unlock_demo(app, window)
    session = window.ctx.require_session()
    owner = session.actor_id
    screen = workspace.show_page("teilhabe")
    assert isinstance(screen, TeilhabeScreen)

    # The Fachkraft (vault owner) takes someone in: target-group check, then the result.
    screen.main_tabs.setCurrentIndex(screen.enrol_index)
    form = screen.enrol
    form.first.setText("Dawit")
    form.last.setText("Beispiel")
    form.birth.setText("03.02.2009")
    form.gender.setCurrentText("männlich")
    form.status.setCurrentText("Gestattung")
    form.update_check()
    shoot(f"{prefix}teilhabe-aufnahme-minderjaehrig", window)
    if prefix:
        return
    form.birth.setText("03.02.2002")
    form.status.setCurrentText("Duldung")
    form.update_check()
    form.save()
    shoot("teilhabe-aufgenommen-warteliste", window)
    form.show_enrolled()
    shoot("teilhabe-warteliste", window)

    # The Teilhabemanagerin: her caseload, an excluded person, a measure past the period.
    samira = next(w for w in workers.all_workers(session) if w.name == "Samira Test")
    session.act_as(samira.id)
    window.ctx.session_changed.emit()
    rows = tm.caseload(session)
    excluded = next(r.client.id for r in rows if r.client.data.exclusions)
    late = next(r.client.id for r in rows
                if any(tm.measure_warnings(session, m.data)
                       for m in tm.measures(session, r.client.id)))
    _select(screen, excluded)
    screen.tabs.setCurrentIndex(0)
    shoot("teilhabe-ausschluss", window)
    screen.tabs.setCurrentWidget(screen.measures)
    shoot("teilhabe-massnahmen-gesperrt", window)
    _select(screen, late)
    shoot("teilhabe-massnahmen-foerderende", window)
    screen.search.setText("Ha")
    shoot("teilhabe-suche", window)
    screen.search.clear()

    leitung = next(w for w in workers.all_workers(session) if w.data.role is WorkerRole.LEITUNG)
    session.act_as(leitung.id)
    window.ctx.session_changed.emit()
    screen.main_tabs.setCurrentIndex(screen.lead_index)
    shoot("teilhabe-auslastung", window)

    berichte = workspace.show_page("berichte")
    assert isinstance(berichte, BerichteScreen)
    year = QDate(window.ctx.clock.now().year, 1, 1)
    berichte.von.setDate(year)
    berichte.bis.setDate(year.addYears(1).addDays(-1))
    for kind, name in ((ReportKind.JAHRESBERICHT, "berichte-ziele"),
                       (ReportKind.MONITORING, "berichte-monitoring"),
                       (ReportKind.KINDERSCHUTZ, "berichte-kinderschutz")):
        berichte.kind.setCurrentIndex(berichte.kind.findData(kind.value))
        berichte.compute()
        for i in range(min(2, berichte.table.topLevelItemCount())):
            section = berichte.table.topLevelItem(i)
            for j in range(section.childCount() if section is not None else 0):
                child = section.child(j) if section is not None else None
                if child is not None:
                    child.setExpanded(True)
        shoot(name, window)
    session.act_as(owner)
    window.ctx.session_changed.emit()


def main(out: Path, families: int = 60, *, handbook: bool = False) -> int:
    out.mkdir(parents=True, exist_ok=True)
    temp = tempfile.TemporaryDirectory(prefix="casework-teilhabe-")
    folder = Path(temp.name) / "demo-vault"
    now = HANDBOOK_NOW if handbook else NOW
    make_vault(folder, HANDBOOK_FAMILIES if handbook else families, now)
    app = german_app()
    shooter = Shooter(app, out, small=handbook)
    shoot: Callable[[str, QWidget], None] = _Only(shooter) if handbook else shooter
    settings = Settings(QSettings(str(Path(temp.name) / "ui.ini"), QSettings.Format.IniFormat))
    light = app.palette()
    passes = (("", light),) if handbook else (("", light), ("dunkel-", dark_palette()))
    for prefix, palette in passes:
        app.setPalette(palette)
        with main_window(app, folder, settings, now, SIZE) as window:
            tour(app, window, folder, shoot, prefix)
    app.setPalette(light)
    print(f"{len(shooter.taken)} Bildschirmfotos in {out}")
    temp.cleanup()
    return 0
