"""Milestones that change what applies to a family: a child turning 18 (§ 41 SGB VIII
Hilfe für junge Volljährige; for an unaccompanied minor the umA route), an unborn child
past its due date without a recorded birth, and a referral whose outcome is still
unknown some weeks after it was sent. Pure rules over plain values; the service looks up
the families, the directory's ASD special functions and the referrals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

ADULT_AGE = 18
LOOK_AHEAD_DAYS = 90  # a coming 18th birthday shows this long before …
LOOK_BACK_DAYS = 60  # … and this long after
DUE_DATE_GRACE_DAYS = 14  # births are often recorded a little late
REFERRAL_OUTCOME_DAYS = 42  # default: ask six weeks after sending whether help started


class MilestoneKind(StrEnum):
    VOLLJAEHRIG = "wird volljährig"
    VOLLJAEHRIG_UMA = "wird volljährig (umA)"
    GEBURT_OFFEN = "Geburt nicht eingetragen"
    VERMITTLUNG_ERGEBNIS = "Hat die Hilfe begonnen?"


@dataclass(frozen=True, slots=True)
class Milestone:
    kind: MilestoneKind
    household_id: str
    household_name: str
    on: date  # the birthday, the due date, or when the question is due
    subject: str  # a first name or the recipient of a referral
    what_follows: str  # the worker's next step, in plain German
    person_id: str = ""
    referral_id: str = ""

    def overdue(self, today: date) -> bool:
        return self.on < today


def eighteenth_birthday(birth_date: date) -> date:
    birthday: date = birth_date + relativedelta(years=ADULT_AGE)  # 29.02. → 28.02.
    return birthday


def coming_of_age(birth_date: date | None, today: date, *,
                  ahead: int = LOOK_AHEAD_DAYS, back: int = LOOK_BACK_DAYS) -> date | None:
    """The 18th birthday if it falls within the window around `today`."""
    if birth_date is None:
        return None
    birthday = eighteenth_birthday(birth_date)
    if today - relativedelta(days=back) <= birthday <= today + relativedelta(days=ahead):
        return birthday
    return None


def birth_overdue(due_date: date | None, birth_date: date | None, today: date, *,
                  grace: int = DUE_DATE_GRACE_DAYS) -> bool:
    return (due_date is not None and birth_date is None
            and due_date + relativedelta(days=grace) < today)


def adult_text(special_function: str, contact: str, unaccompanied: bool) -> str:
    where = f" Ansprechstelle: {special_function}" + (f" ({contact})" if contact else "")
    if unaccompanied:
        return ("Unbegleitet eingereist: Hilfe für junge Volljährige (§ 41 SGB VIII) und "
                "den Übergang aus der umA-Zuständigkeit rechtzeitig mit dem ASD klären "
                "(Aufenthalt, Wohnen, Ausbildung)." + where)
    return ("Hilfe für junge Volljährige (§ 41 SGB VIII) prüfen und rechtzeitig mit dem "
            "jungen Menschen und dem ASD besprechen; Einwilligungen gelten nun nur noch "
            "mit eigener Unterschrift." + where)
