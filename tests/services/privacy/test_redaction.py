"""Redaction with everything the vault knows (issue 19): a third party's name, nickname,
street, phone, e-mail and date planted in notes appear neither in the iseF extract nor in
the Art. 15 letter; the review lists replaced and suspicious spans."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pypdf
import pytest

from casework.clock import BERLIN, FixedClock
from casework.forms.base import letterhead_from_organisation
from casework.forms.kinderschutz import render_isef_extract
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, PersonId
from casework.models.kinderschutz.findings import Observation
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.privacy.redaction import Redactor, Vocabulary, parse_date
from casework.services import contacts
from casework.services.directory import shipped
from casework.services.households import households
from casework.services.kinderschutz import documents as ks_documents
from casework.services.kinderschutz import procedures as kinderschutz
from casework.services.persons import workers
from casework.services.privacy import disclosure, disclosure_answer, redaction
from casework.services.session import Session

# A neighbour family the vault knows; the probes are written the way notes are.
PROBE_NOTE = ("Kunibertchen von nebenan (Frau Schwarzkopf sagt Kuni) war am 6.5.19 da, "
              "wohnt Lindenalle 7, Tel. 0176 1234567, kuni.s@example.org. "
              "Am 06.05.2019 und am 6. Mai 2019 wieder. Frau Schwarzkopff aus der "
              "Lindenallee.")
PROBES = ("Kunibert", "Kuni", "Schwarzkopf", "Lindenall", "0176", "1234567", "kuni.s",
          "6.5.19", "06.05.2019", "6. Mai 2019", "Wolkenstein")


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


@pytest.fixture
def planted(session: Session, family: HouseholdId) -> dict[str, str]:
    neighbours, _ = households.create(session, HouseholdDraft(
        name="Schwarzkopf", street="Lindenallee 7", plz="46236", city="Bottrop"))
    households.add_person(session, neighbours, PersonDraft(
        "Kunibert", "Schwarzkopf", BirthInfo(date(2019, 5, 6)), Gender.MAENNLICH,
        HouseholdRole.KIND))
    members = {p.data.first_name: p.id for p in households.members(session, family)}
    mother, child = members["Ayşe"], members["Lena"]
    contacts.log_contact(session, family, ContactDraft(
        occurred_at=datetime(2026, 11, 16, 14, 0, tzinfo=BERLIN),
        type=ContactType.HAUSBESUCH, duration_min=30, persons_present=(mother, child),
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, PROBE_NOTE),)))
    procedure, _ = kinderschutz.open_procedure(session, family, (child,))
    kinderschutz.record_observation(session, procedure, Observation(
        datetime(2026, 11, 19, 9, 0, tzinfo=BERLIN), NoteKind.AUSSAGE_DRITTER,
        PROBE_NOTE, source="Nachbar Herr Wolkenstein"))
    lead, _ = workers.create(session, WorkerDraft("Leitung Eins", WorkerRole.LEITUNG))
    return {"mother": mother, "procedure": procedure, "lead": lead}


def test_isef_extract_keeps_no_probe(session: Session, planted: dict[str, str],
                                     clock: FixedClock) -> None:
    extract, _ = ks_documents.isef_extract(session, planted["procedure"])
    letterhead = letterhead_from_organisation(
        shipped.load_profile(session.profile_name).organisation)
    text = pdf_text(render_isef_extract(extract, letterhead, clock))
    assert "[Person]" in text and "[Adresse]" in text and "[Datum]" in text
    assert "[Telefon]" in text and "[E-Mail]" in text
    for probe in (*PROBES, "Ayşe", "Lena", "Müller"):
        assert probe not in text, probe
    assert "nicht garantieren" in text  # the limits are stated on the extract


def test_art15_letter_keeps_no_third_party(session: Session, planted: dict[str, str]) -> None:
    rid, _ = disclosure.open_request(session, PersonId(planted["mother"]))
    session.act_as(planted["lead"])  # type: ignore[arg-type]
    answer, _ = disclosure_answer.answer(session, rid)
    text = pdf_text(answer.pdf)
    assert "Ayşe" in text  # her own name stays
    for out in (text, answer.json_text):
        for probe in PROBES:
            assert probe not in out, probe
    assert "Platzhalter in eckigen Klammern" in text


def test_review_lists_replaced_and_suspicious_spans() -> None:
    redactor = Redactor(Vocabulary(names=[("Kunibert Schwarzkopf", "[Person]")],
                                   first_names=[("Kunibert", "[Person]")],
                                   streets=["Lindenallee 7"], marked=["Bolzplatz Nord"]))
    result = redactor.redact("Kunibertchen spielte mit Jovanka am Bolzplatz Nord, "
                             "Zimmer 12b, Lindenalle 7.")
    categories = [s.category for s in result.spans]
    assert categories == ["Name", "Markiert", "Straße"]
    assert [s.original for s in result.spans] == ["Kunibertchen", "Bolzplatz Nord",
                                                 "Lindenalle 7"]
    suspicious = {s.text for s in result.suspects}
    assert "Jovanka" in suspicious and "12b" in suspicious
    assert "Zimmer" not in suspicious


@pytest.mark.parametrize("written", ["6.5.19", "06.05.2019", "6. Mai 2019", "2019-05-06",
                                     "6.5.2019", "06.05.19", "6. Mai 19"])
def test_every_common_date_form_is_read(written: str) -> None:
    assert parse_date(written) == date(2019, 5, 6)
    assert Redactor().redact(f"Geboren {written}.").text == "Geboren [Datum]."


def test_diminutives_and_misspellings() -> None:
    redactor = Redactor(Vocabulary(names=[("Lena Meier", "[Person]")],
                                   first_names=[("Lena", "[Person]"),
                                                ("Kunibert", "[Person]")]))
    for written in ("Lenchen", "Lenerl", "Lenas", "Kuni", "Kunibertle", "Maier", "Kunibärt"):
        assert redactor(f"Heute kam {written} vorbei.") == "Heute kam [Person] vorbei.", written
    assert redactor("Die Lena-Schule") != "Die Lena-Schule"
    assert redactor("Heute kam Kunigunde vorbei.") == "Heute kam Kunigunde vorbei."


def test_vault_vocabulary_knows_sources(session: Session, planted: dict[str, str]) -> None:
    vocabulary = redaction.vault_vocabulary(session)
    assert any("Wolkenstein" in s for s in vocabulary.sources)
    assert "Lindenallee 7" in vocabulary.streets
