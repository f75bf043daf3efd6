"""Pure consent rules: minors, custody, proof order, status, withdrawal scope."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, date, datetime, timedelta

import pytest

from casework.errors import ValidationError
from casework.models.consent import (
    Capacity,
    Consent,
    ConsentDraft,
    ConsentEvent,
    ConsentItem,
    ConsentStatus,
    EventKind,
    InsightAssessment,
    ProofState,
    Selection,
    check_consent,
    date_turning,
    next_proof_state,
    withdrawal_items,
)
from casework.models.households.person import BirthInfo, HouseholdRole, Person, PersonDraft
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.services.directory.shipped import load_profile

CATALOG = load_profile().consent
TODAY = date(2026, 11, 21)
NOON = datetime(2026, 11, 21, 11, tzinfo=UTC)


def person(pid: str, born: date | None, role: HouseholdRole = HouseholdRole.KIND,
           custody: bool = False, year: int | None = None) -> Person:
    birth = BirthInfo(birth_date=born, birth_year=year)
    return Person(PersonId(pid), HouseholdId("h"), PersonDraft("X", "Y", birth, role=role,
                                                               custody=custody), "", "", "")


MOTHER = person("m", date(1985, 1, 1), HouseholdRole.ELTERNTEIL, custody=True)
FATHER = person("f", date(1983, 1, 1), HouseholdRole.ELTERNTEIL, custody=True)


def check(subject: Person, purposes: tuple[str, ...], capacity: Capacity,
          guardians: tuple[str, ...] = (), household: tuple[Person, ...] = (MOTHER,),
          **kw: typing.Any) -> tuple[ConsentDraft, typing.Any]:
    d = ConsentDraft(subject.id, tuple(Selection(p, "x") for p in purposes),
                     (Selection("stadt"),), capacity,
                     tuple(PersonId(g) for g in guardians), **kw)
    return check_consent(d, catalog=CATALOG, subject=subject,
                         household=(*household, subject), today=TODAY)


def test_the_draft_type_has_no_way_to_say_everything() -> None:
    names = {f.name for f in dataclasses.fields(ConsentDraft)}
    assert not {"all", "blanket", "all_purposes", "everything"} & names
    for purposes in ((), ("photo", "photo")):
        with pytest.raises(ValidationError):
            check(MOTHER, purposes, Capacity.SELF)


@pytest.mark.parametrize(("born", "age"), [(date(2013, 11, 22), 12), (date(2013, 11, 21), 13),
                                           (date(2010, 11, 21), 16), (date(2009, 1, 1), 17)])
def test_age_on_the_consent_date(born: date, age: int) -> None:
    _, found = check(person("c", born), ("photo",), Capacity.GUARDIAN, ("m",))
    assert found.age == age


def test_age_is_taken_on_the_consent_date_not_today() -> None:
    child = person("c", date(2010, 12, 15))  # 16 on 15.12.2026
    with pytest.raises(ValidationError):
        check(child, ("photo",), Capacity.SELF)
    _, found = check(child, ("photo",), Capacity.SELF, consent_date=date(2026, 12, 15))
    assert found.age == 16


def test_child_without_birth_date_cannot_consent() -> None:
    with pytest.raises(ValidationError, match="Geburtsdatum"):
        check(person("c", None), ("email",), Capacity.GUARDIAN, ("m",))


def test_year_only_birth_is_treated_as_the_younger_age() -> None:
    child = person("c", None, year=2010)  # 15 or 16: assume 15
    with pytest.raises(ValidationError, match="Personensorgeberechtigten"):
        check(child, ("photo",), Capacity.SELF)
    assert date_turning(child.data.birth, 16) == date(2027, 1, 1)


def test_renewal_date_for_guardian_consents() -> None:
    _, found = check(person("c", date(2012, 3, 4)), ("photo",), Capacity.GUARDIAN, ("m",))
    assert found.renewal_on == date(2028, 3, 4)
    _, own = check(MOTHER, ("photo",), Capacity.SELF)
    assert own.renewal_on is None


def test_joint_custody() -> None:
    child = person("c", date(2018, 1, 1))
    both = (MOTHER, FATHER)
    with pytest.raises(ValidationError, match="gemeinsamer Sorge"):
        check(child, ("photo",), Capacity.GUARDIAN, ("m",), household=both)
    clean, _ = check(child, ("photo",), Capacity.GUARDIAN, ("m", "f"), household=both,
                     single_guardian_reason="ignored when both sign")
    assert clean.single_guardian_reason == ""
    clean, _ = check(child, ("photo",), Capacity.GUARDIAN, ("m",), household=both,
                     single_guardian_reason="Vater im Ausland, Zustimmung per Brief")
    assert clean.guardian_ids == ("m",)


def test_insight_warning_age_comes_from_the_catalogue() -> None:
    child = person("c", date(2011, 1, 1))  # 15
    insight = InsightAssessment("FK", "versteht es")
    _, found = check(child, ("email",), Capacity.SELF, insight=insight)
    assert found.warnings == ()
    stricter = dataclasses.replace(CATALOG, insight_warning_age=16)
    d = ConsentDraft(child.id, (Selection("email", "x"),), (Selection("stadt"),),
                     Capacity.SELF, insight=insight)
    _, found = check_consent(d, catalog=stricter, subject=child, household=(MOTHER, child),
                             today=TODAY)
    assert found.warnings and "16" in found.warnings[0]


def test_validity_dates() -> None:
    with pytest.raises(ValidationError, match="Gültig bis"):
        check(MOTHER, ("email",), Capacity.SELF, valid_until=TODAY - timedelta(days=1))
    with pytest.raises(ValidationError, match="Zukunft"):
        check(MOTHER, ("email",), Capacity.SELF, valid_from=TODAY - timedelta(days=1))


def test_proof_order() -> None:
    assert next_proof_state(ProofState.VORBEREITET, EventKind.PRINTED) is ProofState.GEDRUCKT
    assert next_proof_state(ProofState.GEDRUCKT, EventKind.SIGNED) is ProofState.UNTERSCHRIEBEN
    assert next_proof_state(ProofState.UNTERSCHRIEBEN, EventKind.SCAN) is \
        ProofState.SCAN_ABGELEGT
    for state, kind in ((ProofState.VORBEREITET, EventKind.SIGNED),
                        (ProofState.GEDRUCKT, EventKind.SCAN),
                        (ProofState.UNTERSCHRIEBEN, EventKind.PRINTED),
                        (ProofState.VERWEIGERT, EventKind.SIGNED),
                        (ProofState.MUENDLICH, EventKind.SCAN)):
        with pytest.raises(ValidationError, match="Reihenfolge"):
            next_proof_state(state, kind)


def _consent(events: tuple[ConsentEvent, ...], until: date | None = None) -> Consent:
    items = tuple(ConsentItem(f"{p}-{r}", p, "", r, "") for p in ("email", "photo")
                  for r in ("stadt", "fbs"))
    return Consent("c", HouseholdId("h"), PersonId("p"), Capacity.SELF, (), "", None, (),
                   TODAY, TODAY, until, 40, None, "v", "hash", "", "", WorkerId("w"), items,
                   events)


def _event(kind: EventKind, at: datetime = NOON, **kw: typing.Any) -> ConsentEvent:
    return ConsentEvent(f"e-{kind}-{at}", kind, at, WorkerId("w"), **kw)


def test_status_over_time() -> None:
    signed = (_event(EventKind.PREPARED), _event(EventKind.PRINTED),
              _event(EventKind.SIGNED, on=TODAY))
    assert _consent(signed[:2]).status(NOON) is ConsentStatus.ENTWURF
    c = _consent(signed, until=date(2026, 12, 31))
    assert c.status(NOON) is ConsentStatus.GUELTIG
    assert c.status(datetime(2027, 1, 1, 12, tzinfo=UTC)) is ConsentStatus.ABGELAUFEN
    assert c.status(datetime(2026, 11, 20, 12, tzinfo=UTC)) is ConsentStatus.NOCH_NICHT_GUELTIG
    later = NOON + timedelta(hours=1)
    partial = _consent((*signed, _event(EventKind.WITHDRAWN, later,
                                        item_ids=withdrawal_items(c, total=False,
                                                                  purposes=("photo",)))))
    assert partial.status(NOON) is ConsentStatus.GUELTIG  # before: unchanged (ex nunc)
    assert partial.status(later) is ConsentStatus.TEILWEISE_WIDERRUFEN
    assert [i.id for i in partial.open_items()] == ["email-stadt", "email-fbs"]
    by_recipient = withdrawal_items(partial, total=False, recipients=("fbs",))
    assert by_recipient == ("email-fbs",)
    with pytest.raises(ValidationError, match="bereits widerrufen"):
        withdrawal_items(partial, total=False, purposes=("photo",))
    with pytest.raises(ValidationError, match="nicht Teil"):
        withdrawal_items(partial, total=False, purposes=("digital",))
