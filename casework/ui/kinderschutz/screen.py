"""Screen "Kinderschutz": open § 8a procedures with their state, overdue steps
highlighted, and – for the Leitung – the review queue (approve bound to the content
version she saw, or return with a mandatory comment; never her own entry).

Double-click opens the family file at its Kinderschutz tab.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError
from casework.models.changes import Changes
from casework.models.kinderschutz.deadlines import InformationPolicy
from casework.models.kinderschutz.review import ReviewStatus
from casework.models.kinderschutz.vocabulary import State
from casework.models.persons.worker import WorkerRole
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.kinderschutz.review import ReviewView
from casework.ui.context import UiContext
from casework.ui.kinderschutz.common import worker_names
from casework.ui.kinderschutz.guidance import observation_text, when
from casework.ui.kinderschutz.procedure_view import table_view
from casework.ui.persons import reauth
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import error_label, heading, named, stretch_column

Index = QModelIndex | QPersistentModelIndex
OWN_ENTRY = ("Eigener Eintrag: Nach dem Vier-Augen-Prinzip gibt eine andere Leitung "
             "frei.")

# Readable names for the keys of reviewed content (previews in the queue).
_KEYS = {
    "category": "Ergebnis", "justification": "Begründung", "informed_at": "Mitgeteilt am",
    "office": "Jugendamt / Stelle", "person": "Ansprechperson", "channel": "Weg",
    "content": "Inhalt", "legal_basis": "Rechtsgrundlage",
    "prior_notice_on": "Betroffene vorab informiert am",
    "no_prior_notice_reason": "Nicht vorab informiert, weil", "reason": "Begründung",
    "target": "Einbeziehung", "recognised_at": "Erkannt", "description": "Was ist passiert?",
    "immediate_measures": "Sofortmaßnahmen", "from": "Von Schritt", "to": "Nach Schritt",
    "at": "Zeitpunkt", "role": "Rolle", "retention_class": "Aufbewahrung",
    "fact_ids": "Verknüpfte Tatsachen", "calls": "Anrufe",
}
_MOMENTS = {"informed_at", "prior_notice_on", "recognised_at", "at", "due_at"}
_SKIP = {"fact_ids", "procedure", "transition", "entry", "kind", "by", "assessment_id",
         "person_ids", "acute_entry", "done", "on", "attachment", "agreed_on"}


def _value(key: str, value: Any) -> str:
    if isinstance(value, str) and key in _MOMENTS:
        try:
            return when(datetime.fromisoformat(value) if "T" in value
                        else date.fromisoformat(value))
        except ValueError:
            return value
    if key in ("from", "to") and value:
        try:
            return State(value).label
        except ValueError:
            return str(value)
    if isinstance(value, list):
        return f"{len(value)} Eintrag/Einträge" if key != "calls" else "; ".join(
            f"{c.get('whom', '')} ({c.get('channel', '')})" for c in value)
    return str(value)


def preview_lines(content: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The reviewed content as (label, text) pairs, without ids."""
    if content is None:
        return [("", "Muss nicht mehr geprüft werden.")]
    out: list[tuple[str, str]] = []
    for key, value in content.items():
        if isinstance(value, Mapping):
            out += preview_lines(value)
        elif key not in _SKIP and value not in (None, "", [], {}):
            out.append((_KEYS.get(key, key), _value(key, value)))
    return out


# The Fachkraft's view of her items: who has to act next.
_WAITING_TEXT = {
    ReviewStatus.IN_ARBEIT: "bei Ihnen: noch an die Leitung geben",
    ReviewStatus.OFFEN: "liegt bei der Leitung",
    ReviewStatus.VERALTET: "liegt bei der Leitung (geänderte Fassung)",
    ReviewStatus.ZURUECKGEGEBEN: "zurückgegeben: bitte überarbeiten",
}
_WITH_ME = frozenset({ReviewStatus.IN_ARBEIT, ReviewStatus.ZURUECKGEGEBEN})


def _since(view: ReviewView) -> datetime:
    """When the item reached its current holder (last decision, else its creation)."""
    last = view.last_decision
    arrived = review.arrived_at(view)
    return last.decided_at if last is not None and last.decided_at > arrived else arrived


class HighlightModel(SimpleTableModel):
    """Rows whose payload is in `highlighted` are bold (overdue steps, stale reviews)."""

    def __init__(self, columns: tuple[str, ...], parent: Any = None) -> None:
        super().__init__(columns, parent)
        self.highlighted: set[int] = set()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.FontRole:
            if index.row() in self.highlighted:
                font = QFont()
                font.setBold(True)
                return font
            return None
        return super().data(index, role)


class KinderschutzScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.queue_items: list[ReviewView] = []
        self.overdue_model = HighlightModel(
            ("Familie", "Überfälliger Schritt", "Fällig seit", "Fallführend"), self)
        self.open_model = HighlightModel(
            ("Familie", "Aktueller Schritt", "Akut", "Eröffnet", "Fallführend", "Frist"), self)
        self.queue_model = HighlightModel(
            ("Prüfauftrag", "Familie", "Verfasst von", "Status", "Eingang"), self)
        self.waiting_model = HighlightModel(("Prüfauftrag", "Familie", "Status", "Seit"), self)

        self.overdue_box = QGroupBox("⚠ Überfällige Schritte", self)
        named(self.overdue_box, "Überfällige Schritte")
        self.overdue_view = table_view(self.overdue_box, "Überfällige Schritte",
                                       self.overdue_model)
        self.no_overdue = QLabel("Keine überfälligen Schritte.", self.overdue_box)
        named(self.no_overdue, "Keine überfälligen Schritte")
        box = QVBoxLayout(self.overdue_box)
        box.addWidget(self.no_overdue)
        box.addWidget(self.overdue_view)
        self.overdue_view.setMaximumHeight(self.overdue_view.fontMetrics().height() * 8)

        self.open_box = QGroupBox("Offene Verfahren", self)
        named(self.open_box, "Offene Verfahren")
        self.open_view = table_view(self.open_box, "Offene § 8a-Verfahren", self.open_model)
        # The family (its long label) and the step share the width and elide at 125 %.
        stretch_column(self.overdue_view, 0, 1)
        stretch_column(self.open_view, 0, 1)
        QVBoxLayout(self.open_box).addWidget(self.open_view)

        # What of mine waits for the Leitung (or for my own hand-over), on every side.
        self.waiting_box = QGroupBox("Bei der Leitung / an die Leitung zu geben", self)
        named(self.waiting_box, "Was auf die Leitung wartet")
        self.waiting_view = table_view(self.waiting_box, "Was auf die Leitung wartet",
                                       self.waiting_model)
        stretch_column(self.waiting_view, 0, 1)
        self.waiting_view.setMaximumHeight(self.waiting_view.fontMetrics().height() * 7)
        self.no_waiting = QLabel("Nichts von Ihnen liegt bei der Leitung.", self.waiting_box)
        named(self.no_waiting, "Nichts wartet auf die Leitung")
        wbox = QVBoxLayout(self.waiting_box)
        wbox.addWidget(self.no_waiting)
        wbox.addWidget(self.waiting_view)

        self.queue_box = QGroupBox("Wartet auf Ihre Prüfung (Leitung)", self)
        named(self.queue_box, "Prüfungen durch die Leitung")
        self.queue_view = table_view(self.queue_box, "Prüfaufträge", self.queue_model)
        stretch_column(self.queue_view, 0, 1)
        self.preview = QTextBrowser(self.queue_box)
        named(self.preview, "Inhalt des Prüfauftrags")
        self.comment = QPlainTextEdit(self.queue_box)
        self.comment.setTabChangesFocus(True)
        self.comment.setPlaceholderText("Kommentar (bei Rückgabe Pflicht: was soll "
                                        "überarbeitet werden?)")
        self.comment.setFixedHeight(self.comment.fontMetrics().lineSpacing() * 3 + 14)
        named(self.comment, "Kommentar")
        self.comment_error = error_label(self.queue_box)
        named(self.comment_error, "Fehler beim Kommentar")
        self.approve_button = QPushButton("&Freigeben", self.queue_box)
        named(self.approve_button, "Freigeben")
        self.approve_button.clicked.connect(self.approve)
        self.return_button = QPushButton("Zu&rückgeben", self.queue_box)
        named(self.return_button, "Zurückgeben mit Kommentar")
        self.return_button.clicked.connect(self.return_selected)
        self.own_note = QLabel(OWN_ENTRY, self.queue_box)
        self.own_note.setWordWrap(True)
        named(self.own_note, "Hinweis Vier-Augen-Prinzip")
        self.own_note.setVisible(False)
        self.empty_queue = QLabel("Keine offenen Prüfaufträge.", self.queue_box)
        named(self.empty_queue, "Keine offenen Prüfaufträge")
        decide = QHBoxLayout()
        decide.addWidget(self.approve_button)
        decide.addWidget(self.return_button)
        decide.addWidget(self.own_note, 1)
        right = QWidget(self.queue_box)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.preview, 1)
        rv.addWidget(self.comment)
        rv.addWidget(self.comment_error)
        rv.addLayout(decide)
        qsplit = QSplitter(Qt.Orientation.Horizontal, self.queue_box)
        qsplit.addWidget(self.queue_view)
        qsplit.addWidget(right)
        qsplit.setSizes([520, 480])
        qbox = QVBoxLayout(self.queue_box)
        qbox.addWidget(self.empty_queue)
        qbox.addWidget(qsplit, 1)

        # The organisation's policy: when is the Jugendamt informed? (Leitung/Admin)
        self.policy = QComboBox(self)
        named(self.policy, "Jugendamt informieren",
              "Wie es die Kooperationsvereinbarung des Trägers vorsieht")
        for choice in InformationPolicy:
            self.policy.addItem(choice.label, choice.value)
        self.policy_save = QPushButton("Übernehmen", self)
        named(self.policy_save, "Regel zur Information des Jugendamtes übernehmen")
        self.policy_save.clicked.connect(self.save_policy)
        self.policy_row = QWidget(self)
        prow = QHBoxLayout(self.policy_row)
        prow.setContentsMargins(0, 0, 0, 0)
        prow.addWidget(QLabel("Jugendamt informieren:", self.policy_row))
        prow.addWidget(self.policy)
        prow.addWidget(self.policy_save)
        prow.addStretch(1)

        layout = QVBoxLayout(self)
        # The policy on a row of its own: beside the heading it made the screen 918 px
        # wide, more than a 125 % laptop leaves next to the navigation.
        layout.addWidget(heading("Kinderschutz (§ 8a SGB VIII)", self))
        layout.addWidget(self.policy_row)
        hint = QLabel("Doppelklick öffnet die Familienakte beim Kinderschutz.", self)
        named(hint, "Hinweis")
        layout.addWidget(hint)
        layout.addWidget(self.overdue_box)
        layout.addWidget(self.open_box, 1)
        layout.addWidget(self.waiting_box)
        layout.addWidget(self.queue_box, 2)
        for view, handler in ((self.overdue_view, self._open_overdue),
                              (self.open_view, self._open_procedure),
                              (self.waiting_view, self._open_waiting),
                              (self.queue_view, self._open_review)):
            view.doubleClicked.connect(handler)
        self.queue_view.selectionModel().selectionChanged.connect(self._show_item)
        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self.refresh)
        self.refresh()

    # --- data ----------------------------------------------------------------------------

    @property
    def is_leitung(self) -> bool:
        session = self.ctx.session
        return (session is not None and session.is_open
                and session.has_role(WorkerRole.LEITUNG))

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            for model in (self.overdue_model, self.open_model, self.queue_model,
                          self.waiting_model):
                model.set_rows([])
            self.queue_items = []
            return
        overdue = ks_deadlines.overdue(session)
        names = worker_names(self.ctx)
        self.overdue_model.highlighted = set(range(len(overdue)))
        self.overdue_model.set_rows([
            ((s.household_name, s.label, when(s.due_at), names.get(s.lead_worker_id, "")), s)
            for s in overdue])
        self.overdue_view.setVisible(bool(overdue))
        # as tall as its rows (up to six): one overdue step leaves the room to the open
        # procedures below (at 125 % they showed two rows)
        view = self.overdue_view
        view.setMaximumHeight(view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
                              + 2 + min(max(len(overdue), 1), 6)
                              * view.verticalHeader().defaultSectionSize())
        self.no_overdue.setVisible(not overdue)
        late = {s.procedure_id for s in overdue}
        rows = ks.list_procedures(session, open_only=True)
        self.open_model.highlighted = {i for i, r in enumerate(rows) if r.id in late}
        self.open_model.set_rows([
            ((r.household_name, r.state.label, "⚠ akut" if r.acute else "",
              when(r.opened_at), r.lead_worker_name,
              "⚠ überfällig" if r.id in late else ""), r) for r in rows])
        waiting = review.waiting(session)
        self.waiting_model.highlighted = {i for i, v in enumerate(waiting)
                                          if v.status in _WITH_ME}
        self.waiting_model.set_rows([
            ((v.label, v.household_name, _WAITING_TEXT.get(v.status, v.status.value),
              when(_since(v))), v) for v in waiting])
        self.waiting_view.setVisible(bool(waiting))
        self.no_waiting.setVisible(not waiting)
        # The Leitung's own queue is below; her own items show only when there are any.
        self.waiting_box.setVisible(bool(waiting) or not self.is_leitung)
        self.queue_box.setVisible(self.is_leitung)
        self.policy_row.setVisible(session.has_role(WorkerRole.LEITUNG, WorkerRole.ADMIN))
        current = ks_deadlines.deadline_profile(session).information
        self.policy.setCurrentIndex(max(0, self.policy.findData(current.value)))
        self._refresh_queue()

    def _refresh_queue(self) -> None:
        selected = self.selected_item()
        self.queue_items = review.queue(self.ctx.require_session()) if self.is_leitung else []
        self.queue_model.highlighted = {i for i, v in enumerate(self.queue_items)
                                        if v.status.value == "veraltet"}
        self.queue_model.set_rows([
            ((v.label, v.household_name, v.author_name, v.status.value,
              when(review.arrived_at(v))), v) for v in self.queue_items])
        self.empty_queue.setVisible(not self.queue_items)
        if selected is not None:
            for i, v in enumerate(self.queue_items):
                if v.id == selected.id:
                    self.queue_view.selectRow(i)
                    break
        self._show_item()

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("kinderschutz", "kinderschutz_review", "household", "worker",
                           "kinderschutz_deadlines"):
            self.refresh()

    # --- queue ---------------------------------------------------------------------------

    def select_item(self, index: int) -> None:
        self.queue_view.selectRow(index)

    def selected_item(self) -> ReviewView | None:
        rows = self.queue_view.selectionModel().selectedRows()
        if rows and 0 <= rows[0].row() < len(self.queue_items):
            return self.queue_items[rows[0].row()]
        return None

    def _show_item(self) -> None:
        item = self.selected_item()
        self.comment_error.setVisible(False)
        if item is None:
            self.preview.setHtml("<p>Bitte einen Prüfauftrag wählen.</p>")
            for w in (self.approve_button, self.return_button):
                w.setEnabled(False)
            self.own_note.setVisible(False)
            return
        session = self.ctx.require_session()
        own = item.author_id == session.actor_id
        parts = [f"<h3>{escape(item.label)}</h3>",
                 f"<p>Familie {escape(item.household_name)} · verfasst von "
                 f"{escape(item.author_name)} · Status: <b>{escape(item.status.value)}</b></p>"]
        if item.status.value == "veraltet":
            parts.append("<p><b>⚠ Veraltet: Der Inhalt wurde nach der Freigabe geändert. "
                         "Bitte die aktuelle Fassung prüfen.</b></p>")
        parts.append("<table cellspacing='4'>" + "".join(
            f"<tr><td valign='top'><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
            for k, v in preview_lines(item.content)) + "</table>")
        parts += self._facts_html(item)
        for d in item.decisions:
            parts.append(f"<p><i>{escape(d.decision.value)} am {when(d.decided_at)}"
                         + (f": {escape(d.comment)}" if d.comment else "") + "</i></p>")
        self.preview.setHtml("".join(parts))
        self.approve_button.setEnabled(not own and item.current_hash is not None)
        self.approve_button.setToolTip(OWN_ENTRY if own else "")
        self.approve_button.setAccessibleDescription(OWN_ENTRY if own else "")
        self.return_button.setEnabled(item.current_hash is not None)
        self.own_note.setVisible(own)
        self.approve_button.setText("&Zur Kenntnis genommen" if item.item.kind.is_notification
                                    else "&Freigeben")

    def _facts_html(self, item: ReviewView) -> list[str]:
        """The facts a result rests on, in words (the content holds only their ids)."""
        result = (item.content or {}).get("result")
        if not isinstance(result, Mapping):
            return []
        try:
            file = ks.get_file(self.ctx.require_session(), item.item.procedure_id)
        except UserError:
            return []
        facts = {e.id: e.data for e in file.observations()}
        lines = [observation_text(o.kind, o.text, o.source, o.disputed)
                 for o in (facts.get(f) for f in result.get("fact_ids", [])) if o is not None]
        if not lines:
            return []
        return ["<p><b>Tragende Tatsachen:</b></p><ul>"
                + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"]

    def _decide(self, approve: bool) -> bool:
        item = self.selected_item()
        if item is None:
            return False
        comment = self.comment.toPlainText()
        if not approve and not comment.strip():
            self.comment_error.setText("⚠ Kommentar: bitte angeben, was überarbeitet werden "
                                       "soll.")
            self.comment_error.setVisible(True)
            self.comment.setFocus()
            return False
        auth = reauth.authorize(self.ctx, self, "Freigabe" if approve else "Zurückgeben")
        if auth is None:
            return False
        try:
            if approve:
                self.ctx.apply(review.approve, item.id, expected_hash=item.current_hash,
                               comment=comment, auth=auth)
            else:
                self.ctx.apply(review.return_item, item.id, comment,
                               expected_hash=item.current_hash, auth=auth)
        except ValidationError as error:
            self.comment_error.setText(f"⚠ {error.message}")
            self.comment_error.setVisible(True)
            if error.field == "Kommentar":
                self.comment.setFocus()
            return False
        except UserError as error:  # PermissionDenied (four eyes) and the like
            self.ctx.report(error)
            return False
        self.comment.clear()
        return True

    def approve(self) -> bool:
        return self._decide(True)

    def return_selected(self) -> bool:
        return self._decide(False)

    # --- navigation ----------------------------------------------------------------------

    def _open_overdue(self, index: QModelIndex) -> None:
        step = self.overdue_model.payload(index.row())
        if step is not None:
            self.ctx.open_household(step.household_id, tab="kinderschutz")

    def _open_procedure(self, index: QModelIndex) -> None:
        row = self.open_model.payload(index.row())
        if row is not None:
            self.ctx.open_household(row.household_id, tab="kinderschutz")

    def save_policy(self) -> bool:
        choice = InformationPolicy(self.policy.currentData())
        if self.ctx.run(ks_deadlines.set_information_policy, choice) is None:
            return False
        self.ctx.confirm("Regel zur Information des Jugendamtes gespeichert.")
        return True

    def _open_waiting(self, index: QModelIndex) -> None:
        item = self.waiting_model.payload(index.row())
        if item is not None:
            self.ctx.open_household(item.item.household_id, tab="kinderschutz")

    def _open_review(self, index: QModelIndex) -> None:
        item = self.queue_items[index.row()] if 0 <= index.row() < len(self.queue_items) \
            else None
        if item is not None:
            self.ctx.open_household(item.item.household_id, tab="kinderschutz")


def create(ctx: UiContext) -> QWidget:
    return KinderschutzScreen(ctx)


