"""§ 8a documents rendered from a real vault and read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdf
import pytest

from casework.clock import FixedClock
from casework.forms.base import Letterhead, letterhead_from_organisation
from casework.forms.kinderschutz import (
    render_documentation,
    render_isef_extract,
    render_mitteilung,
    render_schutzplan,
)
from casework.models.contacts import NoteKind
from casework.models.ids import HouseholdId
from casework.models.kinderschutz.actions import Report
from casework.models.kinderschutz.findings import Dispute
from casework.models.kinderschutz.vocabulary import EntryKind, ResultCategory, State
from casework.services.directory.shipped import load_profile
from casework.services.kinderschutz import documents as ks_documents
from casework.services.kinderschutz import procedures as ks
from casework.services.session import Session
from casework.storage import audit
from tests.forms.conftest import assert_in_window
from tests.services.kinderschutz.support import (
    drive_to_s5,
    earlier,
    make_team,
    mitteilung,
    observe,
    plan,
    result,
    result_approved,
    two_person_assessment,
)

LETTERHEAD = letterhead_from_organisation(load_profile().organisation)
FAMILY_SECRETS = ("Müller", "Mueller", "Ayşe", "Ayse", "Lena", "Gärtnerstraße", "Gärtnerstr",
                  "46236", "01.03.2019", "2019-03-01", "04.05.1988", "0176", "1234567",
                  "ayse.mueller@mail.example", "Petra", "Hinweis hört", "0171", "2223334")


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


@pytest.fixture
def procedure(session: Session, family: HouseholdId) -> str:
    """A procedure at S7 with two assessment versions, a disputed statement, a result,
    a plan and a Mitteilung; free texts mention the family's identifiers."""
    team = make_team(session)
    pid, fact = drive_to_s5(session, team, family)
    said = observe(session, pid, "Frau Müller (Tel. 0176 1234567, ayse.mueller@mail.example) "
                   "soll Lena am 20.11. allein gelassen haben.", NoteKind.AUSSAGE_DRITTER,
                   source="Nachbarin aus der Gärtnerstraße 12")
    ks.dispute_observation(session, pid, Dispute(said, "Mutter"))
    ks.record_report(session, pid, Report(
        earlier(session, 3), "Petra Hinweis hört nachts oft ein Kind weinen.",
        reporter_name="Petra Hinweis", reporter_contact="0171 2223334",
        reporter_relation="Nachbarin", reporter_reason_now="Es wird häufiger."))
    observe(session, pid, "Vermutlich ist Ayşe überfordert; Lenas Geburtstag (01.03.2019) "
            "wurde nicht gefeiert.", NoteKind.HYPOTHESE)
    ks.record_assessment(session, pid, two_person_assessment(
        session, team, (fact, said), "Zweite Fassung: Lage in der Gärtnerstr. 12 verschärft."))
    ks.record_result(session, pid, result(fact, ResultCategory.LATENT))
    result_approved(session, team, pid)
    ks.save_plan(session, pid, plan(session.clock.now().date() + timedelta(days=28)))
    ks.transition(session, pid, State.S7)
    ks.record_mitteilung(session, pid, mitteilung(session))
    return pid


def test_documentation_has_all_sections_versions_and_markers(
        session: Session, procedure: str, clock: FixedClock) -> None:
    d = ks_documents.dossier(session, procedure, purpose="print")
    text = text_of(render_documentation(d, LETTERHEAD, clock))
    for heading in ("Dokumentation der Gefährdungseinschätzung nach § 8a SGB VIII",
                    "Verlauf des Verfahrens", "Wahrnehmungen: Tatsachen",
                    "Wahrnehmungen: Hypothesen und Bewertungen",
                    "Gefährdungseinschätzung – alle Fassungen",
                    "Beratung durch die insoweit erfahrene Fachkraft",
                    "Einbeziehung der Eltern und des Kindes",
                    "Ergebnis der Gefährdungseinschätzung", "Schutzplan",
                    "Mitteilung an das Jugendamt", "Prüfung durch die Leitung"):
        assert heading in text, heading
    assert "Fassung 1 vom" in text and "Fassung 2 vom" in text
    assert "Zweite Fassung: Lage" in text and "Versorgung wiederholt unzureichend." in text
    assert "Aussage Dritter (Quelle: Nachbarin aus der Gärtnerstraße 12) – BESTRITTEN" in text
    assert "[BESTRITTEN] Frau Müller" in text
    assert "latente Kindeswohlgefährdung" in text
    assert "Ayşe Müller" in text and "Lena Müller, geb. 01.03.2019" in text
    assert "Tom Zweitkraft – Zweitkraft" in text
    assert "nicht schematisch anzuwenden" in text
    assert "Meldung / Anlass" in text and "Petra Hinweis, 0171 2223334" in text
    assert "Seite 1 von" in text
    # the persons who decided sign on paper (issue 19); no state codes on paper
    assert "Unterschriften der Beteiligten" in text
    assert "Unterschrift – Tom Zweitkraft (Zweitkraft)" in text
    assert text.count("Unterschrift –") >= 2
    assert not re.search(r"\bS[0-9]b?\b", text)
    last = audit.entries(session.db, limit=1)[0]
    assert (last.action, last.entity_id, last.detail) == ("kinderschutz.print", procedure,
                                                          "dokumentation")


def test_mitteilung_names_legal_basis_and_prior_notice(session: Session, procedure: str,
                                                      clock: FixedClock) -> None:
    d = ks_documents.dossier(session, procedure, document="mitteilung")
    pdf = render_mitteilung(d, LETTERHEAD, clock,
                            office_address=("Prosperstraße 71/1", "46236 Bottrop"))
    text = text_of(pdf)
    assert_in_window(pdf, "Jugendamt – ASD Bezirk 6", "Prosperstraße 71/1", "46236 Bottrop")
    assert "Mitteilung an das Jugendamt" in text
    assert "Rechtsgrundlage § 4 Abs. 3 KKG" in text
    assert "Betroffene vorab informiert ja, am 21.11.2026" in text
    assert "Jugendamt – ASD Bezirk 6" in text and "Übermittlungsweg Telefon" in text
    assert "Unterschrift Leitung" in text


def test_schutzplan_is_plain_language_for_parents(session: Session, procedure: str,
                                                 clock: FixedClock) -> None:
    d = ks_documents.dossier(session, procedure, document="schutzplan")
    text = text_of(render_schutzplan(d, LETTERHEAD, clock))
    assert "Schutzplan – unsere Vereinbarung" in text
    assert "Was wir vereinbart haben" in text and "Wann sprechen wir wieder darüber?" in text
    assert "Am 19.12.2026 schauen wir gemeinsam" in text
    assert "Lena trägt in der Kita wetterfeste Kleidung." in text
    assert "Unterschrift Eltern / Sorgeberechtigte" in text
    assert "BESTRITTEN" not in text and "Hypothese" not in text  # no case notes


def test_isef_extract_contains_no_identifiers_of_the_family(session: Session, procedure: str,
                                                            clock: FixedClock) -> None:
    extract, changes = ks_documents.isef_extract(session, procedure, "Reicht ein Schutzplan aus?")
    # the example Träger sits in the family's postcode area; its letterhead is not family data
    letterhead = Letterhead("Träger Beispiel gGmbH", ("Am Markt 1, 46215 Bottrop",))
    text = text_of(render_isef_extract(extract, letterhead, clock))
    for secret in FAMILY_SECRETS:
        assert secret.casefold() not in text.casefold(), secret
    assert "Kind A" in text and "Elternteil 1" in text
    assert "6–14 Jahre" in text and "erwachsen, 30–39 Jahre" in text
    assert "[BESTRITTEN] [Familienname] (Tel. [Telefon], [E-Mail])" in text or \
        "[BESTRITTEN] Frau [Familienname] (Tel. [Telefon], [E-Mail])" in text
    assert "Kind A" in text and "[Geburtsdatum]" in text and "[Adresse]" in text
    assert "Reicht ein Schutzplan aus?" in text
    assert "Nachbarin [meldende Person] hört nachts oft ein Kind weinen." in text
    assert "Pseudonymisiert nach § 64 Abs. 2a SGB VIII" in text
    # the re-identification key stays in the vault
    key_entry = ks.get_file(session, procedure).latest(EntryKind.PSEUDONYM_KEY)
    assert key_entry is not None
    children = {p.id for p in ks_documents.dossier(session, procedure, purpose="view").children()}
    assert key_entry.data.key["Kind A"] in children
    assert changes.ids("kinderschutz") == {procedure}
    assert "kinderschutz.export" in [e.action for e in audit.entries(session.db, limit=5)]


def test_documents_refuse_missing_content(session: Session, family: HouseholdId,
                                          clock: FixedClock) -> None:
    team = make_team(session)
    pid, _fact = drive_to_s5(session, team, family)
    d = ks_documents.dossier(session, pid)
    with pytest.raises(ValueError):
        render_mitteilung(d, LETTERHEAD, clock)
    with pytest.raises(ValueError):
        render_schutzplan(d, LETTERHEAD, clock)
    text = text_of(render_documentation(d, LETTERHEAD, clock))
    assert "Noch kein Ergebnis festgehalten." in text
