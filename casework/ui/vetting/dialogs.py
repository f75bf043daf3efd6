"""Dialogs of the § 72a register: a person, an activity with the scheme's live
assessment, an inspection (only fact, date of the certificate, relevant entry yes/no),
and the end of an activity."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError, ValidationError
from casework.models.vetting.register import (
    Activity,
    ActivityDraft,
    Decision,
    InspectionDraft,
    Member,
    MemberDraft,
)
from casework.models.vetting.scheme import Answers, Engagement, Flag, assess
from casework.services import vetting as service
from casework.ui.context import UiContext
from casework.ui.households.lifecycle_dialogs import button_box
from casework.ui.widgets import ValidatingForm, line_edit, named, parse_date

DATE_HINT = "TT.MM.JJJJ"


def _required(text: str, field: str) -> date:
    value = parse_date(text, field)
    if value is None:
        raise ValidationError(field, "bitte angeben.")
    return value


class _Dialog(QDialog):
    """OK runs `save`; a `ValidationError` shows next to its field, other refusals
    through the message seam; the dialog stays open then."""

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        named(self, title)
        self.form = ValidatingForm(self)

    def save(self) -> None:
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.save()
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        super().accept()


class MemberDialog(_Dialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None,
                 member: Member | None = None) -> None:
        super().__init__(ctx, "Person bearbeiten" if member else "Person aufnehmen", parent)
        self.member = member
        self.member_id = member.id if member else ""
        self.name = self.form.add_row("Name", line_edit("Name", self, "Vor- und Nachname"))
        self.engagement = QComboBox(self)
        for kind in Engagement:
            self.engagement.addItem(kind.value, kind.value)
        self.form.add_row("Art der Mitarbeit", self.engagement)
        self.adult_on = self.form.add_row(
            "volljährig ab", line_edit("volljährig ab", self, f"nur bei Minderjährigen: "
                                                              f"18. Geburtstag ({DATE_HINT})"))
        note = QLabel("Nur Personen des Trägers (haupt-, neben- und ehrenamtlich), keine "
                      "Klientinnen und Klienten.", self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, "Speichern"))
        if member is not None:
            self.name.setText(member.name)
            self.engagement.setCurrentIndex(self.engagement.findData(
                member.data.engagement.value))
            if member.data.adult_on is not None:
                self.adult_on.setText(f"{member.data.adult_on:%d.%m.%Y}")

    def save(self) -> None:
        draft = MemberDraft(self.name.text(), Engagement(self.engagement.currentData()),
                            parse_date(self.adult_on.text(), "volljährig ab"))
        if self.member is None:
            self.member_id, _ = self.ctx.apply(service.add_member, draft)
            self.ctx.confirm("Person ins Register aufgenommen.")
        else:
            self.ctx.apply(service.update_member, self.member.id, draft)
            self.ctx.confirm("Person gespeichert.")


class ActivityDialog(_Dialog):
    """An activity and the scheme's questions; the result updates as answers change."""

    def __init__(self, ctx: UiContext, member: Member, parent: QWidget | None = None,
                 activity: Activity | None = None) -> None:
        super().__init__(ctx, "Tätigkeit bearbeiten" if activity else "Tätigkeit erfassen",
                         parent)
        self.member = member
        self.activity = activity
        self.scheme = service.scheme(ctx.require_session())
        self.title = self.form.add_row("Tätigkeit", line_edit(
            "Tätigkeit", self, "z. B. Hausaufgabenhilfe, Ferienfreizeit"))
        self.starts = self.form.add_row("Beginn", line_edit("Beginn", self, DATE_HINT))
        self.ends = self.form.add_row("Ende", line_edit("Ende", self, f"offen oder {DATE_HINT}"))
        self.contact = QCheckBox("Kontakt zu Kindern oder Jugendlichen", self)
        self.contact.setChecked(True)
        self.form.add_row("Kontakt", self.contact)
        self.ratings: dict[str, QComboBox] = {}
        for criterion in self.scheme.criteria:
            combo = QComboBox(self)
            combo.addItem("– nicht eingeschätzt –", "")
            for option in criterion.options:
                combo.addItem(option.label, option.key)
            combo.currentIndexChanged.connect(lambda _i: self._update())
            self.ratings[criterion.key] = combo
            self.form.add_row(f"{criterion.group}: {criterion.label}", combo)
        self.triggers = self._flags("Auslöser (Führungszeugnis immer erforderlich)",
                                    self.scheme.triggers)
        self.waivers = self._flags("Ausnahmen für Ehrenamtliche (Verzicht möglich)",
                                   self.scheme.waivers)
        self.outcome = QLabel(self)
        self.outcome.setWordWrap(True)
        named(self.outcome, "Ergebnis des Prüfschemas")
        font = self.outcome.font()
        font.setBold(True)
        self.outcome.setFont(font)
        self.decision = QComboBox(self)
        for kind in Decision:
            self.decision.addItem(kind.value, kind.value)
        self.reason = line_edit("Begründung", self, "nur bei abweichender Entscheidung")
        side = QWidget(self)
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        side_box.addWidget(self.triggers[0])
        side_box.addWidget(self.waivers[0])
        side_box.addWidget(self.outcome)
        decision_form = ValidatingForm(side)
        decision_form.add_row("Entscheidung", self.decision)
        decision_form.add_row("Begründung", self.reason)
        self.decision_form = decision_form
        side_box.addWidget(decision_form)
        side_box.addStretch(1)
        columns = QHBoxLayout()
        columns.addWidget(self.form, 3)
        columns.addWidget(side, 2)
        basis = QLabel(f"{self.scheme.title}: {self.scheme.basis}", self)
        basis.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(basis)
        layout.addLayout(columns)
        layout.addWidget(button_box(self, "Speichern"))
        self.contact.toggled.connect(lambda _c: self._update())
        if activity is not None:
            self._fill(activity)
        else:
            self.starts.setText(f"{local_today(ctx.clock):%d.%m.%Y}")
        self._update()

    def _flags(self, title: str, flags: tuple[Flag, ...]
               ) -> tuple[QGroupBox, dict[str, QCheckBox]]:
        box = QGroupBox(title, self)
        grid = QGridLayout(box)
        boxes: dict[str, QCheckBox] = {}
        for row, flag in enumerate(flags):
            check = QCheckBox(flag.label, box)
            check.toggled.connect(lambda _c: self._update())
            grid.addWidget(check, row, 0)
            boxes[flag.key] = check
        return box, boxes

    def _fill(self, activity: Activity) -> None:
        d = activity.data
        self.title.setText(d.title)
        self.starts.setText(f"{d.starts_on:%d.%m.%Y}")
        self.ends.setText(f"{d.ends_on:%d.%m.%Y}" if d.ends_on else "")
        self.contact.setChecked(d.answers.children_contact)
        for key, option in d.answers.ratings:
            combo = self.ratings.get(key)
            if combo is not None:
                combo.setCurrentIndex(max(combo.findData(option), 0))
        for key in d.answers.triggers:
            if key in self.triggers[1]:
                self.triggers[1][key].setChecked(True)
        for key in d.answers.waivers:
            if key in self.waivers[1]:
                self.waivers[1][key].setChecked(True)
        self.decision.setCurrentIndex(self.decision.findData(d.decision.value))
        self.reason.setText(d.decision_reason)

    def answers(self) -> Answers:
        return Answers(self.contact.isChecked(),
                       tuple((k, str(c.currentData())) for k, c in self.ratings.items()
                             if c.currentData()),
                       tuple(k for k, c in self.triggers[1].items() if c.isChecked()),
                       tuple(k for k, c in self.waivers[1].items() if c.isChecked()))

    def _update(self) -> None:
        contact = self.contact.isChecked()
        for widget in (*self.ratings.values(), self.triggers[0], self.waivers[0]):
            widget.setEnabled(contact)
        self.waivers[0].setVisible(self.member.data.engagement is Engagement.EHRENAMTLICH)
        day = max(local_today(self.ctx.clock), parse_date_or_today(self.starts.text(),
                                                                   self.ctx))
        result = assess(self.scheme, self.member.data.engagement, self.answers(),
                        minor=self.member.is_minor(day))
        self.outcome.setText(f"Prüfschema: Führungszeugnis {result.outcome.value} – "
                            f"{result.reason}.")

    def draft(self) -> ActivityDraft:
        return ActivityDraft(self.member.id, self.title.text(),
                             _required(self.starts.text(), "Beginn"), self.answers(),
                             parse_date(self.ends.text(), "Ende"),
                             Decision(self.decision.currentData()), self.reason.text())

    def save(self) -> None:
        try:
            draft = self.draft()
            if self.activity is None:
                self.ctx.apply(service.add_activity, draft)
            else:
                self.ctx.apply(service.update_activity, self.activity.id, draft)
        except ValidationError as error:
            if error.field in ("Entscheidung", "Begründung"):
                self.decision_form.show_error(error)
                raise UserError(error.message) from None
            raise
        self.ctx.confirm("Tätigkeit gespeichert.")


def parse_date_or_today(text: str, ctx: UiContext) -> date:
    try:
        return parse_date(text, "Beginn") or local_today(ctx.clock)
    except ValidationError:
        return local_today(ctx.clock)


INSPECTION_NOTE = ("Festgehalten wird nur, dass Einsicht genommen wurde, das Datum des "
                   "Führungszeugnisses und ob eine einschlägige Eintragung besteht. Das "
                   "Führungszeugnis selbst wird weder kopiert noch gespeichert; bitte der "
                   "Person zurückgeben.")


RELEVANT_ENTRY = ("Die Person darf nicht mit Kindern und Jugendlichen arbeiten. Bitte den "
                  "Einsatz sofort beenden bzw. eine Tätigkeit ohne Kontakt zu Kindern und "
                  "Jugendlichen prüfen (Arbeitsvertrag, Vereinbarung mit dem Jugendamt) und "
                  "die laufenden Tätigkeiten hier beenden.")


class InspectionDialog(_Dialog):
    def __init__(self, ctx: UiContext, member: Member, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Einsicht in das Führungszeugnis", parent)
        self.member = member
        note = QLabel(INSPECTION_NOTE, self)
        note.setWordWrap(True)
        self.inspected = self.form.add_row("Einsicht am", line_edit("Einsicht am", self,
                                                                     DATE_HINT))
        self.inspected.setText(f"{local_today(ctx.clock):%d.%m.%Y}")
        self.certificate = self.form.add_row(
            "Datum des Führungszeugnisses",
            line_edit("Datum des Führungszeugnisses", self, f"Ausstellungsdatum ({DATE_HINT})"))
        self.clean = QRadioButton("keine einschlägige Eintragung", self)
        self.entry = QRadioButton("einschlägige Eintragung vorhanden", self)
        self.clean.setChecked(True)
        choice = QWidget(self)
        choice_box = QVBoxLayout(choice)
        choice_box.setContentsMargins(0, 0, 0, 0)
        choice_box.addWidget(self.clean)
        choice_box.addWidget(self.entry)
        self.form.add_row("Ergebnis", choice)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Person: {member.name}", self))
        layout.addWidget(note)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, "Einsicht festhalten"))

    def save(self) -> None:
        draft = InspectionDraft(
            self.member.id, _required(self.inspected.text(), "Einsicht am"),
            _required(self.certificate.text(), "Datum des Führungszeugnisses"),
            self.entry.isChecked())
        self.ctx.apply(service.record_inspection, draft)
        self.ctx.confirm("Einsicht festgehalten.")
        if draft.relevant_entry:
            # Trägervereinbarung: nobody with such a conviction works with children; the
            # contract provides for dismissal or a transfer out of this work.
            self.ctx.messages.warn(self, "Einschlägige Eintragung", RELEVANT_ENTRY)


class EndDialog(_Dialog):
    def __init__(self, ctx: UiContext, activity: Activity, parent: QWidget | None = None
                 ) -> None:
        super().__init__(ctx, "Tätigkeit beenden", parent)
        self.activity = activity
        self.day = self.form.add_row("Ende", line_edit("Ende", self, DATE_HINT))
        self.day.setText(f"{local_today(ctx.clock):%d.%m.%Y}")
        months = service.scheme(ctx.require_session()).deletion_months_after_end
        note = QLabel("Mit dem Ende beginnt die Löschfrist: Ohne weitere Tätigkeit werden die "
                      f"Daten zum Führungszeugnis spätestens {months} Monate danach gelöscht.",
                      self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Tätigkeit: {activity.data.title}", self))
        layout.addWidget(note)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, "Beenden"))

    def save(self) -> None:
        self.ctx.apply(service.end_activity, self.activity.id,
                       _required(self.day.text(), "Ende"))
        self.ctx.confirm("Tätigkeit beendet.")
