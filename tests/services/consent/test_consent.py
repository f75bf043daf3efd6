"""Consent service on real vaults: the consent matrix (ages 13/15/16/17, joint custody),
proof order, withdrawal at the moment of transfer, printing with pypdf checks."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pypdf
import pytest

from casework.errors import PermissionDenied, ValidationError
from casework.models.consent import (
    STATUTORY_ONLY,
    Capacity,
    ConsentDraft,
    ConsentStatus,
    InsightAssessment,
    ProofState,
    Selection,
    StatutoryBasis,
)
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, PersonId, new_ids
from casework.services.consent import catalog as consent_catalog
from casework.services.consent import lifecycle as service
from casework.services.consent import transfer
from casework.services.households import households
from casework.services.session import Session
from casework.storage import attachments, bulk
from casework.storage import audit as audit_store

TODAY = date(2026, 11, 21)  # the fixture clock's day
PNG = b"\x89PNG\r\n\x1a\n" + b"scan of the signed form " * 50


def count_ticked_boxes(pdf: bytes) -> int:
    """Crossed check boxes: each cross is two diagonal strokes (see tests/forms)."""
    strokes = 0
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        for x1, y1, x2, y2 in re.findall(rb"n ([-\d.]+) ([-\d.]+) m ([-\d.]+) ([-\d.]+) l S",
                                         data):
            strokes += float(x1) != float(x2) and float(y1) != float(y2)
    return strokes // 2


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


class Family:
    def __init__(self, session: Session, *, joint: bool = False) -> None:
        self.session = session
        self.hid, _ = households.create(session, HouseholdDraft(
            name="Özdemir", street="Gärtnerstraße 3", plz="46236", city="Bottrop"))
        self.mother = self.add("Ayşe", date(1984, 2, 2), HouseholdRole.ELTERNTEIL, custody=True)
        self.father = (self.add("Jürgen", date(1982, 7, 7), HouseholdRole.ELTERNTEIL,
                                custody=True) if joint else None)

    def add(self, first: str, born: date, role: HouseholdRole = HouseholdRole.KIND,
            custody: bool = False) -> PersonId:
        pid, _ = households.add_person(self.session, HouseholdId(self.hid), PersonDraft(
            first, "Özdemir", BirthInfo(born), Gender.KEINE_ANGABE, role, custody=custody))
        return pid

    def child(self, age: int) -> PersonId:
        """A child who is `age` on TODAY (birthday in June)."""
        return self.add(f"Kind{age}", date(TODAY.year - age, 6, 1))


def draft(person: PersonId, purposes: tuple[str, ...] = ("photo",),
          recipients: tuple[str, ...] = ("stadt",), *, capacity: Capacity = Capacity.GUARDIAN,
          guardians: tuple[PersonId, ...] = (), **kw: object) -> ConsentDraft:
    details = {"email": "an das Jobcenter", "event": "Sommerfest", "digital": "Elterncafé",
               "other": "Schulanmeldung", "traeger": "Beispielträger e. V."}
    return ConsentDraft(
        person_id=person,
        purposes=tuple(Selection(p, details.get(p, "")) for p in purposes),
        recipients=tuple(Selection(r, details.get(r, "")) for r in recipients),
        capacity=capacity, guardian_ids=guardians, **kw)  # type: ignore[arg-type]


def given(session: Session, d: ConsentDraft, signed_on: date = TODAY) -> str:
    cid, _ = service.prepare(session, d)
    service.print_form(session, cid)
    service.record_signature(session, cid, signed_on=signed_on)
    return cid


INSIGHT = InsightAssessment("Lena Beispiel (Fachkraft)", "versteht Zweck und Tragweite")


# ----------------------------------------------------------------- minors matrix


@pytest.mark.parametrize(("age", "self_allowed"), [(13, False), (15, False), (16, True),
                                                   (17, True)])
def test_photo_consent_by_the_child_itself_needs_age_16(session: Session, age: int,
                                                        self_allowed: bool) -> None:
    fam = Family(session)
    child = fam.child(age)
    d = draft(child, ("photo",), capacity=Capacity.SELF)
    if self_allowed:
        cid, _ = service.prepare(session, d)
        assert service.get(session, cid).age_at_consent == age
    else:
        with pytest.raises(ValidationError, match="Personensorgeberechtigten"):
            service.prepare(session, d)


@pytest.mark.parametrize("age", [13, 15, 16, 17])
def test_may_transfer_photo_by_age_and_who_consented(session: Session, age: int) -> None:
    fam = Family(session)
    child = fam.child(age)
    given(session, draft(child, ("photo",), guardians=(fam.mother,)))
    decision = transfer.may_transfer(session, child, "photo", "stadt")
    assert decision.allowed, decision.reason_de
    # Guardians' consent for a 16/17-year-old counts but is due for renewal.
    assert decision.renewal_due is (age >= 16)
    # The digital channel was never consented: named as missing, never silently yes.
    other = transfer.may_transfer(session, child, "digital", "stadt")
    assert not other.allowed
    assert "Personensorgeberechtigten" in other.missing if age < 16 else True
    assert "Nutzung digitaler Kommunikationswege" in other.missing
    assert other.statutory_only == STATUTORY_ONLY


@pytest.mark.parametrize(("age", "warned"), [(13, True), (15, False), (17, False)])
def test_young_person_consenting_to_email_needs_insight_and_warns_below_14(
        session: Session, age: int, warned: bool) -> None:
    fam = Family(session)
    child = fam.child(age)
    without = draft(child, ("email",), capacity=Capacity.SELF)
    with pytest.raises(ValidationError, match="Einsichtsfähigkeit"):
        service.check(session, without)
    with_insight = draft(child, ("email",), capacity=Capacity.SELF, insight=INSIGHT)
    found = service.check(session, with_insight)
    assert found.age == age
    assert any("jünger als 14" in w for w in found.warnings) is warned
    cid, _ = service.prepare(session, with_insight)
    stored = service.get(session, cid)
    assert stored.insight == INSIGHT
    assert stored.age_at_consent == age


def test_joint_custody_needs_both_guardians_or_a_reason(session: Session) -> None:
    fam = Family(session, joint=True)
    assert fam.father is not None
    child = fam.child(10)
    with pytest.raises(ValidationError, match="gemeinsamer Sorge"):
        service.prepare(session, draft(child, guardians=(fam.mother,)))
    both, _ = service.prepare(session, draft(child, guardians=(fam.mother, fam.father)))
    assert service.get(session, both).guardian_ids == (fam.mother, fam.father)
    one, _ = service.prepare(session, draft(
        child, guardians=(fam.mother,),
        single_guardian_reason="Vater hat schriftlich zugestimmt, Kopie liegt vor"))
    assert service.get(session, one).single_guardian_reason.startswith("Vater")


def test_single_custody_one_guardian_suffices(session: Session) -> None:
    fam = Family(session)
    cid, _ = service.prepare(session, draft(fam.child(8), guardians=(fam.mother,)))
    assert service.get(session, cid).proof_state is ProofState.VORBEREITET


def test_guardian_must_have_custody_and_adults_consent_themselves(session: Session) -> None:
    fam = Family(session)
    uncle = fam.add("Onkel", date(1990, 1, 1), HouseholdRole.SONSTIGE)
    with pytest.raises(ValidationError, match="Personensorge"):
        service.prepare(session, draft(fam.child(8), guardians=(uncle,)))
    with pytest.raises(ValidationError, match="Volljährige"):
        service.prepare(session, draft(fam.mother, guardians=(fam.mother,)))


def test_no_blanket_consent(session: Session) -> None:
    fam = Family(session)
    with pytest.raises(ValidationError, match="pauschale"):
        service.prepare(session, draft(fam.mother, (), capacity=Capacity.SELF))
    with pytest.raises(ValidationError, match="nicht kennt"):
        service.prepare(session, draft(fam.mother, ("alles",), capacity=Capacity.SELF))
    # "sonstiges" needs the concrete purpose written down.
    vague = ConsentDraft(fam.mother, (Selection("other", ""),), (Selection("stadt"),),
                         Capacity.SELF)
    with pytest.raises(ValidationError, match="sonstiges"):
        service.prepare(session, vague)


def test_renewal_flag_when_child_turns_16(session: Session) -> None:
    fam = Family(session)
    child = fam.add("Deniz", date(2010, 12, 15))  # 15 today, 16 on 15.12.2026
    cid = given(session, draft(child, ("photo", "digital"), guardians=(fam.mother,)))
    assert service.get(session, cid).renewal_on == date(2026, 12, 15)
    assert service.renewals_due(session, date(2026, 12, 14)) == []
    due = service.renewals_due(session, date(2026, 12, 15))
    assert [r.id for r in due] == [cid]
    assert due[0].person_name == "Deniz Özdemir"
    # Deniz consents personally after the birthday: no longer due.
    session.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]
    own, _ = service.prepare(session, draft(child, ("photo",), capacity=Capacity.SELF))
    service.print_form(session, own)
    assert [r.id for r in service.renewals_due(session)] == [cid]
    service.record_signature(session, own, signed_on=date(2026, 12, 21))
    assert service.renewals_due(session) == []


# ----------------------------------------------------------------- proof


def test_proof_states_in_order_and_history_kept(session: Session) -> None:
    fam = Family(session)
    cid, _ = service.prepare(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))
    with pytest.raises(ValidationError, match="Reihenfolge"):
        service.record_signature(session, cid, signed_on=TODAY)
    with pytest.raises(ValidationError, match="Reihenfolge"):
        service.file_scan(session, cid, PNG)
    assert not transfer.may_transfer(session, fam.mother, "email", "stadt").allowed
    service.print_form(session, cid)
    assert service.get(session, cid).proof_state is ProofState.GEDRUCKT
    with pytest.raises(ValidationError, match="Zukunft"):
        service.record_signature(session, cid, signed_on=TODAY + timedelta(days=1))
    service.record_signature(session, cid, signed_on=TODAY, place="Bottrop")
    assert transfer.may_transfer(session, fam.mother, "email", "stadt").allowed
    service.file_scan(session, cid, PNG)
    consent = service.get(session, cid)
    assert consent.proof_state is ProofState.SCAN_ABGELEGT
    assert [e.kind.value for e in consent.events] == ["prepared", "printed", "signed", "scan"]
    assert consent.given_event is not None and consent.given_event.obtained_by == session.actor_id
    assert service.scan(session, cid) == PNG
    with pytest.raises(ValidationError):
        service.file_scan(session, cid, PNG)  # no second scan state
    # Template version and hash of the rendered template are stored (LR-30).
    assert consent.template_version == consent_catalog.catalog(session).template_version
    assert re.fullmatch(r"[0-9a-f]{64}", consent.template_hash)
    assert consent.template_hash == service.template_hash(session)


def test_rows_are_append_only_in_the_database(session: Session) -> None:
    fam = Family(session)
    cid, _ = service.prepare(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))
    with pytest.raises(Exception, match="append-only"), session.db.transaction():
        session.db.execute("UPDATE consent_events SET kind = 'signed' WHERE consent_id = ?",
                           (cid,))
    with pytest.raises(Exception, match="append-only"), session.db.transaction():
        session.db.execute("UPDATE consents SET valid_until = '2099-01-01' WHERE id = ?",
                           (cid,))


def test_oral_consent_needs_a_documented_reason(session: Session) -> None:
    fam = Family(session)
    cid, _ = service.prepare(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))
    with pytest.raises(ValidationError, match="besonderen Umständen"):
        service.record_oral(session, cid, given_on=TODAY, reason="  ")
    service.record_oral(session, cid, given_on=TODAY,
                        reason="Telefonat, Frau Ö. ist nach OP nicht mobil; Formular folgt")
    consent = service.get(session, cid)
    assert consent.proof_state is ProofState.MUENDLICH
    assert transfer.may_transfer(session, fam.mother, "email", "stadt").allowed


def test_scan_must_be_an_image_or_pdf(session: Session) -> None:
    fam = Family(session)
    cid = given(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))
    with pytest.raises(ValidationError, match="PDF"):
        service.file_scan(session, cid, b"just text")


# ----------------------------------------------------------------- withdrawal / transfer


def test_partial_withdrawal_keeps_the_other_purposes(session: Session) -> None:
    fam = Family(session)
    cid = given(session, draft(fam.mother, ("email", "photo", "event"), ("stadt", "fbs"),
                               capacity=Capacity.SELF))
    wid, changes = service.withdraw(session, cid, total=False, purposes=("photo",),
                                    via="telefonisch")
    assert changes.ids("consent") == {cid}
    assert not transfer.may_transfer(session, fam.mother, "photo", "stadt").allowed
    assert not transfer.may_transfer(session, fam.mother, "photo", "fbs").allowed
    assert transfer.may_transfer(session, fam.mother, "email", "fbs").allowed
    assert transfer.may_transfer(session, fam.mother, "event", "stadt").allowed
    consent = service.get(session, cid)
    assert consent.status(session.clock.now()) is ConsentStatus.TEILWEISE_WIDERRUFEN
    assert len(consent.items) == 6  # history kept: nothing deleted
    # Partial by recipient, then total.
    service.withdraw(session, cid, total=False, recipients=("fbs",))
    assert not transfer.may_transfer(session, fam.mother, "email", "fbs").allowed
    assert transfer.may_transfer(session, fam.mother, "email", "stadt").allowed
    service.withdraw(session, cid, total=True)
    assert service.get(session, cid).status(session.clock.now()) is ConsentStatus.WIDERRUFEN
    with pytest.raises(ValidationError, match="bereits"):
        service.withdraw(session, cid, total=True)
    # The confirmation names what was withdrawn and what remains.
    text = pdf_text(service.withdrawal_confirmation(session, wid))
    assert "Bestätigung des Widerrufs" in text
    assert "Bildablichtung (Foto, Film)" in text
    assert "Weiterhin gültig" in text and "Teilnahme an der Veranstaltung: Sommerfest" in text
    assert "Ayşe Özdemir" in text


def test_withdrawal_between_drafting_and_sending_blocks_the_transfer(
        session: Session) -> None:
    fam = Family(session)
    cid = given(session, draft(fam.mother, ("email",), ("traeger",), capacity=Capacity.SELF))
    drafted = transfer.may_transfer(session, fam.mother, "email", "traeger")
    assert drafted.allowed and drafted.consent_id == cid
    session.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    service.withdraw(session, cid, total=True, via="per E-Mail")
    session.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    at_send = transfer.may_transfer(session, fam.mother, "email", "traeger")
    assert not at_send.allowed
    assert "widerrufen" in at_send.reason_de
    # The old "yes" cannot be replayed: record_transfer checks again and logs the refusal.
    with pytest.raises(PermissionDenied, match="nicht zulässig"):
        transfer.record_transfer(session, drafted)
    last = audit_store.entries(session.db, limit=1)[0]
    assert last.action == "consent.transfer_checked"
    assert json.loads(last.detail)["allowed"] == 0
    # The past stays lawful: asked for a moment before the withdrawal, the answer is yes.
    assert transfer.may_transfer(session, fam.mother, "email", "traeger",
                                at=drafted.checked_at).allowed


def test_sending_rechecks_the_same_named_recipient_not_any_other(session: Session) -> None:
    # Two consents for "other" recipients with different named bodies. A "yes" for the
    # Jobcenter must not be carried by the Schuldnerberatung consent once the Jobcenter
    # consent is withdrawn.
    fam = Family(session)
    jobcenter = given(session, ConsentDraft(
        fam.mother, (Selection("email", "Anliegen Miete"),), (Selection("other", "Jobcenter"),),
        capacity=Capacity.SELF))
    given(session, ConsentDraft(
        fam.mother, (Selection("email", "Anliegen Miete"),),
        (Selection("other", "Schuldnerberatung"),), capacity=Capacity.SELF))
    drafted = transfer.may_transfer(session, fam.mother, "email", "other",
                                   recipient_detail="Jobcenter")
    assert drafted.allowed and drafted.consent_id == jobcenter
    session.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    service.withdraw(session, jobcenter, total=True, via="telefonisch")
    with pytest.raises(PermissionDenied, match="nicht zulässig"):
        transfer.record_transfer(session, drafted)


def test_record_transfer_logs_ids_only_and_accepts_a_statutory_basis(
        session: Session) -> None:
    fam = Family(session)
    cid = given(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))
    transfer.record_transfer(session, transfer.may_transfer(session, fam.mother, "email",
                                                          "stadt"), reference_id="ref-1")
    entry = audit_store.entries(session.db, limit=1)[0]
    assert entry.entity_id == fam.mother
    assert json.loads(entry.detail) == {"allowed": 1, "consent": cid, "purpose": "email",
                                        "recipient": "stadt", "ref": "ref-1"}
    assert "Özdemir" not in entry.detail
    refused = transfer.may_transfer(session, fam.mother, "photo", "stadt")
    transfer.record_transfer(session, refused, statutory_basis=StatutoryBasis.SGB8_8A)
    assert json.loads(audit_store.entries(session.db, limit=1)[0].detail)["basis"] == "SGB8_8A"
    assert audit_store.verify(session.db) == []


def test_expired_consent_says_no(session: Session) -> None:
    fam = Family(session)
    given(session, draft(fam.mother, ("event",), capacity=Capacity.SELF,
                         valid_until=TODAY + timedelta(days=10)))
    assert transfer.may_transfer(session, fam.mother, "event", "stadt").allowed
    session.clock.advance(timedelta(days=11))  # type: ignore[attr-defined]
    late = transfer.may_transfer(session, fam.mother, "event", "stadt")
    assert not late.allowed and "abgelaufen" in late.reason_de
    assert [r.status for r in service.overview(session)] == [ConsentStatus.ABGELAUFEN]


def test_self_consent_of_a_child_never_counts_for_photos(session: Session) -> None:
    """Even if a child's own photo consent exists (recorded at 16), it does not count for
    a transfer time at which the child was under 16 (e.g. a corrected birth date)."""
    fam = Family(session)
    child = fam.child(16)
    given(session, draft(child, ("photo",), capacity=Capacity.SELF))
    assert transfer.may_transfer(session, child, "photo", "stadt").allowed
    households.update_person(session, child, PersonDraft(
        "Kind16", "Özdemir", BirthInfo(date(2012, 1, 1)), role=HouseholdRole.KIND))
    now = transfer.may_transfer(session, child, "photo", "stadt")
    assert not now.allowed
    assert "Personensorgeberechtigten" in now.reason_de


def test_refused_draft_never_allows(session: Session) -> None:
    fam = Family(session)
    cid, _ = service.prepare(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))
    service.refuse(session, cid, on=TODAY, reason="möchte nicht")
    answer = transfer.may_transfer(session, fam.mother, "email", "stadt")
    assert not answer.allowed and "verweigert" in answer.reason_de
    with pytest.raises(ValidationError):
        service.print_form(session, cid)


# ----------------------------------------------------------------- printing


def test_printed_form_is_prefilled_and_logged(session: Session) -> None:
    fam = Family(session, joint=True)
    assert fam.father is not None
    child = fam.add("Zoë", date(2015, 4, 9))
    cid, _ = service.prepare(session, draft(child, ("event", "digital"), ("traeger", "stadt"),
                                            guardians=(fam.mother, fam.father),
                                            valid_until=date(2027, 7, 31)))
    pdf, changes = service.print_form(session, cid)
    assert changes.ids("consent") == {cid}
    text = pdf_text(pdf)
    assert "Zoë Özdemir" in text and "09.04.2015" in text
    assert "Ayşe Özdemir / Jürgen Özdemir" in text
    assert "Sommerfest" in text and "Elterncafé" in text and "Beispielträger e. V." in text
    assert "31.07.2027" in text
    assert "Lena Beispiel, Fachkraft" in text
    # 2 purposes + 2 recipients + child's data + guardian capacity + "befristet".
    assert count_ticked_boxes(pdf) == 7
    consent = service.get(session, cid)
    printed = consent.events[-1]
    assert printed.kind.value == "printed" and printed.attachment_id
    assert attachments.get(session.vault, printed.attachment_id) == pdf
    entry = audit_store.entries(session.db, limit=1)[0]
    assert (entry.action, entry.entity_id, entry.detail) == ("consent.print", cid, "form")


def test_blank_form_is_logged(session: Session) -> None:
    pdf = service.blank_form(session)
    assert "Einverständniserklärung zur DSGVO" in pdf_text(pdf)
    assert audit_store.entries(session.db, limit=1)[0].detail == "blank"


def test_with_a_team_hub_stale_records_do_not_allow_a_transfer(session: Session) -> None:
    """A withdrawal recorded on another laptop must have arrived before we rely on the
    consent: with a hub configured the last pull has to be recent."""
    from casework.clock import to_utc_iso
    from casework.storage import hub as sync_state

    fam = Family(session)
    given(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))
    with session.db.transaction():
        sync_state.set_state(session.db, "hub_dsn", "postgresql://hub.example/casework")
        sync_state.set_state(session.db, "last_sync_at",
                             to_utc_iso(session.clock.now() - timedelta(days=3)))
    stale = transfer.may_transfer(session, fam.mother, "email", "stadt")
    assert not stale.allowed and "synchronisieren" in stale.reason_de
    explicit_now = transfer.may_transfer(session, fam.mother, "email", "stadt",
                                        at=session.clock.now())
    assert not explicit_now.allowed
    with session.db.transaction():
        sync_state.set_state(session.db, "last_sync_at", to_utc_iso(session.clock.now()))
    assert transfer.may_transfer(session, fam.mother, "email", "stadt").allowed


def test_has_valid_consent_for_any_recipient(session: Session) -> None:
    fam = Family(session)
    assert not transfer.has_valid_consent(session, fam.mother, "event")
    cid = given(session, draft(fam.mother, ("event",), ("fbs",), capacity=Capacity.SELF))
    assert transfer.has_valid_consent(session, fam.mother, "event")
    assert not transfer.has_valid_consent(session, fam.mother, "photo")
    service.withdraw(session, cid, total=True)
    assert not transfer.has_valid_consent(session, fam.mother, "event")


def test_named_recipient_must_match_when_given(session: Session) -> None:
    fam = Family(session)
    given(session, draft(fam.mother, ("email",), ("traeger",), capacity=Capacity.SELF))
    anyone = transfer.may_transfer(session, fam.mother, "email", "traeger")
    assert anyone.allowed and "Beispielträger e. V." in anyone.reason_de
    assert transfer.may_transfer(session, fam.mother, "email", "traeger",
                                recipient_detail="BEISPIELTRÄGER E. V.").allowed
    other = transfer.may_transfer(session, fam.mother, "email", "traeger",
                                 recipient_detail="Anderer Träger gGmbH")
    assert not other.allowed and "Anderer Träger gGmbH" in other.missing
    # "die Stadt Bottrop" has no fill-in line: a detail does not matter there.
    given(session, draft(fam.mother, ("email",), ("stadt",), capacity=Capacity.SELF))
    assert transfer.may_transfer(session, fam.mother, "email", "stadt",
                                recipient_detail="Rathaus").allowed


def test_a_transfer_check_does_not_read_the_whole_change_log(session: Session) -> None:
    # Issue 23: the check asked the sync status, which counted every change not yet at a
    # hub: a scan of the change log for each transfer (seconds on a large vault).
    fam = Family(session)
    given(session, draft(fam.mother, ("email",), capacity=Capacity.SELF))

    with session.db.transaction():
        bulk.insert_batch(session.writer(), [(hid, HouseholdDraft(name="Muster"))
                                             for hid in sorted(new_ids(5000))], [], [])
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    session.db.conn.set_progress_handler(count, 100)  # once per 100 SQLite instructions
    try:
        decision = transfer.may_transfer(session, fam.mother, "email", "stadt")
    finally:
        session.db.conn.set_progress_handler(None, 100)
    assert decision.allowed, decision.reason_de
    assert steps[0] * 100 < 5000  # fewer instructions than there are changes
