"""Pure state-machine tests of the § 8a freier-Träger procedure (legal-reference §6.1).

Each rule has a test named after its LR id. No database: files are built in memory.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from casework.errors import PermissionDenied, ValidationError
from casework.models.contacts import NoteKind
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.actions import Acute, Call, Measure, Mitteilung, SafetyPlan, Task
from casework.models.kinderschutz.findings import (
    Assessment,
    Involvement,
    IsefConsultation,
    IsefSkip,
    ModuleRating,
    Observation,
    Participant,
    Result,
)
from casework.models.kinderschutz.procedure import Entry, Procedure, ProcedureFile, Transition
from casework.models.kinderschutz.review import ReviewStatus
from casework.models.kinderschutz.rules import (
    ACTION_LABELS,
    TRANSITIONS,
    ActorInfo,
    actions,
    check_isef_assignment,
    check_lead,
    check_result,
    check_transition,
    open_tasks,
)
from casework.models.kinderschutz.vocabulary import (
    EntryKind,
    InvolvementTarget,
    LegalBasis,
    Rating,
    ResultCategory,
    State,
    TaskKey,
)
from casework.models.persons.worker import WorkerRole

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # Friday
LEAD = WorkerId("w-lead")
FK2 = WorkerId("w-fk2")
ISEF = WorkerId("w-isef")
FK = ActorInfo(LEAD, WorkerRole.FACHKRAFT)


class Builder:
    """Builds a ProcedureFile step by step (seq increases like in storage)."""

    def __init__(self) -> None:
        self.seq = 0
        self.state = State.S0
        self.acute = False
        self.transitions: list[Transition] = [self._t(None, State.S0)]
        self.entries: list[Entry[Any]] = []

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def _t(self, source: State | None, target: State) -> Transition:
        return Transition(f"t{self.seq + 1}", self._next(), source, target, NOW, LEAD,
                          "Fachkraft")

    def go(self, target: State) -> Builder:
        self.transitions.append(self._t(self.state, target))
        self.state = target
        if target is State.SA:
            self.acute = True
        return self

    def add(self, kind: EntryKind, data: object, by: WorkerId = LEAD) -> str:
        seq = self._next()
        self.entries.append(Entry(f"e{seq}", seq, kind, data, NOW, by))
        return f"e{seq}"

    @property
    def file(self) -> ProcedureFile:
        procedure = Procedure("p1", HouseholdId("h1"), (PersonId("c1"),), LEAD, self.state,
                              self.acute, NOW, LEAD)
        return ProcedureFile(procedure, tuple(self.transitions), tuple(self.entries))


def fact(b: Builder, kind: NoteKind = NoteKind.FAKT) -> str:
    return b.add(EntryKind.OBSERVATION, Observation(NOW, kind, "Kind ohne Jacke bei 3 Grad."))


def assessment(*participants: Participant, facts: tuple[str, ...] = ()) -> Assessment:
    return Assessment(NOW, participants, "Versorgung unzureichend.", fact_ids=facts)


TWO = (Participant("A", worker_id=LEAD), Participant("B", worker_id=FK2))
ISEF_RECORD = IsefConsultation(date(2026, 11, 19), "Ina", "Beratungsstelle", True,
                               "Schutzplan vereinbaren.", isef_worker_id=ISEF)


def involvement(target: InvolvementTarget) -> Involvement:
    return Involvement(target, True, date(2026, 11, 19), "Gespräch geführt.")


def at_s5(participants: tuple[Participant, ...] = TWO, isef: bool = True,
          involve: tuple[InvolvementTarget, ...] = tuple(InvolvementTarget)) -> tuple[Builder, str]:
    b = Builder()
    f = fact(b)
    b.go(State.S1).go(State.S2)
    b.add(EntryKind.ASSESSMENT, assessment(*participants, facts=(f,)))
    b.go(State.S3)
    if isef:
        b.add(EntryKind.ISEF, ISEF_RECORD)
    b.go(State.S4)
    for target in involve:
        b.add(EntryKind.INVOLVEMENT, involvement(target))
    b.go(State.S5)
    return b, f


def good_result(f: str, category: ResultCategory = ResultCategory.LATENT) -> Result:
    return Result(category, "Begründung", (f,)).validated()


# --------------------------------------------------------------------------- LR-01


def test_LR01_only_transitions_of_the_diagram_are_allowed() -> None:
    b = Builder()
    fact(b)
    with pytest.raises(ValidationError, match="nicht direkt"):
        check_transition(b.file, State.S5, FK)
    check_transition(b.file, State.S1, FK)
    assert TRANSITIONS[State.S9] == frozenset()
    assert TRANSITIONS[State.SA] == frozenset({State.S7})
    assert TRANSITIONS[State.S7] == frozenset({State.S8})
    assert {State.S6, State.S2, State.S7, State.S9} <= TRANSITIONS[State.S6B]


def test_LR01_entering_s1_needs_an_observation_and_back_to_s0_a_justification() -> None:
    b = Builder()
    with pytest.raises(ValidationError, match="Beobachtung"):
        check_transition(b.file, State.S1, FK)
    fact(b)
    b.go(State.S1)
    with pytest.raises(ValidationError, match="Begründung"):
        check_transition(b.file, State.S0, FK, "  ")
    check_transition(b.file, State.S0, FK, "Einmaliges Ereignis, keine Anhaltspunkte.")


def test_LR01_closed_procedure_is_read_only() -> None:
    b, f = at_s5()
    b.add(EntryKind.RESULT, good_result(f, ResultCategory.KEIN_BEDARF))
    b.go(State.S9)
    with pytest.raises(ValidationError, match="abgeschlossen"):
        check_transition(b.file, State.S1, FK)


def test_admin_role_cannot_act_in_a_procedure() -> None:
    b = Builder()
    fact(b)
    with pytest.raises(PermissionDenied):
        check_transition(b.file, State.S1, ActorInfo(WorkerId("a"), WorkerRole.ADMIN))


# --------------------------------------------------------------------------- LR-02


def test_LR02_result_needs_two_distinct_professionals() -> None:
    one = (Participant("A", worker_id=LEAD),)
    b, f = at_s5(participants=one)
    with pytest.raises(ValidationError, match="zwei verschiedene Fachkräfte"):
        check_result(b.file, good_result(f), FK)
    # the same person twice (by id, or by name with different spelling) is still one
    same = (Participant("A", worker_id=LEAD), Participant("A again", worker_id=LEAD))
    b2, f2 = at_s5(participants=same)
    with pytest.raises(ValidationError, match="zwei"):
        check_result(b2.file, good_result(f2), FK)
    by_name = (Participant("Eva Extern"), Participant(" eva extern "))
    b3, f3 = at_s5(participants=by_name)
    with pytest.raises(ValidationError, match="zwei"):
        check_result(b3.file, good_result(f3), FK)
    b4, f4 = at_s5()
    check_result(b4.file, good_result(f4), FK)


def test_LR02_the_latest_assessment_version_counts() -> None:
    b, f = at_s5()
    b.add(EntryKind.ASSESSMENT, assessment(Participant("A", worker_id=LEAD), facts=(f,)))
    with pytest.raises(ValidationError, match="zwei"):
        check_result(b.file, good_result(f), FK)


# --------------------------------------------------------------------------- LR-03


def test_LR03_result_blocked_without_isef_consultation() -> None:
    b, f = at_s5(isef=False)
    with pytest.raises(ValidationError, match="insoweit erfahrene Fachkraft"):
        check_result(b.file, good_result(f), FK)


def test_LR03_s3_cannot_be_left_without_isef_record() -> None:
    b = Builder()
    f = fact(b)
    b.go(State.S1).go(State.S2)
    b.add(EntryKind.ASSESSMENT, assessment(*TWO, facts=(f,)))
    b.go(State.S3)
    with pytest.raises(ValidationError, match="iseF"):
        check_transition(b.file, State.S4, FK)


def test_LR03_isef_record_needs_date_isef_and_recommendation() -> None:
    with pytest.raises(ValidationError, match="Empfehlung"):
        replace(ISEF_RECORD, recommendation=" ").validated(date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Insoweit erfahrene Fachkraft"):
        replace(ISEF_RECORD, isef_name="").validated(date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Zukunft"):
        replace(ISEF_RECORD, consulted_on=date(2026, 11, 21)).validated(date(2026, 11, 20))
    clean = replace(ISEF_RECORD, dissent=" Dissens zur Dringlichkeit ").validated(
        date(2026, 11, 20))
    assert clean.dissent == "Dissens zur Dringlichkeit"


def test_LR03_skip_only_on_acute_path_and_with_reason() -> None:
    with pytest.raises(ValidationError, match="Grund"):
        IsefSkip("  ").validated()
    # regular path: a skip record does not count
    b, f = at_s5(isef=False)
    b.add(EntryKind.ISEF_SKIP, IsefSkip("keine Zeit"))
    with pytest.raises(ValidationError, match="insoweit erfahrene Fachkraft"):
        check_result(b.file, good_result(f), FK)
    # acute path: allowed with the reason
    a = Builder()
    f = fact(a)
    a.add(EntryKind.ACUTE, Acute(NOW, "Kind allein, verletzt."))
    a.go(State.SA)
    a.add(EntryKind.ASSESSMENT, assessment(*TWO, facts=(f,)))
    for target in InvolvementTarget:
        a.add(EntryKind.INVOLVEMENT, involvement(target))
    with pytest.raises(ValidationError, match="insoweit erfahrene Fachkraft"):
        check_result(a.file, good_result(f, ResultCategory.AKUT), FK)
    a.add(EntryKind.ISEF_SKIP, IsefSkip("Gefahr in Verzug, Polizei vor Ort."))
    check_result(a.file, good_result(f, ResultCategory.AKUT), FK)


def test_LR05_not_pseudonymised_consultation_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="nicht pseudonymisierte"):
        replace(ISEF_RECORD, pseudonymised=False).validated(date(2026, 11, 20))
    ok = replace(ISEF_RECORD, pseudonymised=False,
                 not_pseudonymised_reason="Einwilligung der Mutter").validated(date(2026, 11, 20))
    assert ok.not_pseudonymised_reason == "Einwilligung der Mutter"


# --------------------------------------------------------------------------- LR-04


def test_LR04_case_leading_worker_cannot_be_isef() -> None:
    b = Builder()
    with pytest.raises(ValidationError, match="fallführende Fachkraft"):
        check_isef_assignment(b.file, replace(ISEF_RECORD, isef_worker_id=LEAD))
    check_isef_assignment(b.file, ISEF_RECORD)


def test_LR04_isef_cannot_set_result_close_or_lead() -> None:
    b, f = at_s5()
    isef_actor = ActorInfo(ISEF, WorkerRole.FACHKRAFT)
    with pytest.raises(PermissionDenied, match="berät nur"):
        check_result(b.file, good_result(f), isef_actor)
    with pytest.raises(ValidationError, match="iseF"):
        check_lead(b.file, ISEF)
    b.add(EntryKind.RESULT, good_result(f, ResultCategory.KEIN_BEDARF))
    with pytest.raises(PermissionDenied, match="berät nur"):
        check_transition(b.file, State.S9, isef_actor, "Keine Gefährdung.")
    check_transition(b.file, State.S9, FK, "Keine Gefährdung.")


# --------------------------------------------------------------------------- LR-06


def test_LR06_involvement_documented_or_reason() -> None:
    with pytest.raises(ValidationError, match="Datum"):
        Involvement(InvolvementTarget.ELTERN, True, None, "Gespräch").validated(date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Inhalt"):
        Involvement(InvolvementTarget.ELTERN, True, date(2026, 11, 19), " ").validated(
            date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Grund"):
        Involvement(InvolvementTarget.KIND, False).validated(date(2026, 11, 20))
    ok = Involvement(InvolvementTarget.KIND, False, date(2026, 11, 19), "x",
                     "wirksamer Schutz in Frage gestellt: Drohung des Vaters").validated(
        date(2026, 11, 20))
    assert ok.on is None and ok.content == ""  # "nicht erfolgt" keeps only the reason


def test_LR06_result_and_s5_blocked_until_parents_and_child_are_documented() -> None:
    b, f = at_s5(involve=(InvolvementTarget.ELTERN,))
    with pytest.raises(ValidationError, match="Einbeziehung Kind"):
        check_result(b.file, good_result(f), FK)
    c = Builder()
    f = fact(c)
    c.go(State.S1).go(State.S2)
    c.add(EntryKind.ASSESSMENT, assessment(*TWO, facts=(f,)))
    c.go(State.S3)
    c.add(EntryKind.ISEF, ISEF_RECORD)
    c.go(State.S4)
    with pytest.raises(ValidationError, match="Einbeziehung Eltern"):
        check_transition(c.file, State.S5, FK)


# --------------------------------------------------------------------------- LR-07


def test_LR07_exactly_one_category_with_justification_and_fact() -> None:
    with pytest.raises(ValidationError, match="vier Kategorien"):
        Result(None, "x", ("e1",)).validated()  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ResultCategory("rot")
    with pytest.raises(ValidationError, match="Begründung"):
        Result(ResultCategory.LATENT, " ", ("e1",)).validated()
    with pytest.raises(ValidationError, match="Fakt"):
        Result(ResultCategory.LATENT, "x", ()).validated()
    assert len(ResultCategory) == 4


def test_LR07_linked_entry_must_exist_and_be_factual() -> None:
    b, _f = at_s5()
    hypo = fact(b, NoteKind.HYPOTHESE)
    with pytest.raises(ValidationError, match="unbekannten"):
        check_result(b.file, Result(ResultCategory.LATENT, "x", ("nope",)), FK)
    with pytest.raises(ValidationError, match="keine Hypothese"):
        check_result(b.file, Result(ResultCategory.LATENT, "x", (hypo,)), FK)


def test_LR07_result_category_decides_the_next_step() -> None:
    b, f = at_s5()
    with pytest.raises(ValidationError, match="Ergebnis"):
        check_transition(b.file, State.S6, FK)
    b.add(EntryKind.RESULT, good_result(f, ResultCategory.KEIN_BEDARF))
    with pytest.raises(ValidationError, match="passt nicht"):
        check_transition(b.file, State.S7, FK)
    check_transition(b.file, State.S9, FK, "Keine Gefährdung, kein Bedarf.")
    b.add(EntryKind.RESULT, good_result(f, ResultCategory.AKUT))
    check_transition(b.file, State.S7, FK, result_review=ReviewStatus.FREIGEGEBEN)
    with pytest.raises(ValidationError, match="passt nicht"):
        check_transition(b.file, State.S6, FK, result_review=ReviewStatus.FREIGEGEBEN)


def test_issue18_steps_after_the_result_wait_for_the_leitung_acute_never_does() -> None:
    """Review gate: while the Leitung's review of the result is open (not handed over,
    waiting, returned), neither helps (S6) nor informing the Jugendamt (S7) is possible;
    the acute path stays open."""
    b, f = at_s5()
    b.add(EntryKind.RESULT, good_result(f, ResultCategory.LATENT))
    for status, words in ((None, "An die Leitung geben"),
                          (ReviewStatus.IN_ARBEIT, "An die Leitung geben"),
                          (ReviewStatus.OFFEN, "noch offen"),
                          (ReviewStatus.VERALTET, "noch offen"),
                          (ReviewStatus.ZURUECKGEGEBEN, "zurückgegeben")):
        for target in (State.S6, State.S7):
            with pytest.raises(ValidationError, match=words):
                check_transition(b.file, target, FK, result_review=status)
    b.add(EntryKind.ACUTE, Acute(datetime(2026, 11, 2, 9, tzinfo=UTC), "Schläge"))
    check_transition(b.file, State.SA, FK, result_review=ReviewStatus.OFFEN)
    for target in (State.S6, State.S7):
        check_transition(b.file, target, FK, result_review=ReviewStatus.FREIGEGEBEN)


# --------------------------------------------------------------------------- LR-08


def test_LR08_reassessment_adds_a_version_and_review_needs_a_new_rating() -> None:
    b, f = at_s5()
    b.add(EntryKind.RESULT, good_result(f))
    b.add(EntryKind.PLAN, SafetyPlan((Measure("m", "Mutter", date(2026, 12, 1), "Kita", "JA"),),
                                     date(2026, 12, 15)))
    b.go(State.S6).go(State.S6B)
    with pytest.raises(ValidationError, match="Überprüfung"):
        check_transition(b.file, State.S9, FK, "Gefahr abgewendet")
    b.add(EntryKind.ASSESSMENT, assessment(*TWO, facts=(f,)))
    check_transition(b.file, State.S9, FK, "Gefahr abgewendet")
    versions = b.file.assessments()
    assert len(versions) == 2 and versions[0].seq < versions[1].seq
    with pytest.raises(AttributeError):
        versions[0].data.summary = "überschrieben"  # type: ignore[misc]


# --------------------------------------------------------------------------- LR-09


def test_LR09_observation_types_source_and_bestritten_marker() -> None:
    with pytest.raises(ValidationError, match="Quelle"):
        Observation(NOW, NoteKind.AUSSAGE_DRITTER, "Die Nachbarin hörte Schreie.").validated(
            NOW)
    ok = Observation(NOW, NoteKind.AUSSAGE_DRITTER, "Schreie gehört", "Nachbarin",
                     disputed=True).validated(NOW)
    assert ok.label() == "Aussage Dritter (Nachbarin) – bestritten"
    with pytest.raises(ValidationError, match="Zukunft"):
        Observation(NOW + timedelta(hours=1), NoteKind.FAKT, "x").validated(NOW)


def test_LR09_later_dispute_marks_the_observation_everywhere() -> None:
    from casework.models.kinderschutz.findings import Dispute

    b = Builder()
    f = fact(b)
    assert not b.file.observations()[0].data.disputed
    b.add(EntryKind.DISPUTE, Dispute(f, "Mutter"))
    assert b.file.observations()[0].data.disputed
    assert "bestritten" in b.file.observations()[0].data.label()


# --------------------------------------------------------------------------- LR-10


def test_LR10_acute_path_needs_acute_record_and_opens_follow_up_tasks() -> None:
    b = Builder()
    with pytest.raises(ValidationError, match="Akutfall"):
        check_transition(b.file, State.SA, FK)
    b.add(EntryKind.ACUTE, Acute(NOW, "Kind allein in der Wohnung.",
                                 calls=(Call(NOW, "Polizei 110"),)))
    check_transition(b.file, State.SA, FK)
    b.go(State.SA)
    for key in TaskKey:
        b.add(EntryKind.TASK, Task(key, NOW + timedelta(days=2)))
    assert open_tasks(b.file) == list(TaskKey)
    b.go(State.S7)
    b.add(EntryKind.MITTEILUNG, Mitteilung(NOW, "JA", "Notdienst", None, "x",
                                           LegalBasis.STGB_34))
    b.go(State.S8)
    with pytest.raises(ValidationError, match="Offene Nacharbeiten"):
        check_transition(b.file, State.S9, FK, "erledigt")
    f = fact(b)
    b.add(EntryKind.ASSESSMENT, assessment(*TWO, facts=(f,)))
    b.add(EntryKind.ISEF_SKIP, IsefSkip("Gefahr in Verzug"))
    for target in InvolvementTarget:
        b.add(EntryKind.INVOLVEMENT, involvement(target))
    b.add(EntryKind.RESULT, good_result(f, ResultCategory.AKUT))
    assert open_tasks(b.file) == []
    check_transition(b.file, State.S9, FK, "Jugendamt hat übernommen.")


def test_LR10_acute_record_needs_time_and_description() -> None:
    with pytest.raises(ValidationError, match="Erkennens"):
        Acute(None, "x").validated(NOW)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="passiert"):
        Acute(NOW, " ").validated(NOW)
    with pytest.raises(ValidationError, match="Angerufene"):
        Acute(NOW, "x", calls=(Call(NOW, ""),)).validated(NOW)


# --------------------------------------------------------------------------- LR-11


def test_LR11_no_inobhutnahme_or_family_court_action_for_freier_traeger() -> None:
    labels = " ".join(ACTION_LABELS.values()).casefold()
    assert "inobhutnahme" not in labels
    assert "familiengericht" not in labels
    assert all("inobhut" not in s.label.casefold() for s in State)
    b = Builder()
    b.add(EntryKind.ACUTE, Acute(NOW, "x"))
    b.go(State.SA)
    assert actions(b.file) == [(State.S7, "Jugendamt / Polizei informieren")]


# --------------------------------------------------------------------------- LR-12


def test_LR12_mitteilung_needs_legal_basis_and_prior_notice_field() -> None:
    base = Mitteilung(NOW, "Jugendamt ASD", "Bezirkssozialarbeit", None, "Inhalt", None,
                      prior_notice_on=date(2026, 11, 20))
    from casework.models.kinderschutz.vocabulary import Channel

    with pytest.raises(ValidationError, match="Übermittlungsweg"):
        base.validated(NOW)
    with_channel = replace(base, channel=Channel.TELEFON)
    with pytest.raises(ValidationError, match="Rechtsgrundlage"):
        with_channel.validated(NOW)
    full = replace(with_channel, legal_basis=LegalBasis.KKG_4_3)
    full.validated(NOW)
    with pytest.raises(ValidationError, match="vorab informiert"):
        replace(full, prior_notice_on=None).validated(NOW)
    with pytest.raises(ValidationError, match="vorab informiert"):
        replace(full, no_prior_notice_reason="Schutz gefährdet").validated(NOW)
    ok = replace(full, prior_notice_on=None,
                 no_prior_notice_reason="wirksamer Schutz in Frage gestellt").validated(NOW)
    assert ok.legal_basis is LegalBasis.KKG_4_3
    with pytest.raises(ValidationError, match="Ansprechperson"):
        replace(full, person=" ").validated(NOW)
    assert {b.value for b in LegalBasis} == {
        "Vereinbarung nach § 8a Abs. 4 SGB VIII", "§ 4 Abs. 3 KKG", "Einwilligung",
        "§ 65 Abs. 1 Nr. 5 SGB VIII", "§ 34 StGB"}


def test_LR12_s8_needs_a_mitteilung() -> None:
    b, f = at_s5()
    b.add(EntryKind.RESULT, good_result(f, ResultCategory.AKUT))
    b.go(State.S7)
    with pytest.raises(ValidationError, match="Mitteilung"):
        check_transition(b.file, State.S8, FK)


# --------------------------------------------------------------------------- LR-14


def test_LR14_schutzplan_needs_measures_and_review_date() -> None:
    m = Measure("Kita täglich", "Mutter", date(2026, 12, 1), "Anwesenheitsliste",
                "Information an das Jugendamt")
    with pytest.raises(ValidationError, match="Überprüfung"):
        SafetyPlan((m,), None).validated(date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Maßnahme"):
        SafetyPlan((), date(2026, 12, 15)).validated(date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Folge"):
        SafetyPlan((replace(m, consequence=""),), date(2026, 12, 15)).validated(
            date(2026, 11, 20))
    SafetyPlan((m,), date(2026, 12, 15)).validated(date(2026, 11, 20))


def test_LR14_review_state_needs_a_plan() -> None:
    b, f = at_s5()
    b.add(EntryKind.RESULT, good_result(f))
    b.go(State.S6)
    with pytest.raises(ValidationError, match="Schutzplan"):
        check_transition(b.file, State.S6B, FK)


# --------------------------------------------------------------------------- LR-17


def test_LR17_instrument_scores_never_fill_in_a_result() -> None:
    b = Builder()
    f = fact(b)
    b.go(State.S1).go(State.S2)
    ratings = tuple(ModuleRating(m, Rating.SEHR_SCHLECHT) for m in
                    ("Grundversorgung und Schutz", "Erscheinungsbild", "Interaktion",
                     "Risikofaktoren"))
    full = Assessment(NOW, TWO, "Einschätzung", "Beispielbogen", "1", ratings,
                      fact_ids=(f,)).validated(NOW)
    b.add(EntryKind.ASSESSMENT, full)
    assert b.file.current_result() is None
    assert not hasattr(full, "category")
    assert "category" not in full.to_payload() and "result" not in full.to_payload()
    with pytest.raises(ValidationError, match="Instrument"):
        Assessment(NOW, TWO, "x", ratings=ratings).validated(NOW)
    with pytest.raises(ValidationError, match="Fachliche Einschätzung"):
        Assessment(NOW, TWO, " ").validated(NOW)


def test_payloads_round_trip() -> None:
    items: list[tuple[EntryKind, object]] = [
        (EntryKind.ASSESSMENT, assessment(*TWO, facts=("e1",))),
        (EntryKind.ISEF, ISEF_RECORD),
        (EntryKind.INVOLVEMENT, involvement(InvolvementTarget.KIND)),
        (EntryKind.RESULT, good_result("e1")),
        (EntryKind.ACUTE, Acute(NOW, "x", "y", (Call(NOW, "Polizei"),))),
        (EntryKind.PLAN, SafetyPlan((Measure("m", "r", date(2026, 12, 1), "v", "c"),),
                                    date(2026, 12, 2))),
    ]
    from casework.models.kinderschutz.procedure import payload_from

    for kind, data in items:
        assert payload_from(kind, data.to_payload()) == data  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- LR-19


def test_LR19_report_keeps_reporter_identity_in_protected_fields() -> None:
    from casework.models.kinderschutz.actions import Report

    with pytest.raises(ValidationError, match="Meldende Person"):
        Report(NOW, "Kind weint nachts.").validated(NOW)
    with pytest.raises(ValidationError, match="anonymen"):
        Report(NOW, "x", anonymous=True, reporter_name="Petra").validated(NOW)
    ok = Report(NOW, "Kind weint nachts.", reporter_name=" Petra Hinweis ",
                reporter_relation="Nachbarin").validated(NOW)
    identity = {k for k, v in ok.to_payload().items() if v == "Petra Hinweis"}
    assert identity == {"reporter_name"}  # disclosure withholds reporter_* keys
    assert Report(NOW, "x", anonymous=True).validated(NOW).reporter_name == ""


def test_issue18_no_judging_defaults_kind_and_rating_must_be_chosen() -> None:
    with pytest.raises(ValidationError, match="bitte wählen"):
        Observation(NOW, None, "Lena friert.").validated(NOW)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Bewertung ausdrücklich wählen"):
        replace(assessment(*TWO), ratings=(ModuleRating("Grundversorgung", None),),  # type: ignore[arg-type]
                instrument="Bogen").validated(NOW)
