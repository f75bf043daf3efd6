"""Household (Haushalt/Familie) — the unit of family work (sources-reference §3.2–3.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from casework.errors import ValidationError
from casework.models.ids import HouseholdId, WorkerId


class HouseholdStatus(StrEnum):
    AKTIV = "aktiv"
    RUHEND = "ruhend"
    ABGESCHLOSSEN = "abgeschlossen"


class AccessRoute(StrEnum):
    """Hol-/Bring-/Komm- und Begleitstrukturen (sources 000:1647)."""

    HOL = "Hol"
    BRING = "Bring"
    KOMM = "Komm"
    BEGLEITUNG = "Begleitung"


class TargetGroup(StrEnum):
    """Target-group criteria, multi-select (sources-reference §3.3)."""

    ALLEINERZIEHEND = "Alleinerziehend"
    BEDARFSGEMEINSCHAFT = "Bedarfsgemeinschaft SGB II"
    GERINGER_BILDUNGSSTAND = "geringer Bildungsstand"
    SPRACH_SYSTEMKENNTNISSE = "mangelnde Sprach-/Systemkenntnisse"
    FEHLENDE_NETZWERKE = "fehlende Netzwerke"
    ARMUT = "Armut"
    STRUKTURELLE_ARMUT = "relative/strukturelle Armut"
    MEHRFACH_BELASTET = "mehrfach belastet"


_PLZ = re.compile(r"^\d{5}$")


@dataclass(frozen=True, slots=True)
class HouseholdDraft:
    """The editable fields of a household, as a form delivers them."""

    name: str
    street: str = ""
    plz: str = ""
    city: str = ""
    district: str = ""  # Stadtteil
    quarter: str = ""  # Quartier / Sozialraum
    languages: tuple[str, ...] = ()
    interpreter_needed: bool = False
    target_groups: frozenset[TargetGroup] = field(default_factory=frozenset)
    access_route: AccessRoute | None = None
    resources: str = ""
    risks: str = ""
    assigned_worker_id: WorkerId | None = None
    status: HouseholdStatus = HouseholdStatus.AKTIV

    def validated(self) -> HouseholdDraft:
        """Return a cleaned copy or raise `ValidationError` naming the field."""
        name = self.name.strip()
        if not name:
            raise ValidationError("Familienname", "darf nicht leer sein.")
        if len(name) > 200:
            raise ValidationError("Familienname", "ist zu lang (höchstens 200 Zeichen).")
        plz = self.plz.strip()
        if plz and not _PLZ.match(plz):
            raise ValidationError("PLZ", "muss aus genau 5 Ziffern bestehen.")
        languages = tuple(lang.strip() for lang in self.languages if lang.strip())
        texts = (name, self.street.strip(), plz, self.city.strip(), self.district.strip(),
                 self.quarter.strip(), self.resources.strip(), self.risks.strip())
        if (texts == (self.name, self.street, self.plz, self.city, self.district,
                      self.quarter, self.resources, self.risks)
                and languages == self.languages and type(self.status) is HouseholdStatus
                and type(self.target_groups) is frozenset
                and all(type(t) is TargetGroup for t in self.target_groups)):
            return self  # already clean: no copy (the CSV import validates thousands)
        return HouseholdDraft(
            name=name,
            street=texts[1],
            plz=plz,
            city=texts[3],
            district=texts[4],
            quarter=texts[5],
            languages=languages,
            interpreter_needed=self.interpreter_needed,
            target_groups=frozenset(TargetGroup(t) for t in self.target_groups),
            access_route=self.access_route,
            resources=texts[6],
            risks=texts[7],
            assigned_worker_id=self.assigned_worker_id,
            status=HouseholdStatus(self.status),
        )


@dataclass(frozen=True, slots=True)
class Household:
    id: HouseholdId
    data: HouseholdDraft
    created_at: str
    updated_at: str
    version: str
    last_contact_at: str | None = None
    open_followups: int = 0

    @property
    def name(self) -> str:
        return self.data.name

    def address_line(self) -> str:
        parts = [self.data.street, " ".join(p for p in (self.data.plz, self.data.city) if p)]
        return ", ".join(p for p in parts if p)


class HouseholdListRow(NamedTuple):
    """One line of the family list (Familien screen). A named tuple, not a frozen
    dataclass: a page builds 200 of them, and a frozen dataclass's `__init__` took more
    time than the page's query (issue 23: 4.3 µs per row against 0.9 µs)."""

    id: HouseholdId
    name: str
    district: str
    worker_name: str
    last_contact_at: str | None
    open_followups: int
    status: str
    interpreter_needed: bool
    members: int
    adults: tuple[str, ...] = ()  # first names of the adult members
    street: str = ""

    @property
    def label(self) -> str:
        return household_label(self.name, self.adults, self.street)


_STREET_WORD = re.compile(r"(?i)(stra(ß|ss)e)\b")


def short_street(street: str) -> str:
    """'Gärtnerstraße 12' → 'Gärtnerstr. 12', 'Lange Straße 3' → 'Lange Str. 3'."""
    return _STREET_WORD.sub(lambda m: m.group(1)[0] + "tr.", street.strip())


def household_label(name: str, adults: tuple[str, ...] | list[str], street: str) -> str:
    """How a household is named wherever one is picked or shown in a list, so families
    with the same surname stay apart: 'Müller (Sabine, Thomas) · Hauptstr. 5'. Never for
    window titles (they reach the task bar)."""
    label = name
    firsts = [a.strip() for a in adults if a.strip()]
    if firsts:
        label += f" ({', '.join(firsts)})"
    street = short_street(street)
    if street:
        label += f" · {street}"
    return label
