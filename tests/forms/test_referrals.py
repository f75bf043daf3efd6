"""Übermittlungsbogen: rendering, and through the service only the covered data."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from casework.clock import FixedClock
from casework.errors import PermissionDenied, ValidationError
from casework.forms import referrals as letter
from casework.models.consent import Capacity, ConsentDraft, Selection, StatutoryBasis
from casework.models.directory.profile import Organisation
from casework.models.ids import HouseholdId, PersonId
from casework.models.referrals import ReferralDraft, ShareField, StatutoryTransfer
from casework.services import referrals as service
from casework.services import referrals_reading as reading
from casework.services import referrals_transfer as transfer
from casework.services.consent import lifecycle as consent
from casework.services.households import households
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import audit as audit_store

TODAY = date(2026, 11, 21)


def test_letter_renders_what_it_is_given(organisation: Organisation, clock: FixedClock,
                                         pdf_text: Callable[[bytes], str]) -> None:
    data = letter.ReferralLetterData(
        organisation=organisation, reference="V-1234abcd", on=TODAY,
        recipient_label="ASD Bezirk 9", recipient_contact="ASD Bezirk 9 – Fachkraft",
        sender="Lena Beispiel (Fachkraft)", reason="Unterstützung <bei> Erziehung & Schule",
        offer="Erziehungsberatung",
        persons=(letter.LetterPerson("Ayşe Müller", "04.05.1988", "Einwilligung vom …"),),
        address="Gärtnerstraße 12, 46236 Bottrop", note="",
        legal_basis=("Übermittlung auf Grundlage von § 8a SGB VIII.",), place="Bottrop")
    text = pdf_text(letter.render_referral_letter(data, clock))
    for expected in ("Vermittlung – Übermittlungsbogen", "ASD Bezirk 9", "Ayşe Müller",
                     "04.05.1988", "Unterstützung <bei> Erziehung & Schule",
                     "Gärtnerstraße 12", "§ 8a SGB VIII", "Seite 1 von 1", "V-1234abcd"):
        assert expected in text
    assert "Hinweise" not in text


def _give(session: Session, person: PersonId, guardians: tuple[PersonId, ...] = ()) -> str:
    cid, _ = consent.prepare(session, ConsentDraft(
        person, (Selection("email", "ASD Bezirk 9"),), (Selection("stadt"),),
        Capacity.GUARDIAN if guardians else Capacity.SELF, guardian_ids=guardians))
    consent.print_form(session, cid)
    consent.record_signature(session, cid, signed_on=TODAY)
    return cid


def _referral(session: Session, family: HouseholdId, persons: tuple[str, ...],
              share: frozenset[ShareField]) -> str:
    rec = service.recipient_choices(session, family).suggested[0]
    rid, _ = service.create(session, ReferralDraft(
        family, persons, rec, "Unterstützung bei Erziehungsfragen", note="Vater gewalttätig",
        share=share))
    return rid


def test_letter_contains_only_persons_with_consent(session: Session, family: HouseholdId,
                                                   pdf_text: Callable[[bytes], str]) -> None:
    people = {p.data.first_name: p.id for p in households.members(session, family)}
    mother, child = people["Ayşe"], people["Lena"]
    _give(session, mother)  # the child has no consent
    rid = _referral(session, family, (mother, child),
                    frozenset({ShareField.GEBURTSDATUM, ShareField.ANLIEGEN}))
    with pytest.raises(ValidationError, match="Einverständnis"):
        transfer.print_letter(session, rid)  # not before the family agreed
    service.agree(session, rid)
    text = pdf_text(transfer.print_letter(session, rid))
    assert "Ayşe Müller" in text and "04.05.1988" in text
    assert "Lena Müller" not in text and "01.03.2019" not in text  # no consent → absent
    assert "Gärtnerstraße" not in text  # address not chosen
    assert "Vater gewalttätig" not in text  # notes only when chosen
    assert "Einwilligung der betroffenen Person vom 21.11.2026" in text
    entry = audit_store.entries(session.db, limit=1)[0]
    assert (entry.action, entry.entity_id) == ("referral.print", rid)
    assert json.loads(entry.detail) == {"persons": [mother]}


def test_letter_refused_when_nobody_is_covered(session: Session, family: HouseholdId) -> None:
    people = {p.data.first_name: p.id for p in households.members(session, family)}
    cid = _give(session, people["Ayşe"])
    rid = _referral(session, family, (people["Ayşe"],), frozenset())
    service.agree(session, rid)
    consent.withdraw(session, cid, total=True)
    with pytest.raises(PermissionDenied, match="keine Person"):
        transfer.print_letter(session, rid)


def test_letter_on_statutory_basis_names_basis_and_notice(
        session: Session, family: HouseholdId, pdf_text: Callable[[bytes], str]) -> None:
    people = {p.data.first_name: p.id for p in households.members(session, family)}
    rid = _referral(session, family, (people["Ayşe"], people["Lena"]),
                    frozenset({ShareField.ANSCHRIFT, ShareField.HINWEISE}))
    service.send(session, rid, statutory=StatutoryTransfer(StatutoryBasis.SGB8_8A, TODAY))
    text = pdf_text(transfer.print_letter(session, rid))
    assert "Ayşe Müller" in text and "Lena Müller" in text
    assert "§ 8a SGB VIII" in text and "vorab informiert am 21.11.2026" in text
    assert "Gärtnerstraße 12" in text and "Vater gewalttätig" in text
    assert "04.05.1988" not in text  # birth date not chosen


def test_reprint_after_withdrawal_reproduces_the_sent_letter(
        session: Session, family: HouseholdId, clock: FixedClock,
        pdf_text: Callable[[bytes], str]) -> None:
    """The Übermittlungsbogen is kept (encrypted) as sent; re-printing it after a
    withdrawal gives the same document, byte for byte. A NEW letter says why it differs."""
    people = {p.data.first_name: p.id for p in households.members(session, family)}
    mother, child = people["Ayşe"], people["Lena"]
    _give(session, mother)
    child_consent = _give(session, child, guardians=(mother,))
    rid = _referral(session, family, (mother, child), frozenset({ShareField.GEBURTSDATUM}))
    service.agree(session, rid)
    service.send(session, rid)
    step = reading.get(session, rid).send_step
    assert step is not None and step.attachment_id and len(step.content_hash) == 64
    sent = transfer.sent_letter(session, rid)
    assert sent is not None
    sent_text = pdf_text(sent)
    assert "Ayşe Müller" in sent_text and "Lena Müller" in sent_text
    # the attachment file on disk is encrypted: no PDF header, no name
    stored = attachments._path(session.vault, step.attachment_id).read_bytes()
    assert not stored.startswith(b"%PDF") and sent not in stored
    consent.withdraw(session, child_consent, total=True, via="telefonisch")
    clock.advance(timedelta(days=3))
    reprint = transfer.print_letter(session, rid)
    assert reprint == sent  # what went out, not today's view of it
    assert audit_store.entries(session.db, limit=1)[0].detail == "sent-copy"
    fresh = pdf_text(transfer.print_letter(session, rid, new=True))
    assert "Ayşe Müller" in fresh and "Lena Müller: nicht mehr enthalten" in fresh
    assert "weicht vom am 21.11.2026 übermittelten Bogen ab" in fresh
    assert "01.03.2019" not in fresh  # the withdrawn child's data is not printed again
