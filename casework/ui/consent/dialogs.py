"""Consent widgets shared by the family tab and the Einwilligungen screen: the list model,
the "Neue Einwilligung" dialog, signature, withdrawal, and the print/scan actions.

Dialogs are opened with `open()` (window-modal, non-blocking) and kept on the owner as
`owner.dialog`, so tests fill and accept them like a user would. File choosers are the
`casework.ui.documents.choose_pdf_target` and `choose_scan_file`; tests patch them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError, ValidationError
from casework.models.consent import (
    Capacity,
    Consent,
    ConsentDraft,
    InsightAssessment,
    ProofState,
    Selection,
)
from casework.models.ids import PersonId
from casework.services.consent import catalog as consent_catalog
from casework.services.consent import lifecycle as service
from casework.services.consent.lifecycle import ConsentRow
from casework.services.households import households
from casework.services.persons import workers as worker_service
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.widgets import ValidatingForm, format_date, named, parse_date

Index = QModelIndex | QPersistentModelIndex
PDF_FILTER = "PDF-Dokument (*.pdf)"
SCAN_FILTER = "Scan (*.pdf *.jpg *.jpeg *.png *.tif *.tiff)"


# --------------------------------------------------------------------------- file seam


def choose_scan_file(parent: QWidget | None, title: str) -> str:
    """Which scanned file to file; '' if cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, "", SCAN_FILTER)
    return path


def save_pdf(ctx: UiContext, parent: QWidget | None, title: str, suggested: str,
             render: Callable[..., Any], *args: Any) -> Path | None:
    """Ask where to save first, then render through the service (which may change state
    and log the print), then write atomically. Cancelling changes nothing."""

    def produce() -> bytes | None:
        result = ctx.run(render, *args)
        if result is None:
            return None
        pdf: bytes = result[0] if isinstance(result, tuple) else result
        return pdf

    return documents.save_pdf(ctx, parent, title, suggested, produce)


# --------------------------------------------------------------------------- list model


class ConsentTableModel(QAbstractTableModel):
    """A small in-memory list of consent rows (a household's or the filtered overview)."""

    def __init__(self, *, with_family: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ConsentRow] = []
        self.columns = (["Familie"] if with_family else []) + [
            "Person", "Zwecke", "Empfänger", "Nachweis", "Status", "Gültig", "Erneuerung"]

    def set_rows(self, rows: Sequence[ConsentRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.columns)):
            return self.columns[section]
        return None

    def data(self, index: Index,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return self.cell(self.rows[index.row()], self.columns[index.column()])

    @staticmethod
    def cell(row: ConsentRow, column: str) -> str:
        c = row.consent
        if column == "Familie":
            return row.household_name
        if column == "Person":
            who = " (durch Sorgeberechtigte)" if c.capacity is Capacity.GUARDIAN else ""
            return row.person_name + who
        if column == "Zwecke":
            return row.purposes
        if column == "Empfänger":
            return row.recipients
        if column == "Nachweis":
            state = c.proof_state
            signed = c.signed_on
            if state in (ProofState.UNTERSCHRIEBEN, ProofState.SCAN_ABGELEGT,
                         ProofState.MUENDLICH) and signed:
                return f"{state.value} ({format_date(signed)})"
            return state.value
        if column == "Status":
            return row.status.value
        if column == "Gültig":
            until = format_date(c.valid_until) if c.valid_until else "bis auf Widerruf"
            return f"{format_date(c.valid_from)} – {until}"
        if column == "Erneuerung":
            if row.renewal_due:
                return "fällig (16 Jahre)"
            return f"ab {format_date(c.renewal_on)}" if c.renewal_on else ""
        return ""

    def row_at(self, index: int) -> ConsentRow | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None


# --------------------------------------------------------------------------- new consent


class FormPair:
    """Two `ValidatingForm`s side by side that show errors like one (the consent form is
    two columns so its "und zwar:" fields fit a 1366x768 screen without scrolling)."""

    def __init__(self, left: ValidatingForm, right: ValidatingForm,
                 right_fields: frozenset[str]) -> None:
        self.left, self.right, self.right_fields = left, right, right_fields
        self.general_error = left.general_error

    def clear_errors(self) -> None:
        self.left.clear_errors()
        self.right.clear_errors()

    def show_error(self, error: ValidationError) -> None:
        self.clear_errors()
        (self.right if error.field in self.right_fields else self.left).show_error(error)

    def error_text(self, field: str) -> str:
        return (self.right if field in self.right_fields else self.left).error_text(field)


_CHOICE_FIELDS = frozenset({"Zwecke", "Empfänger", "Datenkategorien"})


class NewConsentDialog(QDialog):
    """Person, who consents (self / guardians), purposes and recipients with their fill-in
    lines, data categories, validity. There is deliberately no "alles" box (LR-28)."""

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Neue Einwilligung")
        named(self, "Neue Einwilligung")
        session = ctx.require_session()
        cat = consent_catalog.catalog(session)
        self.members = households.members(session, household_id)
        left = ValidatingForm(self)
        self.choice_form = ValidatingForm(self)

        self.person = QComboBox(self)
        for p in self.members:
            if not p.data.birth.unborn:
                self.person.addItem(p.display_name, p.id)
        left.add_row("Betroffene Person", self.person, aliases=("Geburtsdatum",))

        self.self_radio = QRadioButton("die Person selbst", self)
        self.guardian_radio = QRadioButton("die Personensorgeberechtigte(n)", self)
        named(self.self_radio, "Einwilligung durch die Person selbst")
        named(self.guardian_radio, "Einwilligung durch Personensorgeberechtigte")
        group = QButtonGroup(self)
        group.addButton(self.self_radio)
        group.addButton(self.guardian_radio)
        who = QWidget(self)
        who_box = QHBoxLayout(who)
        who_box.setContentsMargins(0, 0, 0, 0)
        who_box.addWidget(self.self_radio)
        who_box.addWidget(self.guardian_radio)
        left.add_row("Einwilligende Person", who)

        guardians = QWidget(self)
        g_box = QVBoxLayout(guardians)
        g_box.setContentsMargins(0, 0, 0, 0)
        self.guardian_boxes: dict[str, QCheckBox] = {}
        for p in self.members:
            if p.data.custody:
                box = QCheckBox(p.display_name, guardians)
                named(box, f"Personensorgeberechtigt: {p.display_name}")
                g_box.addWidget(box)
                self.guardian_boxes[p.id] = box
        left.add_row("Personensorgeberechtigte", guardians)
        self.single_reason = QLineEdit(self)
        self.single_reason.setPlaceholderText("nur bei gemeinsamer Sorge, wenn eine/r "
                                              "unterschreibt")
        left.add_row("Begründung (nur ein Elternteil)", self.single_reason)
        self.insight_by = QLineEdit(self)
        self.insight_by.setPlaceholderText("wer hat beurteilt (Name, Funktion)")
        left.add_row("Einsichtsfähigkeit beurteilt von", self.insight_by,
                          aliases=("Einsichtsfähigkeit",))
        self.insight_reason = QLineEdit(self)
        self.insight_reason.setPlaceholderText("warum einsichtsfähig (bei Minderjährigen)")
        left.add_row("Begründung Einsichtsfähigkeit", self.insight_reason)

        self.purposes = self._choices("Zwecke", [(p.key, p.label, p.detail_label)
                                                 for p in cat.purposes])
        self.recipients = self._choices("Empfänger", [(r.key, r.label, r.detail_label)
                                                      for r in cat.recipients])
        categories = service.data_categories(session)
        self.ordinary_categories = [c.key for c in categories if not c.special]
        self.categories = self._choices(
            "Datenkategorien", [(c.key, c.label, "" if c.special else "welche:")
                                for c in categories])
        self.consent_date = QLineEdit(format_date(local_today(ctx.clock)), self)
        left.add_row("Datum der Einwilligung", self.consent_date)
        self.valid_from = QLineEdit(self)
        self.valid_from.setPlaceholderText("leer: ab Einwilligung")
        left.add_row("Gültig ab", self.valid_from)
        self.valid_until = QLineEdit(self)
        self.valid_until.setPlaceholderText("leer: bis auf Widerruf")
        left.add_row("Gültig bis", self.valid_until)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.fontMetrics().height() * 3)
        left.add_row("Notiz", self.note)

        columns = QWidget(self)
        row = QHBoxLayout(columns)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(left, 5, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.choice_form, 6, Qt.AlignmentFlag.AlignTop)
        # The group boxes carry their titles: no second caption column on the right.
        choice_layout = self.choice_form.form_layout
        for index in range(choice_layout.rowCount()):
            caption = choice_layout.itemAt(index, QFormLayout.ItemRole.LabelRole)
            label = caption.widget() if caption is not None else None
            if label is not None:
                label.hide()
        scroll = QScrollArea(self)  # only a fallback for very small screens
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(columns)
        self.scroll_area = scroll
        self.form = FormPair(left, self.choice_form, _CHOICE_FIELDS)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Speichern")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.buttons)
        self.person.currentIndexChanged.connect(self._default_capacity)
        self.guardian_radio.toggled.connect(self._capacity_changed)
        self._default_capacity()
        self._capacity_changed()
        # As wide as the two columns need (a 1366 px screen has room), as high as fits; on
        # a narrower screen (e.g. 125 % scaling) one column that scrolls only vertically.
        least = columns.minimumSizeHint()
        owner = parent.window() if parent is not None else None
        room = owner.width() if owner is not None else self.screen().availableGeometry().width()
        if room < least.width() + 60:
            row.setDirection(QHBoxLayout.Direction.TopToBottom)
            least = columns.minimumSizeHint()
        self.resize(min(1340, max(1000, least.width() + 60)),
                    min(690, columns.sizeHint().height() + 80))
        self.consent_id: str | None = None

    def _choices(self, title: str, entries: Sequence[tuple[str, str, str]],
                 ) -> dict[str, tuple[QCheckBox, QLineEdit]]:
        box = QGroupBox(title, self)
        named(box, title)
        grid = QGridLayout(box)
        out: dict[str, tuple[QCheckBox, QLineEdit]] = {}
        for row, (key, label, detail_label) in enumerate(entries):
            check = QCheckBox(label, box)
            named(check, f"{title}: {label}")
            detail = QLineEdit(box)
            named(detail, f"Angabe zu {label}")
            detail.setPlaceholderText(detail_label or ("Angabe" if label.endswith(":") else ""))
            detail.setEnabled(False)
            detail.setMinimumWidth(150)  # "und zwar: …" must be readable and writable
            check.toggled.connect(detail.setEnabled)
            grid.addWidget(check, row, 0)
            grid.addWidget(detail, row, 1)
            out[key] = (check, detail)
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(2)
        self.choice_form.add_row(title, box)
        return out

    def _default_capacity(self) -> None:
        """Children default to the guardians, adults to themselves."""
        pid = self.person.currentData()
        person = next((p for p in self.members if p.id == pid), None)
        age = person.data.birth.age_years(local_today(self.ctx.clock)) if person else None
        minor = age is not None and age < 18
        (self.guardian_radio if minor else self.self_radio).setChecked(True)
        # "Ihre personenbezogenen Daten" for adults, "die Daten Ihres Kindes" for children.
        default = self.ordinary_categories[1 if minor and len(self.ordinary_categories) > 1
                                           else 0] if self.ordinary_categories else None
        for key in self.ordinary_categories:
            self.categories[key][0].setChecked(key == default)

    def _capacity_changed(self) -> None:
        """Guardians only for a guardians' consent; the insight assessment only when the
        person consents personally."""
        guardian = self.guardian_radio.isChecked()
        for box in self.guardian_boxes.values():
            box.setEnabled(guardian)
        self.single_reason.setEnabled(guardian)
        self.insight_by.setEnabled(not guardian)
        self.insight_reason.setEnabled(not guardian)

    def draft(self) -> ConsentDraft:
        def selections(boxes: dict[str, tuple[QCheckBox, QLineEdit]]) -> tuple[Selection, ...]:
            return tuple(Selection(k, d.text()) for k, (c, d) in boxes.items() if c.isChecked())

        guardian = self.guardian_radio.isChecked()
        insight = None
        if not guardian and (self.insight_by.text().strip() or self.insight_reason.text().strip()):
            insight = InsightAssessment(self.insight_by.text(), self.insight_reason.text())
        return ConsentDraft(
            person_id=PersonId(str(self.person.currentData() or "")),
            purposes=selections(self.purposes),
            recipients=selections(self.recipients),
            capacity=Capacity.GUARDIAN if guardian else Capacity.SELF,
            guardian_ids=tuple(PersonId(pid) for pid, box in self.guardian_boxes.items()
                               if guardian and box.isChecked()),
            single_guardian_reason=self.single_reason.text(),
            insight=insight,
            data_categories=selections(self.categories),
            consent_date=parse_date(self.consent_date.text(), "Datum der Einwilligung"),
            valid_from=parse_date(self.valid_from.text(), "Gültig ab"),
            valid_until=parse_date(self.valid_until.text(), "Gültig bis"),
            note=self.note.toPlainText(),
        )

    def save(self) -> None:
        try:
            d = self.draft()
            found = self.ctx.apply(service.check, d)
            if found.warnings and not self.ctx.messages.confirm(
                    self, "Einwilligung prüfen", "\n\n".join(found.warnings)
                    + "\n\nTrotzdem speichern?"):
                return
            self.consent_id, _ = self.ctx.apply(service.prepare, d)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Einwilligung gespeichert.")
        self.accept()
        self.ctx.confirm("Einwilligung als Entwurf gespeichert – zum Unterschreiben drucken.")


# --------------------------------------------------------------------------- signature


class SignatureDialog(QDialog):
    """Unterschrift erfassen: date, who obtained it, place; or oral with a reason."""

    def __init__(self, ctx: UiContext, consent_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.consent_id = consent_id
        self.setWindowTitle("Unterschrift erfassen")
        named(self, "Unterschrift erfassen")
        session = ctx.require_session()
        self.form = ValidatingForm(self)
        self.signed_on = QLineEdit(format_date(local_today(ctx.clock)), self)
        self.form.add_row("Datum der Unterschrift", self.signed_on,
                          aliases=("Datum der Einwilligung", "Gültig bis"))
        self.obtained_by = QComboBox(self)
        for worker in worker_service.all_workers(session):
            self.obtained_by.addItem(worker.name, worker.id)
        index = self.obtained_by.findData(session.actor_id)
        self.obtained_by.setCurrentIndex(max(index, 0))
        self.form.add_row("Eingeholt von", self.obtained_by)
        self.place = QLineEdit(self)
        self.form.add_row("Ort", self.place)
        self.oral = QCheckBox("nur mündlich erteilt (besondere Umstände)", self)
        self.form.add_row("Mündlich", self.oral, aliases=("Nachweis",))
        self.oral_reason = QLineEdit(self)
        self.oral_reason.setEnabled(False)
        self.oral.toggled.connect(self.oral_reason.setEnabled)
        self.form.add_row("Begründung (mündliche Einwilligung)", self.oral_reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Speichern")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            worker = str(self.obtained_by.currentData() or "") or None
            if self.oral.isChecked():
                on = parse_date(self.signed_on.text(), "Datum der Unterschrift")
                if on is None:
                    raise ValidationError("Datum der Unterschrift", "bitte angeben.")
                self.ctx.apply(service.record_oral, self.consent_id, given_on=on,
                               reason=self.oral_reason.text(), obtained_by=worker)
            else:
                on = parse_date(self.signed_on.text(), "Datum der Unterschrift")
                if on is None:
                    raise ValidationError("Datum der Unterschrift", "bitte angeben.")
                self.ctx.apply(service.record_signature, self.consent_id, signed_on=on,
                               obtained_by=worker, place=self.place.text())
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Unterschrift gespeichert.")
        self.accept()
        self.ctx.confirm("Unterschrift der Einwilligung festgehalten.")


# --------------------------------------------------------------------------- withdrawal


class WithdrawDialog(QDialog):
    """Widerruf in one step: total or partial by purposes/recipients (LR-31)."""

    def __init__(self, ctx: UiContext, consent: Consent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.consent = consent
        self.withdrawal_id: str | None = None
        self.setWindowTitle("Einwilligung widerrufen")
        named(self, "Einwilligung widerrufen")
        cat = consent_catalog.catalog(ctx.require_session())
        self.form = ValidatingForm(self)
        self.total = QRadioButton("vollständig (alle Zwecke und Empfänger)", self)
        self.partial = QRadioButton("teilweise", self)
        named(self.total, "Widerruf vollständig")
        named(self.partial, "Widerruf teilweise")
        self.total.setChecked(True)
        scope = QWidget(self)
        s_box = QHBoxLayout(scope)
        s_box.setContentsMargins(0, 0, 0, 0)
        s_box.addWidget(self.total)
        s_box.addWidget(self.partial)
        self.form.add_row("Umfang", scope, aliases=("Umfang des Widerrufs", "Widerruf"))
        open_items = consent.open_items()
        self.purpose_boxes = self._boxes(
            "Widerrufene Zwecke", [(i.purpose_key, consent_catalog.purpose_text(
                cat, i.purpose_key, i.purpose_detail)) for i in open_items])
        self.recipient_boxes = self._boxes(
            "Widerrufene Empfänger", [(i.recipient_key, consent_catalog.recipient_text(
                cat, i.recipient_key, i.recipient_detail)) for i in open_items])
        self.received_on = QLineEdit(format_date(local_today(ctx.clock)), self)
        self.form.add_row("Eingegangen am", self.received_on)
        self.via = QComboBox(self)
        self.via.addItems(list(service.WITHDRAWAL_CHANNELS))
        self.form.add_row("Eingegangen", self.via)
        self.declared_by = QLineEdit(self)
        self.declared_by.setPlaceholderText("leer: die Person / die Sorgeberechtigten")
        self.form.add_row("Erklärt von", self.declared_by)
        self.partial.toggled.connect(self._scope_changed)
        self._scope_changed()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Widerruf speichern")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def _boxes(self, title: str, entries: Sequence[tuple[str, str]]) -> dict[str, QCheckBox]:
        box = QGroupBox(title, self)
        named(box, title)
        v = QVBoxLayout(box)
        out: dict[str, QCheckBox] = {}
        for key, text in dict(entries).items():
            check = QCheckBox(text, box)
            named(check, f"{title}: {text}")
            v.addWidget(check)
            out[key] = check
        self.form.add_row(title, box)
        return out

    def _scope_changed(self) -> None:
        for check in (*self.purpose_boxes.values(), *self.recipient_boxes.values()):
            check.setEnabled(self.partial.isChecked())

    def save(self) -> None:
        total = self.total.isChecked()
        try:
            received = parse_date(self.received_on.text(), "Eingegangen am")
            self.withdrawal_id, _ = self.ctx.apply(
                service.withdraw, self.consent.id, total=total,
                purposes=() if total else tuple(k for k, c in self.purpose_boxes.items()
                                                if c.isChecked()),
                recipients=() if total else tuple(k for k, c in self.recipient_boxes.items()
                                                  if c.isChecked()),
                received_on=received, via=self.via.currentText(),
                declared_by=self.declared_by.text())
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Widerruf gespeichert.")
        self.accept()
        self.ctx.confirm("Widerruf festgehalten.")


# --------------------------------------------------------------------------- actions


def print_consent(ctx: UiContext, parent: QWidget | None, consent_id: str) -> Path | None:
    """Render the filled-in form, mark it "gedruckt", save it where the user chooses."""
    return save_pdf(ctx, parent, "Einwilligung als PDF speichern", "Einwilligung.pdf",
                    service.print_form, consent_id)


def print_blank(ctx: UiContext, parent: QWidget | None) -> Path | None:
    return save_pdf(ctx, parent, "Blankoformular als PDF speichern",
                    "Einwilligung-Blankoformular.pdf", service.blank_form)


def file_scan(ctx: UiContext, parent: QWidget | None, consent_id: str) -> bool:
    path = choose_scan_file(parent, "Scan der unterschriebenen Einwilligung wählen")
    if not path:
        return False
    try:
        data = Path(path).read_bytes()
    except OSError:
        ctx.report(UserError("Die Datei kann nicht gelesen werden."))
        return False
    if ctx.run(service.file_scan, consent_id, data) is None:
        return False
    ctx.confirm("Scan gespeichert.")
    return True


def save_withdrawal_confirmation(ctx: UiContext, parent: QWidget | None,
                                 withdrawal_id: str) -> Path | None:
    return save_pdf(ctx, parent, "Bestätigung des Widerrufs speichern",
                    "Widerrufsbestaetigung.pdf", service.withdrawal_confirmation,
                    withdrawal_id)


def today(ctx: UiContext) -> date:
    return local_today(ctx.clock)
