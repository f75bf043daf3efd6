"""Referrals: reading one referral and a household's, the lists of the Vermittlungen
screen and of Heute (Wiedervorlagen), and the statistics per recipient (no person or
household data). The flow itself is in `referrals`, the consent check and the letter in
`referrals_transfer`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from casework.clock import local_today
from casework.errors import NotFound, ValidationError
from casework.models.directory.profile import Profile
from casework.models.referrals import (
    OPEN_STATES,
    RecipientKind,
    Referral,
    ReferralState,
)
from casework.services.directory import vault_profile as directory
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage import referrals as store

KIND = "referral"
FREE_GROUP = "sonstige Stelle (freie Angabe)"  # statistics: free entries are not named


# --------------------------------------------------------------------------- reading


def profile(session: Session) -> Profile:
    """The vault's active directory (edited copy or shipped profile)."""
    return directory.active_profile(session)


def get(session: Session, referral_id: str) -> Referral:
    found = store.get_referral(session.db, referral_id)
    if found is None:
        raise NotFound("Die Vermittlung")
    return found


def for_household(session: Session, household_id: str) -> list[Referral]:
    """The household's referrals, newest first."""
    return store.referrals_of_household(session.db, household_id)


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """One line of a referral list."""

    referral: Referral
    household_name: str
    state: ReferralState
    age_days: int  # since the last step
    follow_up_on: date | None

    @property
    def id(self) -> str:
        return self.referral.id

    @property
    def recipient(self) -> str:
        return self.referral.data.recipient.label


def rows(session: Session, referrals: Sequence[Referral], on: date | None = None,
         ) -> list[ReferralRow]:
    today = on or local_today(session.clock)
    # the household label, not the bare surname: families with the same surname (issue 18)
    names = household_store.household_labels(
        session.db, sorted({r.data.household_id for r in referrals}))
    return [ReferralRow(r, names.get(r.data.household_id, ""), r.state, r.age_days(today),
                        r.follow_up_on) for r in referrals]


def overview(session: Session, *, state: ReferralState | None = None,
             recipient: str = "", open_only: bool = True, min_age_days: int = 0,
             on: date | None = None) -> list[ReferralRow]:
    """Referrals of the vault for the Vermittlungen screen, longest-resting first;
    filtered by state, recipient label (exact) and minimum age (days since last step)."""
    found = rows(session, store.all_referrals(session.db), on)
    if open_only:
        found = [r for r in found if r.state in OPEN_STATES]
    if state is not None:
        found = [r for r in found if r.state is state]
    if recipient:
        found = [r for r in found if r.recipient == recipient]
    found = [r for r in found if r.age_days >= min_age_days]
    found.sort(key=lambda r: (-r.age_days, r.referral.referred_on))
    return found


@dataclass(frozen=True, slots=True)
class ReferralFollowUp:
    referral_id: str
    household_id: str
    household_name: str
    recipient: str
    state: ReferralState
    due_on: date

    def overdue_days(self, on: date) -> int:
        return max((on - self.due_on).days, 0)


def follow_ups_due(session: Session, on: date | None = None) -> list[ReferralFollowUp]:
    """Open referrals whose Wiedervorlage is due on `on` (default today) or overdue,
    oldest first — for the Heute screen."""
    day = on or local_today(session.clock)
    out = [ReferralFollowUp(r.id, r.referral.data.household_id, r.household_name,
                            r.recipient, r.state, r.follow_up_on)
           for r in rows(session, store.all_referrals(session.db), day)
           if r.state in OPEN_STATES and r.follow_up_on is not None and r.follow_up_on <= day]
    out.sort(key=lambda f: (f.due_on, f.household_name))
    return out


@dataclass(frozen=True, slots=True)
class RecipientStatistics:
    recipient: str  # "ASD Bezirk 6", a partner's name, or FREE_GROUP
    kind: RecipientKind
    total: int
    by_outcome: tuple[tuple[str, int], ...]  # (state label, count), in lifecycle order

    def count(self, state: ReferralState) -> int:
        return dict(self.by_outcome).get(state.value, 0)


def statistics(session: Session, von: date, bis: date) -> list[RecipientStatistics]:
    """Referrals proposed between `von` and `bis` (inclusive) per recipient, counted by
    their state at the end of `bis` (steps dated after `bis` are ignored). Free entries are
    grouped as FREE_GROUP; no person or household data (LR-39)."""
    if bis < von:
        raise ValidationError("Zeitraum", "das Ende liegt vor dem Beginn.")
    groups: dict[tuple[str, RecipientKind], Counter[str]] = {}
    for ref in store.referred_between(session.db, von, bis):
        rec = ref.data.recipient
        label = FREE_GROUP if rec.kind is RecipientKind.FREI else rec.label
        state = ReferralState.VORGESCHLAGEN
        for step in ref.steps:
            if step.state is not None and step.on <= bis:
                state = step.state
        groups.setdefault((label, rec.kind), Counter())[state.value] += 1
    order = [s.value for s in ReferralState]
    out = [RecipientStatistics(label, kind, sum(c.values()),
                               tuple((s, c[s]) for s in order if c[s]))
           for (label, kind), c in groups.items()]
    out.sort(key=lambda s: (list(RecipientKind).index(s.kind), -s.total, s.recipient))
    return out
