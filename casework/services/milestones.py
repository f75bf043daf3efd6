"""Milestones for Heute: a child of a running family turning 18 (what follows: § 41 SGB
VIII and the ASD special function for it from the directory; the umA route for a person
marked "unbegleitet"), an unborn child past its due date without a recorded birth, and
referrals whose outcome is still open a configurable time after sending ("Hat die Hilfe
begonnen?" — the answer is recorded by closing the referral with its outcome)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from casework.clock import local_today
from casework.errors import ValidationError
from casework.models.changes import Changes
from casework.models.directory.profile import SpecialFunction
from casework.models.milestones import (
    ADULT_AGE,
    DUE_DATE_GRACE_DAYS,
    LOOK_AHEAD_DAYS,
    LOOK_BACK_DAYS,
    REFERRAL_OUTCOME_DAYS,
    Milestone,
    MilestoneKind,
    adult_text,
    birth_overdue,
    coming_of_age,
)
from casework.models.referrals import ReferralState
from casework.services import referrals_reading
from casework.services.directory import vault_profile as directory
from casework.services.households import restriction as case_lifecycle
from casework.services.session import Session
from casework.storage import households as household_store

OUTCOME_SETTING = "referral_outcome_days"
WAITING = (ReferralState.UEBERMITTELT, ReferralState.ANGENOMMEN)


def referral_outcome_days(session: Session) -> int:
    value = session.vault.meta(OUTCOME_SETTING)
    return int(value) if value and value.isdigit() else REFERRAL_OUTCOME_DAYS


def set_referral_outcome_days(session: Session, days: int) -> Changes:
    """Vault setting: after how many days a sent referral asks whether help started."""
    if not 7 <= days <= 365:
        raise ValidationError("Nachfrage nach", "zwischen 7 und 365 Tagen.")
    with session.db.transaction():
        session.vault.set_meta(OUTCOME_SETTING, str(days))
    return Changes.of("settings", OUTCOME_SETTING)


def _function(functions: tuple[SpecialFunction, ...], *words: str) -> SpecialFunction | None:
    for function in functions:
        name = function.name.casefold()
        if any(word.casefold() in name for word in words):
            return function
    return None


def due(session: Session, on: date | None = None, *,
        mine_only: bool = False) -> list[Milestone]:
    today = on or local_today(session.clock)
    functions = directory.active_profile(session).asd.special_functions
    young_adult = _function(functions, "§ 41", "junge Volljährige")
    uma = _function(functions, "umA", "unbegleitet")
    out: list[Milestone] = []
    # Only birthdays that can fall into the window (two days of slack for 29 February;
    # `coming_of_age` decides exactly), and unborn children.
    born_from = today - relativedelta(years=ADULT_AGE, days=LOOK_BACK_DAYS + 2)
    born_until = today - relativedelta(years=ADULT_AGE) + timedelta(days=LOOK_AHEAD_DAYS + 2)
    due_before = today - timedelta(days=DUE_DATE_GRACE_DAYS)  # `birth_overdue` decides
    for row in household_store.dated_persons_of_running_households(session.db, born_from,
                                                                   born_until, due_before):
        if mine_only and row.worker_id != session.actor_id:
            continue
        p = row.person
        birth = p.data.birth
        birthday = coming_of_age(birth.birth_date, today)
        if birthday is not None:
            function = (uma or young_adult) if p.data.unaccompanied else young_adult
            name = function.name if function else "ASD (Sonderfunktion im Verzeichnis)"
            contact = function.phone if function else ""
            out.append(Milestone(
                MilestoneKind.VOLLJAEHRIG_UMA if p.data.unaccompanied
                else MilestoneKind.VOLLJAEHRIG, p.household_id, row.household_name,
                birthday, p.data.first_name,
                adult_text(name, contact, p.data.unaccompanied), person_id=p.id))
        if birth_overdue(birth.due_date, birth.birth_date, today) and birth.due_date:
            out.append(Milestone(
                MilestoneKind.GEBURT_OFFEN, p.household_id, row.household_name,
                birth.due_date, p.data.first_name or "ungeborenes Kind",
                "Errechneter Geburtstermin ist vorbei: Geburt unter „Personen“ eintragen "
                "(Geburtsdatum statt ET), Frühe Hilfen anbieten.", person_id=p.id))
    wait = timedelta(days=referral_outcome_days(session))
    for ref in referrals_reading.overview(session, open_only=True, on=today):
        if ref.state not in WAITING:
            continue
        step = ref.referral.last_step
        since = step.on if step is not None else ref.referral.referred_on
        if since + wait > today:
            continue
        out.append(Milestone(
            MilestoneKind.VERMITTLUNG_ERGEBNIS, ref.referral.data.household_id,
            ref.household_name, since + wait, ref.recipient,
            f"Seit {ref.age_days} Tagen „{ref.state.value}“: nachfragen, ob die Hilfe "
            "begonnen hat, und die Vermittlung mit dem Ergebnis abschließen.",
            referral_id=ref.id))
    if mine_only:
        mine = set(household_store.list_household_ids(session.db, worker_id=session.actor_id))
        out = [m for m in out if m.household_id in mine]
    seen = case_lifecycle.visible_household_ids(session, [m.household_id for m in out])
    out = [m for m in out if m.household_id in seen]
    out.sort(key=lambda m: (m.on, m.household_name))
    return out
