"""Forms for the professional records of a § 8a procedure: observation (LR-09), Meldung
(LR-19), assessment (LR-02, LR-08, LR-17), iseF consultation (LR-03 … LR-05) or its acute
skip, involvement of parents and child (LR-06), result (LR-07) and "bestritten"."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from casework.errors import ValidationError
from casework.models.contacts import NoteKind
from casework.models.households.person import HouseholdRole
from casework.models.ids import PersonId, WorkerId
from casework.models.kinderschutz.actions import Report
from casework.models.kinderschutz.findings import (
    Assessment,
    Dispute,
    Involvement,
    IsefConsultation,
    IsefSkip,
    ModuleRating,
    Observation,
    Participant,
    Result,
)
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.vocabulary import (
    FACTUAL_KINDS,
    INSTRUMENT_NOTE,
    EntryKind,
    InvolvementTarget,
    Rating,
    ResultCategory,
)
from casework.services.households import households
from casework.services.kinderschutz import procedures as ks
from casework.ui.kinderschutz.common import (
    ProcedureDialog,
    aware,
    check_list,
    checkbox,
    checked_ids,
    combo,
    date_edit,
    datetime_edit,
    day_of,
    hint,
    select_data,
    set_checked,
    text_box,
    worker_items,
)
from casework.ui.kinderschutz.guidance import observation_text, when
from casework.ui.widgets import line_edit, named

EXTERNAL = "__extern__"


def observation_items(file: ProcedureFile, *, factual_first: bool = False
                      ) -> list[tuple[str, str, bool]]:
    items = []
    for e in file.observations():
        o = e.data
        text = f"{when(o.observed_at)} – " + observation_text(o.kind, o.text, o.source,
                                                              o.disputed)
        if factual_first and o.kind not in FACTUAL_KINDS:
            text += "  (keine Tatsache)"
        items.append((text, e.id, False))
    return items


# --------------------------------------------------------------------------- observation


class ObservationDialog(ProcedureDialog):
    TITLE = "Wahrnehmung festhalten"
    INTRO = ("Bitte Fakten, Beobachtungen, Aussagen Dritter, Hypothesen und Bewertungen "
             "getrennt festhalten – je ein Eintrag. Was die Familie bestreitet, bleibt "
             "als „bestritten“ markiert.")

    def build(self) -> None:
        self.observed_at = self.add(
            "Zeitpunkt der Wahrnehmung", datetime_edit(self.ctx, "Zeitpunkt der Wahrnehmung"))
        # No preset: whether something is a fact or a hypothesis is the worker's call.
        self.kind = self.add("Art des Eintrags", combo(
            "Art des Eintrags", [(k.value, k) for k in NoteKind], prompt="– bitte wählen –"))
        self.source = self.add("Quelle", line_edit(
            "Quelle", placeholder="bei „Aussage Dritter“: wer hat es gesagt?"))
        self.text = self.add("Beobachtung", text_box(
            "Beobachtung", lines=5, placeholder="Was genau? Wann, wo, wie oft?"))
        self.disputed = self.add("Bestritten", checkbox(
            "von den Betroffenen bestritten", "Bestritten"))

    def submit(self) -> Any:
        return self.ctx.apply(ks.record_observation, self.procedure_id, Observation(
            aware(self.observed_at), self.kind.currentData(), self.text.toPlainText(),
            self.source.text(), self.disputed.isChecked()))


class DisputeDialog(ProcedureDialog):
    TITLE = "Eintrag als bestritten markieren"
    INTRO = ("Der Eintrag bleibt unverändert und wird überall mit „bestritten“ gezeigt "
             "und gedruckt (§ 84 Abs. 2 SGB X).")

    def build(self) -> None:
        self.entry = self.add("Eintrag", combo(
            "Eintrag", [(t, i) for t, i, _c in observation_items(self.file)],
            prompt="– Eintrag wählen –"))
        self.by_whom = self.add("Bestritten von", line_edit(
            "Bestritten von", placeholder="z. B. Mutter"))
        self.note = self.add("Anmerkung", text_box("Anmerkung", lines=3))

    def submit(self) -> Any:
        return self.ctx.apply(ks.dispute_observation, self.procedure_id, Dispute(
            self.entry.currentData() or "", self.by_whom.text(), self.note.toPlainText()))


# --------------------------------------------------------------------------- Meldung


class ReportDialog(ProcedureDialog):
    TITLE = "Meldung festhalten"
    INTRO = ("Angaben zur meldenden Person sind geschützt: Sie erscheinen nicht im "
             "Auszug für die iseF und nicht in Auskünften, solange keine Abwägung "
             "dokumentiert ist.")

    def build(self) -> None:
        self.received_at = self.add(
            "Eingang der Meldung", datetime_edit(self.ctx, "Eingang der Meldung"))
        self.content = self.add("Inhalt der Meldung", text_box(
            "Inhalt der Meldung", lines=5, placeholder="Wer, was, wann, wie oft?"))
        group = QGroupBox("🔒 Meldende Person – geschützt", self.form)
        named(group, "Meldende Person – geschützte Angaben")
        self.anonymous = checkbox("anonyme Meldung", "Anonyme Meldung", group)
        self.name = line_edit("Name der meldenden Person (geschützt)", group)
        self.contact = line_edit("Kontakt der meldenden Person (geschützt)", group)
        self.relation = line_edit("Beziehung zur Familie (geschützt)", group,
                                  "z. B. Nachbarin, Kita")
        self.knowledge = line_edit("Woher weiß die Person es? (geschützt)", group)
        self.reason_now = line_edit("Warum meldet sie sich jetzt? (geschützt)", group)
        box = QVBoxLayout(group)
        box.addWidget(self.anonymous)
        for w in (self.name, self.contact, self.relation, self.knowledge, self.reason_now):
            w.setPlaceholderText(w.placeholderText() or w.accessibleName())
            box.addWidget(w)
        self.anonymous.toggled.connect(self._anonymous)
        self.add("Meldende Person (geschützt)", group, aliases=("Meldende Person",))

    def _anonymous(self, on: bool) -> None:
        self.name.setEnabled(not on)
        self.contact.setEnabled(not on)

    def submit(self) -> Any:
        return self.ctx.apply(ks.record_report, self.procedure_id, Report(
            aware(self.received_at), self.content.toPlainText(), self.anonymous.isChecked(),
            self.name.text(), self.contact.text(), self.relation.text(),
            self.knowledge.text(), self.reason_now.text()))


# --------------------------------------------------------------------------- assessment


class AssessmentDialog(ProcedureDialog):
    TITLE = "Gefährdungseinschätzung (neue Fassung)"
    INTRO = ("Jede Einschätzung wird als eigene, datierte Fassung gespeichert; frühere "
             "Fassungen bleiben lesbar. Mindestens zwei verschiedene Fachkräfte "
             "(§ 8a Abs. 1 SGB VIII: Zusammenwirken mehrerer Fachkräfte).")

    def build(self) -> None:
        self.workers = worker_items(self.ctx)
        self.assessed_at = self.add(
            "Datum der Einschätzung", datetime_edit(self.ctx, "Datum der Einschätzung"))
        group = QWidget(self.form)
        self.participant_grid = QGridLayout(group)
        self.participant_grid.setContentsMargins(0, 0, 0, 0)
        for column in range(3):
            self.participant_grid.setColumnStretch(column, 1)
        self.participants: list[tuple[QComboBox, QLineEdit, QLineEdit]] = []
        add = QPushButton("Weitere Person &hinzufügen", group)
        named(add, "Weitere beteiligte Person hinzufügen")
        add.clicked.connect(lambda: self.add_participant())
        self.count_note = hint("", self.form)
        named(self.count_note, "Hinweis zur Zahl der Beteiligten")
        holder = QWidget(self.form)
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(group)
        v.addWidget(add)
        v.addWidget(self.count_note)
        self.add("Beteiligte Fachkräfte", holder, aliases=("Beteiligte Fachkraft",))
        session = self.ctx.require_session()
        self.add_participant(session.actor_id, "fallführende Fachkraft"
                             if session.actor_id == self.file.procedure.lead_worker_id else "")
        self.add_participant()

        self.instrument = self.add("Instrument", line_edit(
            "Instrument", placeholder="z. B. Einschätzungsbogen des Trägers"))
        self.instrument_version = self.add("Version des Instruments",
                                                    line_edit("Version des Instruments"))
        note = hint("Hinweis: " + INSTRUMENT_NOTE + " Die Bewertungen füllen kein Ergebnis aus.")
        named(note, "Hinweis: nicht schematisch anzuwenden", INSTRUMENT_NOTE)
        self.form.add_widget_row(note)
        ratings = QWidget(self.form)
        self.rating_grid = QGridLayout(ratings)
        self.rating_grid.setContentsMargins(0, 0, 0, 0)
        self.rating_grid.setColumnStretch(0, 2)
        self.rating_grid.setColumnStretch(1, 1)
        self.ratings: list[tuple[QLineEdit, QComboBox]] = []
        add_rating = QPushButton("&Modul hinzufügen", ratings)
        named(add_rating, "Bewertetes Modul hinzufügen")
        add_rating.clicked.connect(lambda: self.add_rating())
        holder2 = QWidget(self.form)
        v2 = QVBoxLayout(holder2)
        v2.setContentsMargins(0, 0, 0, 0)
        v2.addWidget(ratings)
        v2.addWidget(add_rating)
        self.add("Bewertungen (Module)", holder2, aliases=("Modul",))
        self.resources = self.add("Ressourcen / Schutzfaktoren",
                                           text_box("Ressourcen / Schutzfaktoren"))
        self.risks = self.add("Risikofaktoren", text_box("Risikofaktoren"))
        self.cooperation = self.add("Kooperationsbereitschaft",
                                             text_box("Kooperationsbereitschaft"))
        self.safety = self.add("Sicherheitseinschätzung",
                                        text_box("Sicherheitseinschätzung"))
        self.summary = self.add("Fachliche Einschätzung", text_box(
            "Fachliche Einschätzung", lines=5))
        self.facts = self.add("Tragende Tatsachen", check_list(
            "Tragende Tatsachen", observation_items(self.file)))

    def add_participant(self, worker_id: str | None = None, function: str = "") -> None:
        row = len(self.participants)
        parent = self.participant_grid.parentWidget()
        who = combo(f"Beteiligte Person {row + 1}",
                    [*self.workers, ("Andere Person (Name eintragen)", EXTERNAL)], parent,
                    prompt="– Person wählen –")
        name = line_edit(f"Name der beteiligten Person {row + 1}", parent, "Name")
        func = line_edit(f"Funktion der beteiligten Person {row + 1}", parent,
                         "Funktion, z. B. Zweitkraft")
        func.setText(function)
        name.setEnabled(False)

        def picked(_index: int) -> None:
            data = who.currentData()
            name.setEnabled(data == EXTERNAL)
            if data not in (None, EXTERNAL):
                name.setText(who.currentText().rsplit(" (", 1)[0])
            elif data is None:
                name.clear()

        who.currentIndexChanged.connect(picked)
        who.currentIndexChanged.connect(self._count)
        name.textChanged.connect(self._count)
        if worker_id is not None:
            select_data(who, worker_id)
        self.participant_grid.addWidget(who, row, 0)
        self.participant_grid.addWidget(name, row, 1)
        self.participant_grid.addWidget(func, row, 2)
        self.participants.append((who, name, func))
        self._count()

    def _count(self, *_args: object) -> None:
        """LR-02, said while typing: a result needs two different professionals."""
        people = {(who.currentData() if who.currentData() not in (None, EXTERNAL)
                   else name.text().strip().casefold())
                  for who, name, _f in self.participants}
        people.discard("")
        people.discard(None)
        self.count_note.setText(
            f"{len(people)} verschiedene Fachkräfte beteiligt." if len(people) >= 2 else
            f"⚠ Bisher {len(people)} Fachkraft beteiligt – für ein Ergebnis sind mindestens "
            "zwei verschiedene Fachkräfte nötig.")

    def add_rating(self, module: str = "", rating: Rating | None = None) -> None:
        row = len(self.ratings)
        parent = self.rating_grid.parentWidget()
        name = line_edit(f"Modul {row + 1}", parent, "Modul")
        name.setText(module)
        # No preset value: a rating is a professional judgement, chosen explicitly.
        value = combo(f"Bewertung Modul {row + 1}", [(r.value, r) for r in Rating], parent,
                      prompt="– bitte bewerten –")
        if rating is not None:
            select_data(value, rating)
        self.rating_grid.addWidget(name, row, 0)
        self.rating_grid.addWidget(value, row, 1)
        self.ratings.append((name, value))

    def assessment(self) -> Assessment:
        people = []
        for who, name, func in self.participants:
            data = who.currentData()
            if data is None and not name.text().strip():
                continue  # an unused row
            worker = WorkerId(data) if data not in (None, EXTERNAL) else None
            people.append(Participant(name.text(), func.text(), worker))
        ratings = tuple(ModuleRating(n.text(), v.currentData()) for n, v in self.ratings
                        if n.text().strip())
        return Assessment(
            aware(self.assessed_at), tuple(people), self.summary.toPlainText(),
            self.instrument.text(), self.instrument_version.text(), ratings,
            self.resources.toPlainText(), self.risks.toPlainText(),
            self.cooperation.toPlainText(), self.safety.toPlainText(),
            checked_ids(self.facts), self.file.procedure.child_ids)

    def submit(self) -> Any:
        return self.ctx.apply(ks.record_assessment, self.procedure_id, self.assessment())


# --------------------------------------------------------------------------- iseF


class IsefDialog(ProcedureDialog):
    TITLE = "Beratung durch die insoweit erfahrene Fachkraft"
    INTRO = ("Die iseF berät, sie führt den Fall nicht und setzt kein Ergebnis. Die "
             "fallführende Fachkraft kann nicht zugleich iseF sein. Beraten wird "
             "pseudonymisiert, außer es gibt einen dokumentierten Grund.")

    def build(self) -> None:
        self.consulted_on = self.add("Datum der Beratung",
                                              date_edit(self.ctx, "Datum der Beratung"))
        self.isef_worker = self.add("iseF aus dem Team", combo(
            "iseF aus dem Team", worker_items(self.ctx), prompt="– externe iseF –"))
        self.isef_name = self.add("Insoweit erfahrene Fachkraft",
                                           line_edit("Insoweit erfahrene Fachkraft"))
        self.organisation = self.add("Organisation der iseF",
                                              line_edit("Organisation der iseF"))
        self.pseudonymised = self.add("Pseudonymisiert", checkbox(
            "pseudonymisiert beraten (ohne Namen, Anschrift, Geburtsdaten)", "Pseudonymisiert"))
        self.pseudonymised.setChecked(True)
        self.no_pseudo_reason = self.add(
            "Grund für nicht pseudonymisierte Beratung",
            line_edit("Grund für nicht pseudonymisierte Beratung"))
        self.no_pseudo_reason.setEnabled(False)
        self.pseudonymised.toggled.connect(lambda on: self.no_pseudo_reason.setEnabled(not on))
        self.questions = self.add("Fragestellung", text_box("Fragestellung"))
        self.recommendation = self.add("Empfehlung der iseF",
                                                text_box("Empfehlung der iseF", lines=4))
        self.dissent = self.add("Dissens", text_box(
            "Dissens", placeholder="leer lassen, wenn es keinen Dissens gibt"))
        self.isef_worker.currentIndexChanged.connect(self._picked)

    def _picked(self, _index: int) -> None:
        if self.isef_worker.currentData() is not None:
            self.isef_name.setText(self.isef_worker.currentText().rsplit(" (", 1)[0])

    def submit(self) -> Any:
        worker = self.isef_worker.currentData()
        return self.ctx.apply(ks.record_isef, self.procedure_id, IsefConsultation(
            day_of(self.consulted_on), self.isef_name.text(), self.organisation.text(),
            self.pseudonymised.isChecked(), self.recommendation.toPlainText(),
            self.dissent.toPlainText(), self.questions.toPlainText(),
            self.no_pseudo_reason.text(), WorkerId(worker) if worker else None))


class IsefSkipDialog(ProcedureDialog):
    TITLE = "Verzicht auf die iseF-Beratung (Akutfall)"
    INTRO = "Nur im Akutfall möglich, und nur mit Begründung (§ 8a Abs. 4 Nr. 2 SGB VIII)."

    def build(self) -> None:
        self.reason = self.add(
            "Grund für den Verzicht auf die iseF-Beratung",
            text_box("Grund für den Verzicht auf die iseF-Beratung", lines=4))

    def submit(self) -> Any:
        return self.ctx.apply(ks.skip_isef, self.procedure_id,
                              IsefSkip(self.reason.toPlainText()))


# --------------------------------------------------------------------------- involvement


class InvolvementDialog(ProcedureDialog):
    TITLE = "Einbeziehung von Eltern / Kind"
    INTRO = ("Eltern und Kind sind einzubeziehen, soweit dadurch der wirksame Schutz des "
             "Kindes nicht in Frage gestellt wird (§ 8a Abs. 4 Nr. 3 SGB VIII). Wenn "
             "nicht erfolgt: Grund angeben – die Leitung prüft ihn.")

    def build(self) -> None:
        self.target = self.add("Wer", combo(
            "Wer wurde einbezogen", [(t.value, t) for t in InvolvementTarget]))
        choice = QWidget(self.form)
        row = QHBoxLayout(choice)
        row.setContentsMargins(0, 0, 0, 0)
        self.done_button = QRadioButton("erfolgt", choice)
        named(self.done_button, "Einbeziehung erfolgt")
        self.not_done = QRadioButton("nicht erfolgt", choice)
        named(self.not_done, "Einbeziehung nicht erfolgt")
        group = QButtonGroup(choice)
        group.addButton(self.done_button)
        group.addButton(self.not_done)
        self.done_button.setChecked(True)
        row.addWidget(self.done_button)
        row.addWidget(self.not_done)
        row.addStretch(1)
        self.add("Einbeziehung", choice)
        targets = [t.value for t in InvolvementTarget]
        self.on = self.add("Datum", date_edit(self.ctx, "Datum der Einbeziehung"),
                                    aliases=tuple(f"Einbeziehung {t} – Datum" for t in targets))
        self.content = self.add(
            "Inhalt / Sichtweise", text_box("Inhalt und Sichtweise", lines=4),
            aliases=tuple(f"Einbeziehung {t} – Inhalt" for t in targets))
        self.reason = self.add(
            "Grund, warum nicht", text_box(
                "Grund, warum die Einbeziehung nicht erfolgt ist", lines=3,
                placeholder="wirksamer Schutz in Frage gestellt: …"),
            aliases=tuple(f"Einbeziehung {t} – Grund, warum sie nicht erfolgt ist"
                          for t in targets))
        members = households.members(self.ctx.require_session(),
                                     self.file.procedure.household_id)
        self.members = members
        self.persons = self.add("Beteiligte Personen", check_list(
            "Beteiligte Personen", [(p.display_name, p.id, False) for p in members]))
        self.done_button.toggled.connect(self._mode)
        self.target.currentIndexChanged.connect(self._preselect)
        self._mode()
        self._preselect()

    def _mode(self) -> None:
        done = self.done_button.isChecked()
        self.on.setEnabled(done)
        self.content.setEnabled(done)
        self.reason.setEnabled(not done)

    def _preselect(self) -> None:
        child = self.target.currentData() == InvolvementTarget.KIND
        wanted = [p.id for p in self.members
                  if (p.data.role is HouseholdRole.KIND) == child
                  and (not child or p.id in self.file.procedure.child_ids)]
        set_checked(self.persons, wanted)

    def submit(self) -> Any:
        done = self.done_button.isChecked()
        return self.ctx.apply(ks.record_involvement, self.procedure_id, Involvement(
            self.target.currentData(), done, day_of(self.on) if done else None,
            self.content.toPlainText() if done else "",
            "" if done else self.reason.toPlainText(),
            tuple(PersonId(i) for i in checked_ids(self.persons))))


# --------------------------------------------------------------------------- result


class ResultDialog(ProcedureDialog):
    TITLE = "Ergebnis der Gefährdungseinschätzung"
    INTRO = ("Genau eine der vier Kategorien, eine Begründung und mindestens eine "
             "tragende Tatsache. Das Ergebnis ist eine fachliche Entscheidung: "
             "Bewertungen aus Einschätzungsbögen werden nicht übernommen. Eine Änderung "
             "wird als neue Fassung gespeichert; die Leitung prüft sie erneut.")

    def build(self) -> None:
        latest = self.file.latest(EntryKind.ASSESSMENT)
        if latest is not None:
            self.add("Letzte Einschätzung", hint(
                f"vom {when(latest.data.assessed_at)}: {latest.data.summary}"))
        choice = QWidget(self.form)
        box = QVBoxLayout(choice)
        box.setContentsMargins(0, 0, 0, 0)
        self.categories = QButtonGroup(choice)
        self.category_buttons: dict[ResultCategory, QRadioButton] = {}
        for category in ResultCategory:
            button = QRadioButton(category.value, choice)
            named(button, f"Ergebnis: {category.value}")
            self.categories.addButton(button)
            self.category_buttons[category] = button
            box.addWidget(button)
        self.add("Ergebnis", choice)
        self.justification = self.add(
            "Begründung des Ergebnisses", text_box("Begründung des Ergebnisses", lines=5))
        self.facts = self.add("Tragende Tatsachen", check_list(
            "Tragende Tatsachen", observation_items(self.file, factual_first=True)))
        current = self.file.current_result()
        if current is not None:  # a change is a new version, starting from the current one
            self.category_buttons[current.data.category].setChecked(True)
            self.justification.setPlainText(current.data.justification)
            set_checked(self.facts, current.data.fact_ids)

    def category(self) -> ResultCategory | None:
        for category, button in self.category_buttons.items():
            if button.isChecked():
                return category
        return None

    def submit(self) -> Any:
        category = self.category()
        if category is None:
            raise ValidationError("Ergebnis", "bitte genau eine der vier Kategorien wählen.")
        return self.ctx.apply(ks.record_result, self.procedure_id, Result(
            category, self.justification.toPlainText(), checked_ids(self.facts)))
