"""Art. 15 disclosure (LR-24, LR-19): the person's data in, co-residents' private notes
and reporter identities out unless a balancing decision is recorded."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta

import pypdf
import pytest

from casework.clock import BERLIN, FixedClock
from casework.errors import PermissionDenied, UserError, ValidationError
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, PersonId
from casework.models.kinderschutz.findings import Observation
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import contacts
from casework.services.households import households
from casework.services.kinderschutz import procedures as kinderschutz
from casework.services.persons import workers
from casework.services.privacy import disclosure, disclosure_answer
from casework.services.privacy.disclosure import DecisionKind
from casework.services.session import Session
from casework.storage import audit

PRIVATE = ("Spielschulden", "Kassiopeia")  # co-resident alone, subject not mentioned
MENTION = "Zimtschnecke"  # co-resident alone, mentions the subject
TEACHER = "Kowalczyk"  # source of an "Aussage Dritter" in a contact
REPORTER = "Wolkenstein"  # source of a § 8a observation


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ENGLISH_KEYS = ("capacity", "guardian_ids", "template_hash", "payload", "created_at",
                "procedure_id", "lead_worker_id", "state", "observed_at", "kind", "source")


def assert_letter_is_clean(text: str) -> None:
    """No JSON, ids, ISO timestamps, state codes, requirement ids or English keys."""
    for bad in ("{", "}", "[[", "LR-", "Quelle 0", "T09:", "Z\n", "S0", "S7"):
        assert bad not in text, bad
    assert not UUID.search(text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    for key in ENGLISH_KEYS:
        assert not re.search(rf"\b{key}\b", text), key


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def _contact(session: Session, hid: HouseholdId, present: tuple[PersonId, ...],
             *notes: NoteEntry, day: int = 18) -> None:
    contacts.log_contact(session, hid, ContactDraft(
        occurred_at=datetime(2026, 11, day, 14, 0, tzinfo=BERLIN), type=ContactType.HAUSBESUCH,
        duration_min=30, persons_present=present, notes=notes))


@pytest.fixture
def setup(session: Session, family: HouseholdId) -> dict[str, str]:
    members = {p.data.first_name: p.id for p in households.members(session, family)}
    dragomir, _ = households.add_person(session, family, PersonDraft(
        "Dragomir", "Müller", BirthInfo(date(1985, 2, 3)), Gender.MAENNLICH,
        HouseholdRole.ELTERNTEIL))
    mother, child = members["Ayşe"], members["Lena"]
    _contact(session, family, (mother, child),
             NoteEntry(NoteKind.FAKT, "Ayşe sucht eine größere Wohnung."),
             NoteEntry(NoteKind.AUSSAGE_DRITTER, "Lena kommt oft ohne Frühstück.",
                       source=f"Lehrerin Frau {TEACHER}"), day=16)
    _contact(session, family, (dragomir,),
             NoteEntry(NoteKind.BEOBACHTUNG, f"Er erzählt von {PRIVATE[0]} bei {PRIVATE[1]}."),
             day=17)
    _contact(session, family, (dragomir,),
             NoteEntry(NoteKind.BEOBACHTUNG, f"Er sorgt sich um Ayşe, Stichwort {MENTION}."),
             day=18)
    procedure, _ = kinderschutz.open_procedure(session, family, (child,))
    kinderschutz.record_observation(session, procedure, Observation(
        datetime(2026, 11, 19, 9, 0, tzinfo=BERLIN), NoteKind.AUSSAGE_DRITTER,
        "Lauter Streit in der Wohnung.", source=f"Nachbar Herr {REPORTER}"))
    lead, _ = workers.create(session, WorkerDraft("Leitung Eins", WorkerRole.LEITUNG))
    fk, _ = workers.create(session, WorkerDraft("Tom Fachkraft", WorkerRole.FACHKRAFT))
    return {"family": family, "mother": mother, "child": child, "dragomir": dragomir,
            "lead": lead, "owner": session.actor_id, "fk": fk}


def test_request_is_recorded_with_one_month_due_date(session: Session,
                                                     setup: dict[str, str],
                                                     clock: FixedClock) -> None:
    rid, changes = disclosure.open_request(session, PersonId(setup["mother"]))
    assert changes.affects("disclosure_request")
    info = disclosure.get_request(session, rid)
    assert (info.received_on, info.due_on) == (date(2026, 11, 21), date(2026, 12, 21))
    assert info.outcome is None and "Müller" not in info.label
    assert [r.id for r in disclosure.requests(session)] == [rid]
    clock.advance(timedelta(days=31))
    assert disclosure.requests(session)[0].overdue(date(2026, 12, 22))
    assert any(e.action == "disclosure.request" and e.entity_id == setup["mother"]
               for e in audit.entries(session.db))
    with pytest.raises(ValidationError, match="Eingang"):
        disclosure.open_request(session, PersonId(setup["mother"]),
                                received_on=date(2027, 6, 1))


def test_answer_contains_the_person_and_withholds_third_parties(
        session: Session, setup: dict[str, str]) -> None:
    rid, _ = disclosure.open_request(session, PersonId(setup["mother"]))
    session.act_as(setup["fk"])  # type: ignore[arg-type]  # the owner is also Admin
    with pytest.raises(PermissionDenied):
        disclosure_answer.answer(session, rid)  # Fachkraft
    session.act_as(setup["lead"])  # type: ignore[arg-type]
    answer, _ = disclosure_answer.answer(session, rid)
    data = json.loads(answer.json_text)
    text = pdf_text(answer.pdf)
    for out in (answer.json_text, text):
        assert "Ayşe" in out and "Müller" in out
        assert "größere Wohnung" in out and "ohne Frühstück" in out
        # § 8a records are restricted by default (issue 19): no content, legal reason.
        assert "Lauter Streit in der Wohnung." not in out
        for secret in (*PRIVATE, MENTION, TEACHER, REPORTER, "Dragomir"):
            assert secret not in out, secret
    assert "§ 65 SGB VIII" in text and "Art. 23" in text
    for heading in ("Stammdaten", "Kontakte", "Einwilligungen", "Vermittlungen",
                    "Empfänger", "Speicherdauer", "Herkunft der Daten", "Ihre Rechte",
                    "Zwecke und Kategorien", "Art. 22", "Art. 77", "Mit freundlichen Grüßen",
                    "Sehr geehrte Frau Müller"):
        assert heading in text, heading
    assert_letter_is_clean(text)
    assert data["subject"]["data"]["Vorname"] == "Ayşe"
    assert data["request"]["due_on"] == "2026-12-21"
    assert [c["present"] for c in data["contacts"]] == [True]
    assert "kinderschutz" not in data["records"]
    whats = {w["what"] for w in data["withheld"]}
    assert "Kontakte ohne Ihre Anwesenheit, in denen Sie erwähnt werden" in whats
    assert "Aufzeichnungen zum Schutzauftrag bei Kindeswohlgefährdung" in whats
    assert all(w["reason"] for w in data["withheld"])
    assert "id" not in data["request"] and not UUID.search(answer.json_text)
    assert data["households"][0]["storage_period"].startswith("Aufbewahrung bis auf Weiteres")
    assert answer.outcome == "teilweise"
    assert disclosure.get_request(session, rid).outcome == "teilweise"
    actions = [e.action for e in audit.entries(session.db)]
    assert "disclosure.export" in actions and "kinderschutz.view" not in actions


def test_balancing_decisions_release_withheld_parts(session: Session,
                                                    setup: dict[str, str]) -> None:
    rid, _ = disclosure.open_request(session, PersonId(setup["mother"]))
    session.act_as(setup["fk"])  # type: ignore[arg-type]  # the owner is also Admin
    with pytest.raises(PermissionDenied):
        disclosure.record_decision(session, rid, DecisionKind.INCLUDE_THIRD_PARTY, "x")
    session.act_as(setup["lead"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Begründung"):
        disclosure.record_decision(session, rid, DecisionKind.INCLUDE_REPORTER, "  ")
    disclosure.record_decision(session, rid, DecisionKind.INCLUDE_THIRD_PARTY,
                               "Einverständnis des Mitbewohners liegt vor.")
    disclosure.record_decision(session, rid, DecisionKind.INCLUDE_REPORTER,
                               "Meldender hat der Offenlegung zugestimmt.")
    disclosure.record_decision(session, rid, DecisionKind.INCLUDE_KINDERSCHUTZ,
                               "Verfahren abgeschlossen; Mitteilung gefährdet das Kind nicht.")
    answer, _ = disclosure_answer.answer(session, rid)
    text = pdf_text(answer.pdf)
    assert "Lauter Streit in der Wohnung." in text and "Wahrnehmung" in text
    assert "Leitung Eins (Leitung)" in text  # who decided, on paper
    assert_letter_is_clean(text)
    assert "audit" not in answer.json_text
    actions = [e.action for e in audit.entries(session.db)]
    assert "kinderschutz.view" in actions
    assert MENTION in answer.json_text and REPORTER in answer.json_text
    assert TEACHER in answer.json_text
    # Still only what concerns her: the co-resident's other conversation stays out.
    assert PRIVATE[0] not in answer.json_text
    data = json.loads(answer.json_text)
    assert [c["present"] for c in data["contacts"]] == [True, False]
    assert {d["kind"] for d in data["decisions"]} == {
        DecisionKind.INCLUDE_THIRD_PARTY.value, DecisionKind.INCLUDE_REPORTER.value,
        DecisionKind.INCLUDE_KINDERSCHUTZ.value}
    assert {d["decided_by"] for d in data["decisions"]} == {"Leitung Eins (Leitung)"}
    assert "Meldender hat der Offenlegung zugestimmt." in pdf_text(answer.pdf)


def test_refusal_needs_a_reason(session: Session, setup: dict[str, str]) -> None:
    rid, _ = disclosure.open_request(session, PersonId(setup["mother"]))
    session.act_as(setup["lead"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Begründung"):
        disclosure.refuse(session, rid, "")
    assert disclosure.get_request(session, rid).outcome is None
    disclosure.refuse(session, rid, "Offensichtlich unbegründetes, exzessives Ersuchen "
                                    "(Art. 12 Abs. 5 DSGVO).")
    assert disclosure.get_request(session, rid).outcome == "abgelehnt"
    with pytest.raises(UserError, match="abgelehnt"):
        disclosure_answer.answer(session, rid)
    data = disclosure_answer.build(session, rid)
    assert data.refused and "Art. 12 Abs. 5" in data.refusal_reason
    assert any(e.action == "disclosure.refuse" for e in audit.entries(session.db))


def test_child_disclosure_does_not_leak_mothers_private_conversation(
        session: Session, setup: dict[str, str]) -> None:
    household = HouseholdId(setup["family"])
    _contact(session, household, (PersonId(setup["mother"]),),
             NoteEntry(NoteKind.FAKT, "Mutter spricht über Schwangerschaftsabbruch."), day=19)
    rid, _ = disclosure.open_request(session, PersonId(setup["child"]))
    session.act_as(setup["lead"])  # type: ignore[arg-type]
    answer, _ = disclosure_answer.answer(session, rid)
    assert "Lena" in answer.json_text and "ohne Frühstück" in answer.json_text
    assert "Schwangerschaftsabbruch" not in answer.json_text
    # The § 8a procedure concerns Lena: it is restricted, with the reason, not hidden.
    data = json.loads(answer.json_text)
    assert "kinderschutz" not in data["records"]
    assert "Aufzeichnungen zum Schutzauftrag bei Kindeswohlgefährdung" in {
        w["what"] for w in data["withheld"]}


def test_co_resident_without_custody_gets_his_own_data_only(session: Session,
                                                           setup: dict[str, str]) -> None:
    rid, _ = disclosure.open_request(session, PersonId(setup["dragomir"]))
    session.act_as(setup["lead"])  # type: ignore[arg-type]
    answer, _ = disclosure_answer.answer(session, rid)
    data = json.loads(answer.json_text)
    assert PRIVATE[0] in answer.json_text and MENTION in answer.json_text  # his own talks
    for other in ("ohne Frühstück", "größere Wohnung", "Lauter Streit", REPORTER, TEACHER):
        assert other not in answer.json_text, other
    assert "kinderschutz" not in data["records"]
    assert "Angaben zu weiteren Haushaltsmitgliedern" in {w["what"] for w in data["withheld"]}


def test_balancing_decision_signed_by_the_deciding_person(session: Session,
                                                         setup: dict[str, str]) -> None:
    """The § 8a release is a decision a person signs with her key; the letter names the
    verified signature (and keeps the paper signature line)."""
    from tests.conftest import add_person, sign

    dana = add_person(session, "Dana Leitung", WorkerRole.LEITUNG)
    rid, _ = disclosure.open_request(session, PersonId(setup["mother"]))
    session.act_as(dana)
    disclosure.record_decision(session, rid, DecisionKind.INCLUDE_KINDERSCHUTZ,
                               "Verfahren abgeschlossen.", auth=sign(session))
    answer, _ = disclosure_answer.answer(session, rid)
    text = pdf_text(answer.pdf)
    assert "elektronisch signiert von Dana Leitung (Leitung)" in text
    assert "Lauter Streit in der Wohnung." in text
    data = json.loads(answer.json_text)
    assert data["decisions"][0]["signature"].startswith("elektronisch signiert")
    assert "Unterschrift" in text


def test_corrected_contact_shows_current_and_earlier_wording(
        session: Session, setup: dict[str, str]) -> None:
    """Issue 18: a correction keeps the earlier wording visible on paper, with who, when
    and why; an addendum is printed with its date."""
    from casework.models.contacts import AddendumDraft, CorrectionDraft
    from casework.services import contacts_corrections

    contact = next(c for c in contacts.contacts(session, setup["family"])
                   if "größere Wohnung" in c.data.notes[0].text)
    contacts_corrections.correct(session, contact.id, CorrectionDraft(
        (NoteEntry(NoteKind.FAKT, "Ayşe sucht eine kleinere Wohnung."), contact.data.notes[1]),
        "Hörfehler"))
    contacts_corrections.add_addendum(session, contact.id, AddendumDraft(
        "Wohnungsamt angerufen."))
    rid, _ = disclosure.open_request(session, PersonId(setup["mother"]))
    session.act_as(setup["lead"])  # type: ignore[arg-type]
    answer, _ = disclosure_answer.answer(session, rid)
    text = pdf_text(answer.pdf)
    assert "Fakt: Ayşe sucht eine kleinere Wohnung." in text
    # (the redactor hides the worker's first name: the child is called Lena too)
    assert "berichtigt am 21.11.2026 10:00 von [Person] Beispiel (Grund: Hörfehler)" in text
    assert "frühere Fassung: Fakt: Ayşe sucht eine größere Wohnung." in text
    assert "Aussage Dritter (Quelle zurückgehalten): [Person] kommt oft" in text
    assert TEACHER not in text and "Lehrerin" not in text
    assert "Nachtrag vom 21.11.2026 10:00 von [Person] Beispiel: Wohnungsamt angerufen." in text
    assert_letter_is_clean(text)
    assert "berichtigt am" in json.loads(answer.json_text)["contacts"][0]["revisions"][0]


def test_a_corrected_date_and_type_keep_the_earlier_values_on_paper(
        session: Session, setup: dict[str, str]) -> None:
    """Issue 18: a correction of date, type and next step prints the corrected values and,
    under the correction mark, the values it replaced (checked in the PDF's text)."""
    from casework.models.contacts import CorrectionDraft
    from casework.services import contacts_corrections

    contact = next(c for c in contacts.contacts(session, setup["family"])
                   if "größere Wohnung" in c.data.notes[0].text)
    contacts_corrections.correct(session, contact.id, CorrectionDraft(
        contact.data.notes, "falsch eingetragen",
        occurred_at=datetime(2026, 11, 15, 11, 0, tzinfo=BERLIN), type=ContactType.TELEFONAT,
        next_steps="Wohnungsamt anrufen"))
    rid, _ = disclosure.open_request(session, PersonId(setup["mother"]))
    session.act_as(setup["lead"])  # type: ignore[arg-type]
    answer, _ = disclosure_answer.answer(session, rid)
    text = " ".join(pdf_text(answer.pdf).split())
    assert "15.11.2026" in text and "Telefonat" in text and "Wohnungsamt anrufen" in text
    assert ("(Grund: falsch eingetragen); frühere Fassung: Datum/Uhrzeit: 16.11.2026 14:00; "
            "Art: Hausbesuch; Nächster Schritt: (leer);") in text
    assert "frühere Fassung: Datum/Uhrzeit: 16.11.2026 14:00; Art: Hausbesuch; Nächster " \
           "Schritt: (leer); Fakt:" not in text  # the unchanged notes are not repeated
    assert_letter_is_clean(text)
