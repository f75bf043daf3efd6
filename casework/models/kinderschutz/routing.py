"""Acute child-protection routing: "whom do I call now?" (sources-reference §3.8, §4.2).

Everything comes from the profile's `AsdConfig`; nothing here knows Bottrop. For one local
(Europe/Berlin) moment there are three candidate routes:

1. the ASD district contact during the allgemeine Sprechzeiten (`office_hours`);
2. the Notdienst des Jugendamtes by phone outside the Sprechzeiten on working days, before
   the after-hours window starts ("dringende Fälle");
3. the after-hours route (Bottrop: Polizei 110 / Feuerwehr 112 → Notfallrufbereitschaft)
   from `daily_from` (or the weekday's `early_from`) of a working day until `until` of the
   next working day, and all day on days that are not working days (weekends, public
   holidays, weekdays outside `working_days`).

Where 1 and 3 overlap (Bottrop: Thursday 16:00–17:00, sources-reference §3.20 no. 8) both
routes are returned and `conflict_note` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from casework.models.directory.profile import (
    WEEKDAY_ABBR,
    AsdDistrict,
    EmergencyContact,
    Profile,
    WeeklySlot,
    close_matches,
    resolve_district,
)

BERLIN = ZoneInfo("Europe/Berlin")

# How far ahead to look for the next Sprechzeit; a profile with none gives None.
_SEARCH_DAYS = 62

HolidayPredicate = Callable[[date], bool]


class RouteKind(StrEnum):
    ASD = "asd"
    NOTDIENST = "notdienst"
    NOTFALL = "notfallrufbereitschaft"


@dataclass(frozen=True, slots=True)
class Route:
    kind: RouteKind
    label: str  # "ASD Bezirk 9", "Notdienst des Jugendamtes", "Polizei 110 / …"
    phones: tuple[str, ...]
    reason: str  # why it applies now, German
    contact_role: str = ""
    email: str = ""
    district: int | None = None
    number_note: str = ""  # "Rufnummer ungeprüft (Stand 11/2019) …" or "geprüft am …"


@dataclass(frozen=True, slots=True)
class AcuteRouting:
    moment: datetime  # local (Europe/Berlin)
    routes: tuple[Route, ...]  # primary route(s), in the order to try them
    conflict_note: str | None
    in_sprechzeit: bool
    after_hours: bool
    sprechzeit_until: datetime | None  # end of the current Sprechzeit slot
    after_hours_until: datetime | None  # end of the current after-hours window
    next_asd_sprechzeit: datetime | None  # None while ASD is in Sprechzeit now
    stadtteil: str | None
    districts: tuple[AsdDistrict, ...]  # the district, or candidates; () if unknown
    stadtteil_suggestions: tuple[str, ...]  # close matches when the name is unknown
    emergency_contacts: tuple[EmergencyContact, ...]  # Rote Mappe


def nrw_holidays(subdivision: str = "NW") -> HolidayPredicate:
    """Public holidays of a German Land (`holidays` package; pure computation). Loaded
    here, not with the module: it is a tenth of a second of the app's start otherwise."""
    import holidays as holiday_calendars

    calendar = holiday_calendars.country_holidays("DE", subdiv=subdivision)

    def is_holiday(day: date) -> bool:
        return day in calendar

    return is_holiday


def no_holidays(day: date) -> bool:
    """A predicate for profiles/tests that ignore public holidays."""
    return False


def _fmt_day(moment: datetime) -> str:
    return f"{WEEKDAY_ABBR[moment.weekday()]} {moment:%d.%m.} {moment:%H:%M}"


class _Calendar:
    """Working days, Sprechzeiten and the after-hours window of one profile."""

    def __init__(self, profile: Profile, is_holiday: HolidayPredicate) -> None:
        self.asd = profile.asd
        self.rule = profile.asd.after_hours
        self.is_holiday = is_holiday

    def closed_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None if it is one.

        With `after_hours.holidays` false a public holiday counts like its weekday; with
        `weekends` false Saturday and Sunday count as working days if `working_days` lists
        them (a profile with Saturday service).
        """
        weekday = day.weekday()
        if self.rule.holidays and self.is_holiday(day):
            return f"Feiertag ({WEEKDAY_ABBR[weekday]} {day:%d.%m.%Y})"
        if weekday >= 5 and self.rule.weekends:
            return f"Wochenende ({WEEKDAY_ABBR[weekday]})"
        if weekday not in self.asd.working_days:
            return f"kein Arbeitstag ({WEEKDAY_ABBR[weekday]})"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.closed_reason(day) is None

    def next_working_day(self, day: date) -> date | None:
        for offset in range(1, _SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        return None

    def slots(self, day: date) -> list[WeeklySlot]:
        if not self.is_working_day(day):
            return []
        weekday = day.weekday()
        return sorted(
            (s for s in self.asd.office_hours if s.weekday == weekday), key=lambda s: s.start
        )

    def current_slot(self, moment: datetime) -> WeeklySlot | None:
        now = moment.time()
        for slot in self.slots(moment.date()):
            if slot.start <= now < slot.end:
                return slot
        return None

    def next_sprechzeit(self, moment: datetime) -> datetime | None:
        for offset in range(_SEARCH_DAYS + 1):
            day = moment.date() + timedelta(days=offset)
            for slot in self.slots(day):
                start = _local(day, slot.start)
                if start > moment:
                    return start
        return None

    def after_hours(self, moment: datetime) -> tuple[str, datetime | None] | None:
        """(reason, end of window) if `moment` is after hours, else None."""
        day, now = moment.date(), moment.time()
        closed = self.closed_reason(day)
        if closed is None:
            starts = self.rule.starts_at(day.weekday())
            if now < self.rule.until:
                cause = f"vor {self.rule.until:%H:%M} Uhr"
                return cause, _local(day, self.rule.until)
            if now < starts:
                return None
            if starts != self.rule.daily_from:
                cause = f"{WEEKDAY_ABBR[day.weekday()]} bereits ab {starts:%H:%M} Uhr"
            else:
                cause = f"ab {starts:%H:%M} Uhr"
        else:
            cause = closed
        following = self.next_working_day(day)
        end = _local(following, self.rule.until) if following is not None else None
        return cause, end


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BERLIN)


def _district_routes(
    profile: Profile, districts: tuple[AsdDistrict, ...], reason: str
) -> tuple[Route, ...]:
    if districts:
        return tuple(
            Route(
                kind=RouteKind.ASD,
                label=f"ASD Bezirk {d.number}",
                phones=(d.phone,) if d.phone else (),
                reason=reason,
                contact_role=d.contact_role,
                email=d.email,
                district=d.number,
                number_note=d.source.note() if d.phone else "",
            )
            for d in districts
        )
    asd = profile.asd
    return (
        Route(
            kind=RouteKind.ASD,
            label=asd.office_name,
            phones=(asd.office_phone,) if asd.office_phone else (),
            reason=f"{reason}; Bezirk unbekannt – zuständige Fachkraft über den Stadtteil erfragen",
        ),
    )


def route_acute(
    profile: Profile,
    moment: datetime,
    stadtteil: str | None,
    is_holiday: HolidayPredicate,
) -> AcuteRouting:
    """Whom to call for an acute endangerment at `moment` (aware) for `stadtteil`."""
    if moment.tzinfo is None:
        raise ValueError("route_acute needs an aware datetime")
    local = moment.astimezone(BERLIN)
    calendar = _Calendar(profile, is_holiday)
    rule = profile.asd.after_hours

    name = stadtteil.strip() if stadtteil else ""
    districts = resolve_district(profile, name) if name else ()
    suggestions = close_matches(profile, name) if name and not districts else ()

    slot = calendar.current_slot(local)
    after = calendar.after_hours(local)
    routes: list[Route] = []
    conflict: str | None = None
    if slot is not None:
        routes.extend(
            _district_routes(profile, districts, f"Allgemeine Sprechzeit des ASD ({slot.label()})")
        )
    if after is not None:
        cause, end = after
        until = f", bis {_fmt_day(end)} Uhr" if end is not None else ""
        routes.append(
            Route(
                kind=RouteKind.NOTFALL,
                label=rule.route_label,
                phones=rule.phones,
                reason=f"Notfälle außerhalb der Dienstzeit: {cause}{until}",
            )
        )
    if slot is not None and after is not None:
        conflict = (
            f"Die Regeln überschneiden sich: {slot.label()} ist Sprechzeit des ASD, zugleich "
            f"gilt schon die Regelung für Notfälle außerhalb der Dienstzeit ({after[0]}). "
            "Beide Wege werden angezeigt – zuerst den ASD anrufen; ist er nicht sofort "
            f"erreichbar: {rule.route_label}."
        )
    if slot is None and after is None:
        starts = rule.starts_at(local.weekday())
        routes.append(
            Route(
                kind=RouteKind.NOTDIENST,
                label=profile.asd.notdienst_label,
                phones=(profile.asd.notdienst_phone,),
                number_note=profile.asd.notdienst_source.note(),
                reason=(
                    "Außerhalb der allgemeinen Sprechzeiten des ASD, vor "
                    f"{starts:%H:%M} Uhr: dringende Fälle"
                ),
            )
        )

    return AcuteRouting(
        moment=local,
        routes=tuple(routes),
        conflict_note=conflict,
        in_sprechzeit=slot is not None,
        after_hours=after is not None,
        sprechzeit_until=_local(local.date(), slot.end) if slot is not None else None,
        after_hours_until=after[1] if after is not None else None,
        next_asd_sprechzeit=None if slot is not None else calendar.next_sprechzeit(local),
        stadtteil=name or None,
        districts=districts,
        stadtteil_suggestions=suggestions,
        emergency_contacts=profile.emergency_contacts,
    )
