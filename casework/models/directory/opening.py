"""„Wer hat jetzt offen?“: partners open at a moment, from their weekly opening hours.

Opening hours are local (Europe/Berlin) weekly slots; on a public holiday of the
profile's Land a partner counts as closed (the sources give no holiday hours; the
acute routing reads holidays the same way). A closed partner says when it opens next
("geschlossen, öffnet Mi 09:00"); a partner without hours says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from casework.models.directory.profile import WEEKDAY_ABBR, Partner, Profile
from casework.models.text import fold

HolidayPredicate = Callable[[date], bool]
LOOK_AHEAD_DAYS = 21


@dataclass(frozen=True, slots=True)
class OpenState:
    partner: Partner
    is_open: bool
    until: datetime | None  # end of the slot it is open in
    opens_at: datetime | None  # next opening when closed (None: no hours, or none soon)
    holiday: bool  # the moment falls on a public holiday

    def text(self, now: datetime) -> str:
        if self.is_open and self.until is not None:
            return f"geöffnet bis {self.until:%H:%M}"
        if not self.partner.opening_hours:
            return "keine Öffnungszeiten hinterlegt"
        prefix = "Feiertag – geschlossen" if self.holiday else "geschlossen"
        if self.opens_at is None:
            return f"{prefix}, in den nächsten {LOOK_AHEAD_DAYS} Tagen keine Öffnungszeit"
        return f"{prefix}, öffnet {_when(self.opens_at, now)}"


def _when(moment: datetime, now: datetime) -> str:
    if moment.date() == now.date():
        return f"heute {moment:%H:%M}"
    if moment.date() == now.date() + timedelta(days=1):
        return f"morgen {moment:%H:%M}"
    if moment.date() < now.date() + timedelta(days=7):
        return f"{WEEKDAY_ABBR[moment.weekday()]} {moment:%H:%M}"
    return f"{WEEKDAY_ABBR[moment.weekday()]} {moment:%d.%m.} {moment:%H:%M}"


def open_state(partner: Partner, moment: datetime, is_holiday: HolidayPredicate) -> OpenState:
    """`moment` is local (aware, Europe/Berlin)."""
    holiday = is_holiday(moment.date())
    if not holiday:
        for slot in partner.opening_hours:
            start = datetime.combine(moment.date(), slot.start, moment.tzinfo)
            end = datetime.combine(moment.date(), slot.end, moment.tzinfo)
            if slot.weekday == moment.weekday() and start <= moment < end:
                return OpenState(partner, True, end, None, False)
    return OpenState(partner, False, None, next_opening(partner, moment, is_holiday), holiday)


def next_opening(partner: Partner, moment: datetime, is_holiday: HolidayPredicate
                 ) -> datetime | None:
    for offset in range(LOOK_AHEAD_DAYS + 1):
        day = moment.date() + timedelta(days=offset)
        if is_holiday(day):
            continue
        starts = sorted(datetime.combine(day, slot.start, moment.tzinfo)
                        for slot in partner.opening_hours if slot.weekday == day.weekday())
        for start in starts:
            if start > moment:
                return start
    return None


def matches_place(partner: Partner, place: str) -> bool:
    """A place typed by a person ("Batenbrock", "Hansastraße", "46238"): every word is
    in the partner's name, address or notes. A Stadtteil is not widened to its PLZ (one
    PLZ spans several Stadtteile, so that would list half the city)."""
    query = fold(place).split()
    text = fold(" ".join((partner.name, partner.address, partner.notes)))
    return all(word in text for word in query)


def who_is_open(profile: Profile, moment: datetime, is_holiday: HolidayPredicate,
                place: str = "", partners: Sequence[Partner] | None = None) -> list[OpenState]:
    """Partners (at `place`, if given) with their state: open ones first (closing soonest
    first), then closed ones by their next opening, then those without hours."""
    chosen = [p for p in (profile.partners if partners is None else partners)
              if matches_place(p, place)]
    states = [open_state(p, moment, is_holiday) for p in chosen]
    far = moment + timedelta(days=LOOK_AHEAD_DAYS + 1)

    def order(state: OpenState) -> tuple[int, datetime, str]:
        if state.is_open and state.until is not None:
            return (0, state.until, state.partner.name)
        if state.partner.opening_hours:
            return (1, state.opens_at or far, state.partner.name)
        return (2, far, state.partner.name)

    return sorted(states, key=order)
