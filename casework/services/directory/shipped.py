"""Reference-data profiles shipped with Casework (`resources/profiles/*.json`).

Profiles are package data loaded with `importlib.resources`, so the installed app finds
them too (ARCHITECTURE §2). A malformed profile is a `UserError` naming the file and the
field path; the parsing rules live in the pure `casework.models.directory.parsing.parse_profile`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from casework import resources
from casework.clock import BERLIN, Clock
from casework.errors import UserError, ValidationError
from casework.models import safe_json
from casework.models.directory.opening import OpenState, who_is_open
from casework.models.directory.parsing import parse_profile
from casework.models.directory.profile import NumberSource, Profile, WeeklySlot
from casework.models.directory.reporting import Reporting, reporting_to_data
from casework.models.kinderschutz.routing import (
    AcuteRouting,
    HolidayPredicate,
    nrw_holidays,
    route_acute,
)

DEFAULT_PROFILE = "bottrop-beispiel"

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


MAX_PROFILE_BYTES = 5 * 1024 * 1024  # a city's directory is a few hundred KB

def _profiles_dir() -> Traversable:
    return resources.files("profiles")


def list_profiles() -> list[str]:
    """Names of the shipped profiles, sorted."""
    return sorted(
        entry.name.removesuffix(".json")
        for entry in _profiles_dir().iterdir()
        if entry.is_file() and entry.name.endswith(".json")
    )


def load_profile(name: str | None = None) -> Profile:
    """The shipped profile `name` (None → `DEFAULT_PROFILE`)."""
    return _load_shipped(name or DEFAULT_PROFILE)


@lru_cache(maxsize=8)
def _load_shipped(name: str) -> Profile:
    if not _NAME.match(name) or name not in list_profiles():
        known = ", ".join(list_profiles())
        raise UserError(f"Das Profil „{name}“ gibt es nicht. Vorhandene Profile: {known}.")
    filename = f"{name}.json"
    text = _profiles_dir().joinpath(filename).read_text(encoding="utf-8")
    profile = parse_profile_text(text, filename)
    if profile.name != name:
        raise UserError(f"Profil-Datei {filename}: name: muss „{name}“ lauten (Dateiname).")
    return profile


@lru_cache(maxsize=4)
def holidays_for(subdivision: str) -> HolidayPredicate:
    """The public-holiday predicate of a Land (e.g. `profile.holiday_subdivision`)."""
    return nrw_holidays(subdivision)


def acute_routing(
    clock: Clock, stadtteil: str | None, profile: Profile | None = None
) -> AcuteRouting:
    """Whom to call now for an acute endangerment (§ 8a acute path, sources §4.2)."""
    profile = profile or load_profile()
    return route_acute(profile, clock.now(), stadtteil, holidays_for(profile.holiday_subdivision))


def open_partners(profile: Profile, clock: Clock, place: str = "",
                  at: datetime | None = None) -> list[OpenState]:
    """„Wer hat jetzt offen?“ at `at` (default: now), optionally at a place (Stadtteil,
    street, PLZ); public holidays of the profile's Land count as closed."""
    moment = (at or clock.now()).astimezone(BERLIN)
    return who_is_open(profile, moment, holidays_for(profile.holiday_subdivision), place)


def load_profile_file(path: Path) -> Profile:
    """A profile from any JSON file (e.g. one the user imports)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UserError(f"Die Profil-Datei {path.name} wurde nicht gefunden.") from error
    except UnicodeDecodeError as error:
        raise UserError(f"Profil-Datei {path.name}: ist kein UTF-8-Text.") from error
    except OSError as error:
        raise UserError(f"Die Profil-Datei {path.name} kann nicht gelesen werden.") from error
    return parse_profile_text(text, path.name)


def parse_profile_text(text: str, source: str) -> Profile:
    """Decode and validate profile JSON; errors name `source` and the field path."""
    try:
        data = safe_json.loads(text, max_bytes=MAX_PROFILE_BYTES)
    except safe_json.UnsafeJson as error:
        cause = error.__cause__
        if isinstance(cause, json.JSONDecodeError):
            raise UserError(
                f"Profil-Datei {source}: kein gültiges JSON (Zeile {cause.lineno}, "
                f"Spalte {cause.colno})."
            ) from error
        raise UserError(
            f"Profil-Datei {source}: zu groß, zu tief verschachtelt oder mit überlangen Zahlen "
            "(höchstens 5 MB, 32 Ebenen, 30 Ziffern)."
        ) from error
    if not isinstance(data, dict):
        raise UserError(f"Profil-Datei {source}: muss ein JSON-Objekt enthalten.")
    try:
        return parse_profile(data)
    except ValidationError as error:
        raise UserError(f"Profil-Datei {source}: {error.field}: {error.reason}") from error


def profile_to_json(profile: Profile) -> str:
    """Pretty UTF-8 JSON that `parse_profile_text` reads back into an equal profile."""
    return json.dumps(profile_to_data(profile), ensure_ascii=False, indent=2) + "\n"


def _slot(slot: WeeklySlot) -> dict[str, Any]:
    return {"weekday": slot.weekday, "start": f"{slot.start:%H:%M}", "end": f"{slot.end:%H:%M}"}


def _source(source: NumberSource) -> dict[str, Any]:
    return {"published": source.published,
            "checked_on": source.checked_on.isoformat() if source.checked_on else ""}


def profile_to_data(profile: Profile) -> dict[str, Any]:
    """JSON-ready data; the inverse of `parse_profile`."""
    org, asd, rule = profile.organisation, profile.asd, profile.asd.after_hours
    dpc = org.data_protection_contact
    consent = profile.consent
    return {
        "name": profile.name,
        "title": profile.title,
        "city": profile.city,
        "holiday_subdivision": profile.holiday_subdivision,
        "organisation": {
            "name": org.name,
            "address_lines": list(org.address_lines),
            "phone": org.phone,
            "email": org.email,
            "data_protection_contact": {
                "role": dpc.role,
                "address": dpc.address,
                "phone": dpc.phone,
                "email": dpc.email,
            },
            "letterhead_lines": list(org.letterhead_lines),
            "kind": org.kind.value,
        },
        "asd": {
            "office_name": asd.office_name,
            "office_address": asd.office_address,
            "office_phone": asd.office_phone,
            "districts": [
                {
                    "number": d.number,
                    "stadtteile": list(d.stadtteile),
                    "plz": list(d.plz),
                    "contact_role": d.contact_role,
                    "phone": d.phone,
                    "email": d.email,
                    "source": _source(d.source),
                }
                for d in asd.districts
            ],
            "special_functions": [
                {"name": f.name, "contact_role": f.contact_role, "phone": f.phone, "email": f.email,
                 "source": _source(f.source)}
                for f in asd.special_functions
            ],
            "office_hours": [_slot(s) for s in asd.office_hours],
            "notdienst_label": asd.notdienst_label,
            "notdienst_phone": asd.notdienst_phone,
            "after_hours": {
                "daily_from": f"{rule.daily_from:%H:%M}",
                "until": f"{rule.until:%H:%M}",
                "early_from": [
                    {"weekday": day, "from": f"{start:%H:%M}"} for day, start in rule.early_from
                ],
                "weekends": rule.weekends,
                "holidays": rule.holidays,
                "route_label": rule.route_label,
                "phones": list(rule.phones),
            },
            "working_days": list(asd.working_days),
            "notdienst_source": _source(asd.notdienst_source),
        },
        "partners": [
            {
                "name": p.name,
                "kind": p.kind,
                "address": p.address,
                "contact_role": p.contact_role,
                "phone": p.phone,
                "email": p.email,
                "offers": list(p.offers),
                "opening_hours": [_slot(s) for s in p.opening_hours],
                "notes": p.notes,
            }
            for p in profile.partners
        ],
        "emergency_contacts": [
            {
                "name": e.name,
                "address": e.address,
                "phone": e.phone,
                "emergency_number": e.emergency_number,
                "hours": e.hours,
                "purpose": e.purpose,
                "source": _source(e.source),
            }
            for e in profile.emergency_contacts
        ],
        "programme_keys": [
            {
                "programme": k.programme,
                "clients_per_fte": k.clients_per_fte,
                "warn_above": k.warn_above,
            }
            for k in profile.programme_keys
        ],
        "consent": {
            "template_version": consent.template_version,
            "purposes": [
                {
                    "key": p.key,
                    "label": p.label,
                    "detail_label": p.detail_label,
                    "guardians_required_under": p.guardians_required_under,
                }
                for p in consent.purposes
            ],
            "recipients": [
                {"key": r.key, "label": r.label, "detail_label": r.detail_label}
                for r in consent.recipients
            ],
            "data_categories": list(consent.data_categories),
            "default_validity_months": consent.default_validity_months,
            "min_age_self_consent_digital": consent.min_age_self_consent_digital,
            "insight_warning_age": consent.insight_warning_age,
        },
        "notes": list(profile.notes),
        **({"reporting": reporting_to_data(profile.reporting)}
           if profile.reporting != Reporting() else {}),
    }
