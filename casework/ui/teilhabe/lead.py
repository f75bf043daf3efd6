"""Teilhabemanagement for the Leitung: utilisation per worker against the key, the
waiting list, (re)assignment (beyond the key only with a written reason) and the
Ausländerbehörde's count of the target group on a Stichtag (basis of the funded posts)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError
from casework.models.persons.worker import WorkerRole
from casework.services import teilhabe as tm
from casework.ui.persons import reauth
from casework.ui.teilhabe.tables import ID_ROLE, Host, SortItem, tree
from casework.ui.widgets import (
    format_date,
    heading,
    line_edit,
    named,
    parse_date,
    warning_label,
)


class LeadDashboard(QWidget):
    """Leitung: utilisation per worker, waiting list, (re)assignment."""

    def __init__(self, screen: Host) -> None:
        super().__init__()  # parented by the screen's tab widget
        self.host = screen
        self.loads = QVBoxLayout()
        self.warning = warning_label("", self)  # readable in light and dark palettes
        named(self.warning, "Auslastungswarnung")
        self.waiting = tree("Warteliste", ["Aufnahme", "Name", "Zielgruppe", "Begründung"], self)
        self.all_clients = tree(
            "Alle Klient/innen", ["Name", "Zuständig", "Status", "Zielgruppe"], self
        )
        self.worker = QComboBox(self)
        named(self.worker, "Zuweisen an")
        self.reason = line_edit(
            "Grund der Umverteilung", self,
            "Grund (bei Umverteilung und über den Schlüssel hinaus erforderlich)",
        )
        self.assign_button = QPushButton("&Zuweisen / umverteilen", self)
        named(self.assign_button, "Ausgewählte Person zuweisen oder umverteilen")
        self.assign_button.clicked.connect(self.assign_selected)
        self.distribute_button = QPushButton("Warteliste &verteilen", self)
        named(self.distribute_button, "Warteliste gerecht auf freie Plätze verteilen")
        self.distribute_button.clicked.connect(self.distribute)
        self.over = QCheckBox("über den Schlüssel hinaus", self)
        named(self.over, "Über den Schlüssel hinaus zuweisen (schriftliche Begründung nötig)")
        self.counts = TargetCountBox(self)
        self.history = QLabel(self)
        self.history.setWordWrap(True)
        named(self.history, "Zuweisungsverlauf")
        self.all_clients.currentItemChanged.connect(lambda *_: self.show_history())
        row = QHBoxLayout()  # the reason on a line of its own: fits at 125 % (issue 18)
        row.addWidget(QLabel("Zuweisen an", self))
        row.addWidget(self.worker)
        row.addWidget(self.over)
        row.addStretch(1)
        row.addWidget(self.assign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Auslastung je Fachkraft (Schlüssel laut Profil)", self, 1.05))
        layout.addLayout(self.loads)
        layout.addWidget(self.warning)
        layout.addWidget(heading("Warteliste", self, 1.05))
        layout.addWidget(self.waiting, 1)
        layout.addWidget(self.distribute_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(heading("Alle Klient/innen", self, 1.05))
        layout.addWidget(self.all_clients, 1)
        layout.addLayout(row)
        layout.addWidget(self.reason)
        layout.addWidget(self.history)
        layout.addWidget(self.counts)
        self.bars: dict[str, QProgressBar] = {}

    def load(self) -> None:
        session = self.host.ctx.require_session()
        while self.loads.count():
            layout_item = self.loads.takeAt(0)
            widget = layout_item.widget() if layout_item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.bars = {}
        warnings = []
        self.worker.clear()
        for load in tm.dashboard(session):
            cap = load.capacity
            bar = QProgressBar(self)
            named(bar, f"Auslastung {load.worker.name}")
            bar.setRange(0, max(cap.places, 1))
            bar.setValue(min(cap.active, max(cap.places, 1)))
            bar.setFormat(f"{load.worker.name}: {cap.text()}")
            bar.setTextVisible(True)
            self.loads.addWidget(bar)
            self.bars[load.worker.id] = bar
            if cap.warning:
                warnings.append(
                    f"{load.worker.name}: {cap.text()} – über {round(cap.warn_above * 100)} %"
                )
            if load.worker.data.role is WorkerRole.TEILHABEMANAGEMENT:
                self.worker.addItem(f"{load.worker.name} ({cap.text()})", load.worker.id)
        self.warning.setText("Warnung: " + "; ".join(warnings) if warnings else "")
        self.counts.load()
        self.waiting.clear()
        for row in tm.waiting_list(session):
            item = SortItem(
                [
                    format_date(row.client.data.intake_on),
                    row.client.display_name,
                    row.eligibility.verdict.value,
                    "; ".join(row.eligibility.reasons),
                ]
            )
            item.setData(0, ID_ROLE, row.client.id)
            self.waiting.addTopLevelItem(item)
        self.all_clients.clear()
        for row in tm.all_clients(session):
            item = SortItem(
                [
                    row.client.display_name,
                    row.worker_name or "Warteliste",
                    row.client.state.value,
                    row.eligibility.verdict.value,
                ]
            )
            item.setData(0, ID_ROLE, row.client.id)
            self.all_clients.addTopLevelItem(item)

    def selected_client(self) -> str | None:
        for view in (self.waiting, self.all_clients):
            item = view.currentItem()
            if item is not None and view.hasFocus():
                return str(item.data(0, ID_ROLE))
        for view in (self.all_clients, self.waiting):
            item = view.currentItem()
            if item is not None:
                return str(item.data(0, ID_ROLE))
        return None

    def assign_selected(self) -> None:
        client_id = self.selected_client()
        worker_id = self.worker.currentData()
        if client_id is None or worker_id is None:
            self.host.ctx.messages.info(
                self, "Zuweisen", "Bitte eine Person und eine Fachkraft auswählen."
            )
            return
        ctx = self.host.ctx
        current = tm.get(ctx.require_session(), client_id).worker_id
        over = self.over.isChecked()
        if over and not self.reason.text().strip():
            ctx.messages.error(
                self, "Zuweisen", "Begründung: über den Schlüssel hinaus nur mit schriftlicher "
                "Begründung zuweisen."
            )
            return
        auth = None
        if (current is not None and current != worker_id) or over:  # reserved acts
            auth = reauth.authorize(ctx, self, "Umverteilen" if current else "Zuweisen")
            if auth is None:
                return
        done = ctx.run(tm.assign, client_id, worker_id, self.reason.text(),
                       allow_over_capacity=over, auth=auth)
        if done is not None:
            ctx.confirm("Zuweisung gespeichert.")
            self.reason.clear()
            self.over.setChecked(False)

    def distribute(self) -> None:
        changes = self.host.ctx.run(tm.distribute_waiting)
        if changes is not None:
            self.host.ctx.confirm("Warteliste verteilt.")

    def show_history(self) -> None:
        item = self.all_clients.currentItem()
        if item is None:
            self.history.setText("")
            return
        entries = tm.assignment_history(
            self.host.ctx.require_session(), str(item.data(0, ID_ROLE))
        )
        parts = []
        for e in entries:
            step = f"{format_date(e.on)} {e.from_worker or 'Warteliste'} → "
            step += e.to_worker or "Warteliste"
            parts.append(step + (f" ({e.reason})" if e.reason else ""))
        self.history.setText("Verlauf: " + "; ".join(parts) if parts else "")




class TargetCountBox(QGroupBox):
    """The Ausländerbehörde's count of 18-27-year-olds in Duldung / Gestattung on a
    Stichtag (source 000:3453-3455, 3512-3521): what the funded posts rest on."""

    def __init__(self, dashboard: LeadDashboard) -> None:
        super().__init__("Zielgruppe am Stichtag (Zahl der Ausländerbehörde)", dashboard)
        self.dashboard = dashboard
        self.stichtag = line_edit("Stichtag", self, "TT.MM.JJJJ")
        self.duldung = QSpinBox(self)
        self.gestattung = QSpinBox(self)
        for box, name in ((self.duldung, "Anzahl Duldung"), (self.gestattung, "Anzahl Gestattung")):
            box.setRange(0, 100000)
            named(box, name)
        self.source = line_edit(
            "Quelle der Zahl", self, "Quelle, z. B. Ausländerbehörde, Auszug vom …"
        )
        self.save_button = QPushButton("Fest&halten", self)
        named(self.save_button, "Zahl der Zielgruppe festhalten")
        self.save_button.clicked.connect(self.save)
        self.current = QLabel(self)
        self.current.setWordWrap(True)
        named(self.current, "Zuletzt festgehaltene Zahl der Zielgruppe")
        row = QHBoxLayout()
        for label, widget in (("Stichtag", self.stichtag), ("Duldung", self.duldung),
                              ("Gestattung", self.gestattung)):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            row.addWidget(caption)
            row.addWidget(widget)
        row.addStretch(1)
        # the source and the button on a second line: in one line with the count the box
        # was wider than a 125 % laptop leaves (issue 18)
        second = QHBoxLayout()
        second.addWidget(self.source, 1)
        second.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(second)
        layout.addWidget(self.current)

    def load(self) -> None:
        ctx = self.dashboard.host.ctx
        found = tm.target_count(ctx.require_session(), local_today(ctx.clock))
        if found is None:
            self.current.setText("Noch keine Zahl festgehalten; das Monitoring zählt dann "
                                 "die Klient/innen der Akte.")
            return
        day, duldung, gestattung, source = found
        self.current.setText(
            f"Stand {format_date(day)}: {duldung} Duldung, {gestattung} Gestattung "
            f"(zusammen {duldung + gestattung}; Quelle: {source})."
        )

    def save(self) -> None:
        ctx = self.dashboard.host.ctx
        try:
            day = parse_date(self.stichtag.text(), "Stichtag") or local_today(ctx.clock)
            ctx.apply(tm.record_target_count, day, self.duldung.value(),
                      self.gestattung.value(), self.source.text())
        except UserError as error:
            ctx.report(error)
            return
        ctx.confirm("Zahl der Zielgruppe festgehalten.")
        self.stichtag.clear()
        self.source.clear()
        self.load()
