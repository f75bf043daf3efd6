"""Referral service on real vaults: lifecycle, consent gating at the moment of sending
(LR-31/LR-32), the § 8a statutory path, follow-ups for Heute, statistics."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from casework.clock import FixedClock
from casework.errors import PermissionDenied, ValidationError
from casework.models.consent import Capacity, ConsentDraft, Selection, StatutoryBasis
from casework.models.households.person import BirthInfo, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, PersonId
from casework.models.referrals import (
    ReferralDraft,
    ReferralState,
    StatutoryTransfer,
    free_recipient,
)
from casework.services import referrals as service
from casework.services import referrals_reading as reading
from casework.services import referrals_transfer as transfer
from casework.services.consent import lifecycle as consent
from casework.services.households import households
from casework.services.session import Session
from casework.storage import audit as audit_store

TODAY = date(2026, 11, 21)
S = ReferralState


def members(session: Session, hid: str) -> dict[str, PersonId]:
    return {p.data.first_name: p.id for p in households.members(session, hid)}


def give_consent(session: Session, person: PersonId, *, purpose: str = "email",
                 detail: str = "ASD Bezirk 9", recipient: str = "stadt",
                 recipient_detail: str = "", guardians: tuple[PersonId, ...] = ()) -> str:
    draft = ConsentDraft(person, (Selection(purpose, detail),),
                         (Selection(recipient, recipient_detail),),
                         Capacity.GUARDIAN if guardians else Capacity.SELF,
                         guardian_ids=guardians)
    cid, _ = consent.prepare(session, draft)
    consent.print_form(session, cid)
    consent.record_signature(session, cid, signed_on=TODAY)
    return cid


def asd_draft(session: Session, hid: str, persons: tuple[str, ...], **kw: object
              ) -> ReferralDraft:
    choices = service.recipient_choices(session, hid)
    return ReferralDraft(hid, persons, choices.suggested[0],  # type: ignore[arg-type]
                         "Unterstützung bei Erziehungsfragen", **kw)  # type: ignore[arg-type]


@pytest.fixture
def family_people(session: Session, family: HouseholdId) -> dict[str, PersonId]:
    return members(session, family)


def test_district_is_suggested_from_the_stadtteil(session: Session, family: HouseholdId) -> None:
    choices = service.recipient_choices(session, family)  # Batenbrock-Süd → Bezirk 9
    assert [r.label for r in choices.suggested] == ["ASD Bezirk 9"]
    assert len(choices.districts) == 11
    fbs = next(p for p in choices.partners if p.label == "Kath. Familienbildungsstätte")
    assert fbs.consent_recipient == "fbs"


def test_full_lifecycle_dated_and_attributed(session: Session, clock: FixedClock,
                                             family: HouseholdId,
                                             family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    give_consent(session, mother)
    rid, changes = service.create(session, asd_draft(session, family, (mother,)))
    assert changes.affects("referral")
    assert reading.get(session, rid).state is S.VORGESCHLAGEN
    with pytest.raises(ValidationError, match="Einverständnis"):
        service.send(session, rid)  # no skipping "mit Einverständnis der Familie"
    clock.advance(timedelta(days=1))
    service.agree(session, rid)
    with pytest.raises(ValidationError, match="übermittelt"):
        service.accept(session, rid)  # not yet sent
    service.send(session, rid)
    service.accept(session, rid, note="Erstgespräch vereinbart")
    with pytest.raises(ValidationError, match="Ergebnis"):
        service.close(session, rid, "")
    service.close(session, rid, "Hilfe läuft", feedback="Familie zufrieden")
    ref = reading.get(session, rid)
    assert ref.state is S.ABGESCHLOSSEN
    assert [s.kind for s in ref.steps] == [s.value for s in (
        S.VORGESCHLAGEN, S.EINVERSTAENDNIS, S.UEBERMITTELT, S.ANGENOMMEN, S.ABGESCHLOSSEN)]
    assert [s.on for s in ref.steps] == [TODAY] + [TODAY + timedelta(days=1)] * 4
    assert {s.by_name for s in ref.steps} == {"Lena Beispiel"}
    assert ref.steps[-1].text == "Hilfe läuft" and ref.steps[-1].feedback == "Familie zufrieden"
    with pytest.raises(ValidationError, match="endgültig"):
        service.withdraw(session, rid, "doch nicht")  # closed is final
    assert reading.get(session, rid).state is S.ABGESCHLOSSEN


def test_reject_needs_reason_and_withdrawal_from_open_state(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    give_consent(session, mother)
    rid, _ = service.create(session, asd_draft(session, family, (mother,)))
    service.agree(session, rid)
    service.send(session, rid)
    with pytest.raises(ValidationError, match="Grund"):
        service.reject(session, rid, " ")
    service.reject(session, rid, "nicht zuständig")
    service.withdraw(session, rid, "Familie zieht weg")
    assert reading.get(session, rid).state is S.ZURUECKGEZOGEN
    with pytest.raises(ValidationError, match="endgültig"):
        service.close(session, rid, "x" * 5)


def test_step_dates_cannot_lie_in_the_future_or_before_the_last_step(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    rid, _ = service.create(session, asd_draft(session, family, (family_people["Ayşe"],)))
    with pytest.raises(ValidationError, match="Zukunft"):
        service.agree(session, rid, on=TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="vor dem letzten Schritt"):
        service.agree(session, rid, on=TODAY - timedelta(days=1))


def test_withdrawn_consent_blocks_sending_and_changes_nothing(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    mother, child = family_people["Ayşe"], family_people["Lena"]
    give_consent(session, mother)
    child_consent = give_consent(session, child, guardians=(mother,))
    rid, _ = service.create(session, asd_draft(session, family, (mother, child)))
    service.agree(session, rid)
    assert transfer.check_transfer(session, rid).allowed
    # LR-32: withdrawal between "mit Einverständnis" and "übermittelt".
    consent.withdraw(session, child_consent, total=True, via="telefonisch")
    before = reading.get(session, rid)
    with pytest.raises(PermissionDenied) as refused:
        service.send(session, rid)
    message = refused.value.message
    assert "Lena Müller" in message and "widerrufen" in message
    assert "Ayşe Müller" not in message  # only the missing consent is named
    after = reading.get(session, rid)
    assert after.state is S.EINVERSTAENDNIS and after.steps == before.steps
    last = audit_store.entries(session.db, limit=1)[0]
    assert (last.action, last.entity_id) == ("referral.send_refused", rid)
    assert json.loads(last.detail) == {"blocked": [child]}
    # Taking the child out of the referral lets the mother's data go.
    service.update(session, rid, asd_draft(session, family, (mother,)))
    service.send(session, rid)
    sent = reading.get(session, rid).send_step
    assert sent is not None and sent.sent_person_ids == (mother,)
    assert sent.statutory is None and [p for p, _ in sent.consent_refs] == [mother]


def test_consent_must_name_this_concern(session: Session, family: HouseholdId,
                                        family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    give_consent(session, mother, detail="an das Jobcenter")
    rid, _ = service.create(session, asd_draft(session, family, (mother,)))
    service.agree(session, rid)
    check = transfer.check_transfer(session, rid)
    assert not check.allowed
    assert "ASD Bezirk 9" in check.message_de()


def test_other_recipient_needs_its_name_in_the_consent(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    give_consent(session, mother, detail="Schuldnerberatung Beispiel", recipient="other",
                 recipient_detail="Schuldnerberatung Beispiel")
    good, _ = service.create(session, ReferralDraft(
        family, (mother,), free_recipient("Schuldnerberatung Beispiel"), "Schulden"))
    other, _ = service.create(session, ReferralDraft(
        family, (mother,), free_recipient("Mieterverein Beispiel"), "Mietrückstand",
        purpose_detail="Schuldnerberatung Beispiel"))
    assert transfer.check_transfer(session, good).allowed
    assert not transfer.check_transfer(session, other).allowed


def test_child_under_16_needs_guardians_for_digital_channel(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    teen, _ = households.add_person(session, family, PersonDraft(
        "Deniz", "Müller", BirthInfo(date(2011, 6, 1)), role=HouseholdRole.KIND))  # 15
    rid, _ = service.create(session, asd_draft(session, family, (teen,),
                                               purpose_key="digital"))
    service.agree(session, rid)
    with pytest.raises(PermissionDenied, match="Personensorgeberechtigten"):
        service.send(session, rid)
    give_consent(session, teen, purpose="digital", guardians=(mother,))
    service.send(session, rid)
    assert reading.get(session, rid).state is S.UEBERMITTELT


def test_section_8a_referral_to_asd_without_consent_records_the_basis(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    mother, child = family_people["Ayşe"], family_people["Lena"]
    rid, _ = service.create(session, asd_draft(session, family, (mother, child)))
    with pytest.raises(ValidationError, match="vorab informiert"):
        service.send(session, rid, statutory=StatutoryTransfer(StatutoryBasis.SGB8_8A))
    service.send(session, rid, statutory=StatutoryTransfer(
        StatutoryBasis.SGB8_8A, not_informed_reason="wirksamer Schutz in Frage gestellt"))
    ref = reading.get(session, rid)
    assert ref.state is S.UEBERMITTELT
    assert ref.send_step is not None and ref.send_step.statutory is not None
    assert ref.send_step.statutory.basis is StatutoryBasis.SGB8_8A
    entries = audit_store.entries(session.db, limit=10)
    checked = [json.loads(e.detail) for e in entries if e.action == "consent.transfer_checked"]
    assert len(checked) == 2 and {c["basis"] for c in checked} == {"SGB8_8A"}
    assert {c["allowed"] for c in checked} == {0} and {c["ref"] for c in checked} == {rid}
    sent = next(e for e in entries if e.action == "referral.send")
    assert json.loads(sent.detail)["basis"] == "SGB8_8A"
    assert "Müller" not in sent.detail  # ids only
    assert audit_store.verify(session.db) == []


def test_statutory_basis_only_towards_the_asd(session: Session, family: HouseholdId,
                                              family_people: dict[str, PersonId]) -> None:
    rid, _ = service.create(session, ReferralDraft(
        family, (family_people["Ayşe"],), free_recipient("Beratung Beispiel"), "Beratung"))
    with pytest.raises(ValidationError, match="Jugendamt"):
        service.send(session, rid, statutory=StatutoryTransfer(StatutoryBasis.KKG_4, TODAY))


def test_follow_ups_due_for_heute(session: Session, clock: FixedClock, family: HouseholdId,
                                  family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    give_consent(session, mother)
    rid, _ = service.create(session, asd_draft(session, family, (mother,),
                                               follow_up_on=TODAY + timedelta(days=3)))
    assert reading.follow_ups_due(session) == []
    due = reading.follow_ups_due(session, TODAY + timedelta(days=3))
    assert [(f.referral_id, f.household_name, f.recipient, f.state) for f in due] == [
        (rid, "Müller (Ayşe) · Gärtnerstr. 12", "ASD Bezirk 9", S.VORGESCHLAGEN)]
    assert due[0].overdue_days(TODAY + timedelta(days=5)) == 2
    service.agree(session, rid)  # keeps the follow-up
    service.send(session, rid)  # default: two weeks after sending
    assert reading.get(session, rid).follow_up_on == TODAY + timedelta(days=14)
    assert reading.follow_ups_due(session, TODAY + timedelta(days=13)) == []
    clock.advance(timedelta(days=14))
    assert [f.referral_id for f in reading.follow_ups_due(session)] == [rid]
    service.withdraw(session, rid, "Familie lehnt ab")
    assert reading.follow_ups_due(session, TODAY + timedelta(days=30)) == []


def test_overview_by_state_and_age(session: Session, clock: FixedClock, family: HouseholdId,
                                   family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    old, _ = service.create(session, asd_draft(session, family, (mother,)))
    clock.advance(timedelta(days=10))
    new, _ = service.create(session, ReferralDraft(
        family, (mother,), free_recipient("Beratung Beispiel"), "Beratung"))
    service.agree(session, new)
    rows = reading.overview(session)
    assert [(r.id, r.age_days) for r in rows] == [(old, 10), (new, 0)]
    assert [r.id for r in reading.overview(session, state=S.EINVERSTAENDNIS)] == [new]
    assert [r.id for r in reading.overview(session, min_age_days=5)] == [old]
    assert [r.id for r in reading.overview(session, recipient="ASD Bezirk 9")] == [old]
    service.withdraw(session, old, "erledigt sich")
    assert [r.id for r in reading.overview(session)] == [new]
    assert {r.id for r in reading.overview(session, open_only=False)} == {old, new}


def test_statistics_per_recipient_by_outcome(session: Session, clock: FixedClock,
                                             family: HouseholdId,
                                             family_people: dict[str, PersonId]) -> None:
    mother = family_people["Ayşe"]
    give_consent(session, mother)
    a, _ = service.create(session, asd_draft(session, family, (mother,)))
    b, _ = service.create(session, asd_draft(session, family, (mother,)))
    c, _ = service.create(session, ReferralDraft(
        family, (mother,), free_recipient("Frau Privat Beispiel"), "Nachhilfe"))
    for rid in (a, b):
        service.agree(session, rid)
        service.send(session, rid)
    clock.advance(timedelta(days=2))
    service.accept(session, a)
    service.reject(session, b, "keine Kapazität")
    stats = reading.statistics(session, date(2026, 1, 1), date(2026, 12, 31))
    assert [(s.recipient, s.total, s.by_outcome) for s in stats] == [
        ("ASD Bezirk 9", 2, (("angenommen", 1), ("abgelehnt", 1))),
        (reading.FREE_GROUP, 1, (("vorgeschlagen", 1),)),
    ]
    # State at the end of the period: the later acceptance is not counted yet.
    on_day = reading.statistics(session, TODAY, TODAY)
    assert on_day[0].count(S.UEBERMITTELT) == 2
    assert reading.statistics(session, date(2025, 1, 1), date(2025, 12, 31)) == []
    assert c  # the free entry is grouped, never named
    with pytest.raises(ValidationError):
        reading.statistics(session, TODAY, TODAY - timedelta(days=1))


def test_purging_the_household_removes_its_referrals(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    from casework.storage.privacy import purge

    mother = family_people["Ayşe"]
    give_consent(session, mother)
    rid, _ = service.create(session, asd_draft(session, family, (mother,)))
    service.agree(session, rid)
    service.send(session, rid)
    result = purge.purge_household(session.db, family)
    assert result.counts.get("referrals") == 1 and result.counts.get("referral_steps") == 3
    assert session.db.scalar("SELECT count(*) FROM referral_steps") == 0
    assert reading.overview(session, open_only=False) == []


def test_removed_person_is_left_out_and_nobody_left_means_nothing_to_send(
        session: Session, family: HouseholdId, family_people: dict[str, PersonId]) -> None:
    mother, child = family_people["Ayşe"], family_people["Lena"]
    give_consent(session, mother)
    rid, _ = service.create(session, asd_draft(session, family, (mother, child)))
    service.agree(session, rid)
    households.remove_person(session, child)
    check = transfer.check_transfer(session, rid)
    assert [p.person_id for p in check.persons] == [mother] and check.allowed
    service.send(session, rid)
    sent = reading.get(session, rid).send_step
    assert sent is not None and sent.sent_person_ids == (mother,)
    other, _ = service.create(session, asd_draft(session, family, (mother,)))
    households.remove_person(session, mother)
    assert not transfer.check_transfer(session, other).allowed
    with pytest.raises(ValidationError, match="nicht mehr in der Akte"):
        service.send(session, other, statutory=StatutoryTransfer(StatutoryBasis.SGB8_8A, TODAY))
