"""Reference data of a profile: ASD districts, partners, Rote Mappe, office hours, keys.

A profile is data (JSON in `resources/profiles/`), never code: no rule of one city
is hard-coded (ARCHITECTURE §4). `casework.models.directory.parsing.parse_profile` turns
the decoded JSON into these frozen dataclasses; `profile_to_data` is its inverse.

PLZ → ASD district is many-to-many (sources-reference §3.8: 46236 → Bezirke 6, 7, 9), so
routing goes by Stadtteil; each Stadtteil belongs to exactly one district.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, time
from typing import TypeVar

from casework.errors import ValidationError
from casework.models.directory.legal_basis import (
    LegalBasis,
    OrganisationKind,
    legal_basis,
)
from casework.models.directory.reporting import Reporting
from casework.models.text import fold

T = TypeVar("T")

WEEKDAY_ABBR = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")

# German Länder codes as the `holidays` package names them (subdivisions of "DE").
GERMAN_SUBDIVISIONS = frozenset(
    ("BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH")
)


# --- dataclasses (names fixed by helper-briefs/profile-contract.md) -------------------------


@dataclass(frozen=True, slots=True)
class WeeklySlot:
    weekday: int  # 0 = Monday
    start: time
    end: time

    def label(self) -> str:
        """Label such as "Do 14:00–17:00"."""
        return f"{WEEKDAY_ABBR[self.weekday]} {self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class DataProtectionContact:
    role: str
    address: str
    phone: str
    email: str


@dataclass(frozen=True, slots=True)
class Organisation:
    name: str
    address_lines: tuple[str, ...]
    phone: str
    email: str
    data_protection_contact: DataProtectionContact
    letterhead_lines: tuple[str, ...]
    kind: OrganisationKind = OrganisationKind.VEREIN  # decides the data-protection law

    @property
    def legal_basis(self) -> LegalBasis:
        return legal_basis(self.kind)


@dataclass(frozen=True, slots=True)
class NumberSource:
    """Where an institution's phone number comes from, and whether the organisation has
    checked it. Numbers copied from published lists go stale (the shipped Bottrop numbers
    are those of lists dated 11/2019); in an emergency a wrong number costs minutes, so an
    unchecked number is marked wherever it is shown or printed."""

    published: str = ""  # the date the published source gives, e.g. "11/2019"
    checked_on: date | None = None  # when the organisation last called/checked it

    @property
    def unverified(self) -> bool:
        return self.checked_on is None

    def note(self) -> str:
        if self.checked_on is not None:
            return f"Rufnummer geprüft am {self.checked_on:%d.%m.%Y}"
        if self.published:
            return (f"Rufnummer ungeprüft (veröffentlicht, Stand {self.published}) – vor "
                    "Gebrauch vom Träger prüfen")
        return "Rufnummer ungeprüft – vor Gebrauch vom Träger prüfen"


CHECKED_ON_FIELD = "Rufnummer geprüft am"


def parse_checked_on(text: str) -> date | None:
    """"TT.MM.JJJJ" as typed in the directory dialogs (empty: not checked)."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if match is None:
        raise ValidationError(CHECKED_ON_FIELD, "bitte als TT.MM.JJJJ angeben")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(CHECKED_ON_FIELD, "ist kein gültiges Datum") from None


def format_checked_on(source: NumberSource) -> str:
    return f"{source.checked_on:%d.%m.%Y}" if source.checked_on else ""


def check_status(source: NumberSource) -> str:
    """Short table text: "geprüft 03.12.2026" or "ungeprüft, Stand 11/2019"."""
    if source.checked_on is not None:
        return f"geprüft {source.checked_on:%d.%m.%Y}"
    return f"ungeprüft, Stand {source.published}" if source.published else "ungeprüft"


@dataclass(frozen=True, slots=True)
class AsdDistrict:
    number: int
    stadtteile: tuple[str, ...]
    plz: tuple[str, ...]
    contact_role: str
    phone: str
    email: str
    source: NumberSource = NumberSource()


@dataclass(frozen=True, slots=True)
class SpecialFunction:
    name: str
    contact_role: str
    phone: str
    email: str
    source: NumberSource = NumberSource()


@dataclass(frozen=True, slots=True)
class AfterHoursRule:
    """Notfallrufbereitschaft: from `daily_from` (or the weekday's `early_from`) of a
    working day until `until` of the next working day; all day on closed days."""

    daily_from: time
    until: time
    early_from: tuple[tuple[int, time], ...]
    weekends: bool
    holidays: bool
    route_label: str
    phones: tuple[str, ...]

    def starts_at(self, weekday: int) -> time:
        """When the after-hours window starts on a working day with this weekday."""
        for day, start in self.early_from:
            if day == weekday:
                return start
        return self.daily_from


@dataclass(frozen=True, slots=True)
class AsdConfig:
    office_name: str
    office_address: str
    districts: tuple[AsdDistrict, ...]
    special_functions: tuple[SpecialFunction, ...]
    office_hours: tuple[WeeklySlot, ...]  # allgemeine Sprechzeiten
    notdienst_label: str
    notdienst_phone: str
    after_hours: AfterHoursRule
    working_days: tuple[int, ...]  # 0 = Monday
    office_phone: str = ""  # switchboard; used when the district is not known
    notdienst_source: NumberSource = NumberSource()


@dataclass(frozen=True, slots=True)
class Partner:
    name: str
    kind: str
    address: str
    contact_role: str
    phone: str
    email: str  # may be non-ASCII ("bildungsbüro@…", sources-reference §3.20 no. 12)
    offers: tuple[str, ...]
    opening_hours: tuple[WeeklySlot, ...]
    notes: str


@dataclass(frozen=True, slots=True)
class EmergencyContact:
    """One entry of the "Rote Mappe Kinderschutz" (sources-reference §3.9)."""

    name: str
    address: str
    phone: str
    emergency_number: str
    hours: str
    purpose: str
    source: NumberSource = NumberSource()


@dataclass(frozen=True, slots=True)
class ProgrammeKey:
    programme: str
    clients_per_fte: int
    warn_above: float  # utilisation, 0.9 = 90 %


@dataclass(frozen=True, slots=True)
class ConsentPurpose:
    key: str
    label: str
    detail_label: str
    guardians_required_under: int | None


@dataclass(frozen=True, slots=True)
class ConsentRecipient:
    key: str
    label: str
    detail_label: str


@dataclass(frozen=True, slots=True)
class ConsentCatalog:
    template_version: str
    purposes: tuple[ConsentPurpose, ...]
    recipients: tuple[ConsentRecipient, ...]
    data_categories: tuple[str, ...]
    default_validity_months: int | None
    min_age_self_consent_digital: int
    insight_warning_age: int


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    city: str
    holiday_subdivision: str
    organisation: Organisation
    asd: AsdConfig
    partners: tuple[Partner, ...]
    emergency_contacts: tuple[EmergencyContact, ...]
    programme_keys: tuple[ProgrammeKey, ...]
    consent: ConsentCatalog
    notes: tuple[str, ...]
    reporting: Reporting = Reporting()  # noqa: RUF009 - frozen, immutable default

    def programme_key(self, programme: str) -> ProgrammeKey | None:
        for key in self.programme_keys:
            if key.programme == programme:
                return key
        return None


# --- Stadtteil / PLZ lookup ----------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_/]+")


def stadtteil_key(name: str) -> str:
    """Comparison key: case, umlaut/ß spellings, hyphen/space variants do not matter.

    "Batenbrock-Süd", "batenbrock sued" and "BATENBROCK – SÜD" share one key.
    """
    return _SEPARATORS.sub(" ", fold(name)).strip()


def all_stadtteile(profile: Profile) -> tuple[str, ...]:
    """Every Stadtteil of the profile, in district order."""
    return tuple(name for d in profile.asd.districts for name in d.stadtteile)


def resolve_district(profile: Profile, stadtteil: str) -> tuple[AsdDistrict, ...]:
    """The ASD district(s) responsible for `stadtteil`.

    An exact (folded) match gives exactly one district. Otherwise a name that is the first
    word(s) of Stadtteile gives all of their districts ("Batenbrock" → Bezirke 6, 9, 10:
    Batenbrock-West, -Süd, -Nord). Unknown names give an empty tuple.
    """
    key = stadtteil_key(stadtteil)
    if not key:
        return ()
    for district in profile.asd.districts:
        if any(stadtteil_key(name) == key for name in district.stadtteile):
            return (district,)
    prefix = key + " "
    return tuple(
        district
        for district in profile.asd.districts
        if any(stadtteil_key(name).startswith(prefix) for name in district.stadtteile)
    )


def districts_for_plz(profile: Profile, plz: str) -> tuple[AsdDistrict, ...]:
    """All districts that list `plz` (many-to-many), in district order."""
    wanted = plz.strip()
    return tuple(d for d in profile.asd.districts if wanted in d.plz)


def close_matches(profile: Profile, name: str, n: int = 3) -> tuple[str, ...]:
    """Up to `n` Stadtteil names that look like `name` ("Meinten Sie …?")."""
    by_key: dict[str, str] = {}
    for stadtteil in all_stadtteile(profile):
        by_key.setdefault(stadtteil_key(stadtteil), stadtteil)
    keys = difflib.get_close_matches(stadtteil_key(name), list(by_key), n=n, cutoff=0.6)
    return tuple(by_key[k] for k in keys)
