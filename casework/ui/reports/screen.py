"""Berichte: pick a period, compute the Jahresbericht Quartiersarbeit or the
Programm-Monitoring Teilhabemanagement, see the numbers (already suppressed below k,
LR-39) and save them as PDF and CSV. A second tab records the Stadtteilbüro's group
offers and their attendance, which the Jahresbericht counts."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.clock import Clock, local_today
from casework.errors import UserError
from casework.models.ids import WorkerId
from casework.models.reports import DEFAULT_K, NO_DATA, Report, suppress
from casework.reports.export import TITLES, Produced, ReportKind, build, produce
from casework.services import session as session_service
from casework.services.session import Session, UnwrappedKey
from casework.ui import documents, vault_jobs
from casework.ui.context import UiContext
from casework.ui.lazy import LazyPage
from casework.ui.offers.panel import OffersPanel
from casework.ui.widgets import FlowLayout, heading, labelled, named


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class BerichteScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: Report | None = None
        self._computing = False
        self.save_job: vault_jobs.VaultJob | None = None
        today = local_today(ctx.clock)
        self.kind = QComboBox(self)
        named(self.kind, "Bericht")
        for kind in ReportKind:
            self.kind.addItem(TITLES[kind], kind.value)
        self.von = QDateEdit(_qdate(date(today.year - 1, 1, 1)), self)
        self.bis = QDateEdit(_qdate(date(today.year - 1, 12, 31)), self)
        for edit, name in ((self.von, "Zeitraum von"), (self.bis, "Zeitraum bis")):
            edit.setDisplayFormat("dd.MM.yyyy")
            edit.setCalendarPopup(True)
            named(edit, name)
        self.k = QSpinBox(self)
        self.k.setRange(DEFAULT_K, 100)  # five is a floor (small numbers identify families)
        self.k.setValue(5)
        named(self.k, "Kleinste ausgewiesene Fallzahl (k)")
        self.compute_button = QPushButton("Be&rechnen", self)
        named(self.compute_button, "Bericht berechnen")
        self.compute_button.clicked.connect(self.compute)
        self.save_button = QPushButton("Als PDF und CSV &speichern…", self)
        named(self.save_button, "Bericht als PDF und CSV speichern")
        self.save_button.clicked.connect(self.save)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        named(self.summary, "Kennzahlen")
        self.legend = QLabel(self)
        self.legend.setWordWrap(True)
        named(self.legend, "Legende der verdeckten Werte")
        self.table = QTreeWidget(self)
        named(self.table, "Zahlen des Berichts")
        self.table.setHeaderLabels(["Tabelle / Zeile", "Spalte", "Wert"])
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        row = FlowLayout()
        for label, widget in (
            ("Bericht", self.kind),
            ("von", self.von),
            ("bis", self.bis),
            ("k", self.k),
        ):
            row.addWidget(labelled(label, widget, self))
        row.addWidget(self.compute_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        reports_page = QWidget(self)
        page_layout = QVBoxLayout(reports_page)
        page_layout.addLayout(row)
        page_layout.addWidget(self.summary)
        page_layout.addWidget(self.table, 1)
        page_layout.addWidget(self.legend)
        # Gruppenangebote: built when its tab is first shown.
        self.offers_page: LazyPage[OffersPanel] = LazyPage(lambda page: OffersPanel(ctx, page),
                                                           self)
        self.tabs = QTabWidget(self)
        named(self.tabs, "Berichte und Gruppenangebote")
        self.tabs.addTab(reports_page, "&Berichte")
        self.tabs.addTab(self.offers_page, "&Gruppenangebote")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Berichte", self))
        layout.addWidget(self.tabs, 1)

    @property
    def offers(self) -> OffersPanel:
        return self.offers_page.content

    def period(self) -> tuple[ReportKind, date, date]:
        return (
            ReportKind(self.kind.currentData()),
            _pydate(self.von.date()),
            _pydate(self.bis.date()),
        )

    @property
    def computing(self) -> bool:
        return self._computing

    def compute(self) -> None:
        """„Berechnen“: the statistics run on the worker thread on the vault's own second
        connection (the Jahresbericht of a large vault takes most of a second); the screen
        stays usable and shows the report when it is ready."""
        if self._computing:
            return
        kind, first, last = self.period()
        session = self.ctx.require_session()
        self._computing = True
        self.compute_button.setEnabled(False)
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.ctx.tasks.submit(_report_job, session_service.background_key(session),
                              self.ctx.clock, session.actor_id, kind, first, last,
                              self.k.value(), on_done=self._computed, on_error=self._failed,
                              owner=self)

    def _computed(self, report: Report) -> None:
        self._finish()
        self.show_report(report)

    def _failed(self, error: BaseException) -> None:
        self._finish()
        if isinstance(error, CancelledError):
            return  # the vault was locked before the job ran
        if not isinstance(error, UserError):
            raise error
        if self.ctx.is_unlocked:
            self.ctx.report(error)

    def _finish(self) -> None:
        self._computing = False
        self.compute_button.setEnabled(True)
        self.unsetCursor()

    def show_report(self, report: Report) -> None:
        self.report = report
        self.summary.setText(
            f"{report.title}, {report.period}: "
            + "; ".join(f"{label}: {value}" for label, value in report.key_figures[1:])
        )
        self.table.clear()
        legends: list[str] = []
        for section, tables in report.sections:
            top = QTreeWidgetItem([section, "", ""])
            self.table.addTopLevelItem(top)
            for table in tables:
                empty = "" if table.rows else "keine Einträge im Zeitraum"
                node = QTreeWidgetItem([table.title, "", empty if table.available else NO_DATA])
                top.addChild(node)
                if not table.available:
                    continue
                shown = suppress(table, report.k)
                if shown.legend and shown.legend not in legends:
                    legends.append(shown.legend)
                for label, cells in shown.rows:
                    for column, cell in zip(shown.columns, cells, strict=True):
                        node.addChild(QTreeWidgetItem([label, column, cell]))
            top.setExpanded(True)
        self.legend.setText(" ".join(legends))

    def save(self) -> None:
        kind, first, last = self.period()
        suggested = f"{kind.value}_{first:%Y-%m-%d}_{last:%Y-%m-%d}.pdf"
        target = documents.choose_pdf_target(self, "Bericht speichern", suggested)
        if not target:
            return
        pdf = Path(target)
        if pdf.suffix.lower() != ".pdf":
            pdf = pdf.with_suffix(".pdf")
        # Statistics, PDF and CSV on the worker thread; the screen stays usable. Writing
        # is atomic per file; a lock before the job starts cancels it.
        self.save_button.setEnabled(False)

        def saved(produced: Produced) -> None:
            self.save_button.setEnabled(True)
            self.show_report(produced.report)
            self.ctx.messages.info(
                self, "Bericht gespeichert",
                f"PDF und CSV wurden gespeichert ({pdf.name}, {pdf.with_suffix('.csv').name}).")

        self.save_job = vault_jobs.start(
            self.ctx, self, "Bericht speichern", "Der Bericht wird berechnet und gespeichert …",
            _save_job, kind, first, last, pdf, self.k.value(), on_done=saved,
            on_failed=lambda _error: self.save_button.setEnabled(True))


def _save_job(session: Session, cancel: threading.Event, kind: ReportKind, first: date,
              last: date, pdf: Path, k: int) -> Produced:
    """On the worker thread: compute the report and write PDF and CSV."""
    vault_jobs.check(cancel)
    return produce(session, kind, first, last, pdf_path=pdf, csv_path=pdf.with_suffix(".csv"),
                   k=k)


def _report_job(key: UnwrappedKey, clock: Clock, actor_id: WorkerId, kind: ReportKind,
                first: date, last: date, k: int) -> Report:
    """On the worker thread: open, compute (reads only), close."""
    session = session_service.open_background(key, clock, actor_id, "")
    try:
        return build(session, kind, first, last, k)
    finally:
        session.close()


def create(ctx: UiContext) -> QWidget:
    return BerichteScreen(ctx)
