"""Reading a directory profile: `parse_profile` turns decoded profile JSON into the frozen
dataclasses of `casework.models.directory.profile` and names the exact field path of
anything malformed, e.g. `asd.districts[3].plz[0]: muss aus 5 Ziffern bestehen`.
Pure: no Qt, no SQL, no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import date, time
from typing import Any, TypeVar

from casework.errors import ValidationError
from casework.models.directory.legal_basis import (
    OrganisationKind,
)
from casework.models.directory.profile import (
    GERMAN_SUBDIVISIONS,
    AfterHoursRule,
    AsdConfig,
    AsdDistrict,
    ConsentCatalog,
    ConsentPurpose,
    ConsentRecipient,
    DataProtectionContact,
    EmergencyContact,
    NumberSource,
    Organisation,
    Partner,
    Profile,
    ProgrammeKey,
    SpecialFunction,
    WeeklySlot,
    stadtteil_key,
)
from casework.models.directory.reporting import Reporting, parse_reporting

T = TypeVar("T")


_PLZ = re.compile(r"^\d{5}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _obj(data: object, path: str, shape: type | Sequence[str]) -> Mapping[str, Any]:
    """`data` as a mapping whose keys are all fields of `shape` (a dataclass or names)."""
    allowed = {f.name for f in fields(shape)} if isinstance(shape, type) else set(shape)
    if not isinstance(data, Mapping):
        raise ValidationError(path or "Profil", "muss ein Objekt sein")
    for key in data:
        if key not in allowed:
            raise ValidationError(_at(path, str(key)), "ist kein bekanntes Feld")
    return data


def _need(data: Mapping[str, Any], path: str, key: str) -> Any:
    if key not in data:
        raise ValidationError(_at(path, key), "fehlt")
    return data[key]


def _text(
    data: Mapping[str, Any], path: str, key: str, *, required: bool = True, default: str = ""
) -> str:
    """A string field. Required fields must be present and non-blank."""
    if key not in data:
        if required:
            raise ValidationError(_at(path, key), "fehlt")
        return default
    return _text_value(data[key], _at(path, key), required=required)


def _text_value(value: object, path: str, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationError(path, "muss ein Text sein")
    value = value.strip()
    if required and not value:
        raise ValidationError(path, "darf nicht leer sein")
    return value


def _email(data: Mapping[str, Any], path: str, key: str) -> str:
    value = _text(data, path, key, required=False)
    if value:
        local, at, domain = value.rpartition("@")
        if not at or not local or "." not in domain or " " in value:
            raise ValidationError(_at(path, key), "ist keine gültige E-Mail-Adresse")
    return value


def _int(value: object, path: str, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(path, "muss eine ganze Zahl sein")
    if value < minimum:
        raise ValidationError(path, f"muss mindestens {minimum} sein")
    if maximum is not None and value > maximum:
        raise ValidationError(path, f"darf höchstens {maximum} sein")
    return value


def _optional_int(value: object, path: str, *, minimum: int, maximum: int) -> int | None:
    if value is None:
        return None
    return _int(value, path, minimum=minimum, maximum=maximum)


def _bool(data: Mapping[str, Any], path: str, key: str) -> bool:
    value = _need(data, path, key)
    if not isinstance(value, bool):
        raise ValidationError(_at(path, key), "muss true oder false sein")
    return value


def _weekday(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ValidationError(path, "muss ein Wochentag von 0 (Montag) bis 6 (Sonntag) sein")
    return value


def _time(value: object, path: str) -> time:
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(path, "muss eine Uhrzeit im Format HH:MM sein")
    return time(int(match.group(1)), int(match.group(2)))


def _list(
    data: Mapping[str, Any],
    path: str,
    key: str,
    item: Callable[[object, str], T],
    *,
    required: bool = False,
) -> tuple[T, ...]:
    if key not in data:
        if required:
            raise ValidationError(_at(path, key), "fehlt")
        return ()
    value = data[key]
    where = _at(path, key)
    if not isinstance(value, list):
        raise ValidationError(where, "muss eine Liste sein")
    return tuple(item(entry, _at(where, i)) for i, entry in enumerate(value))


def _texts(data: Mapping[str, Any], path: str, key: str) -> tuple[str, ...]:
    return _list(data, path, key, _text_value)


def _slot(value: object, path: str) -> WeeklySlot:
    data = _obj(value, path, WeeklySlot)
    weekday = _weekday(_need(data, path, "weekday"), _at(path, "weekday"))
    start = _time(_need(data, path, "start"), _at(path, "start"))
    end = _time(_need(data, path, "end"), _at(path, "end"))
    if end <= start:
        raise ValidationError(_at(path, "end"), "muss nach dem Beginn liegen")
    return WeeklySlot(weekday, start, end)


def _organisation(value: object, path: str) -> Organisation:
    data = _obj(value, path, Organisation)
    dpc_path = _at(path, "data_protection_contact")
    dpc = _obj(_need(data, path, "data_protection_contact"), dpc_path, DataProtectionContact)
    return Organisation(
        name=_text(data, path, "name"),
        address_lines=_texts(data, path, "address_lines"),
        phone=_text(data, path, "phone", required=False),
        email=_email(data, path, "email"),
        data_protection_contact=DataProtectionContact(
            role=_text(dpc, dpc_path, "role"),
            address=_text(dpc, dpc_path, "address", required=False),
            phone=_text(dpc, dpc_path, "phone", required=False),
            email=_email(dpc, dpc_path, "email"),
        ),
        letterhead_lines=_texts(data, path, "letterhead_lines"),
        kind=_organisation_kind(data.get("kind", OrganisationKind.VEREIN.value),
                                _at(path, "kind")),
    )


def _organisation_kind(value: object, path: str) -> OrganisationKind:
    try:
        return OrganisationKind(str(value))
    except ValueError:
        allowed = ", ".join(k.value for k in OrganisationKind)
        raise ValidationError(path, f"muss einer dieser Werte sein: {allowed}") from None


def _plz(value: object, path: str) -> str:
    if not isinstance(value, str) or not _PLZ.match(value):
        raise ValidationError(path, "muss aus 5 Ziffern bestehen")
    return value


def _district(value: object, path: str) -> AsdDistrict:
    data = _obj(value, path, AsdDistrict)
    stadtteile = _list(data, path, "stadtteile", _text_value, required=True)
    if not stadtteile:
        raise ValidationError(_at(path, "stadtteile"), "muss mindestens einen Stadtteil nennen")
    return AsdDistrict(
        number=_int(_need(data, path, "number"), _at(path, "number"), minimum=1),
        stadtteile=stadtteile,
        plz=_list(data, path, "plz", _plz),
        contact_role=_text(data, path, "contact_role"),
        phone=_text(data, path, "phone", required=False),
        email=_email(data, path, "email"),
        source=_number_source(data, path, "source"),
    )


def _special_function(value: object, path: str) -> SpecialFunction:
    data = _obj(value, path, SpecialFunction)
    return SpecialFunction(
        name=_text(data, path, "name"),
        contact_role=_text(data, path, "contact_role"),
        phone=_text(data, path, "phone", required=False),
        email=_email(data, path, "email"),
        source=_number_source(data, path, "source"),
    )


def _number_source(data: Mapping[str, Any], path: str, key: str) -> NumberSource:
    if key not in data:
        return NumberSource()
    where = _at(path, key)
    source = _obj(data[key], where, NumberSource)
    checked = source.get("checked_on")
    checked_on: date | None = None
    if checked not in (None, ""):
        if not isinstance(checked, str):
            raise ValidationError(_at(where, "checked_on"), "muss ein Datum JJJJ-MM-TT sein")
        try:
            checked_on = date.fromisoformat(checked)
        except ValueError:
            raise ValidationError(_at(where, "checked_on"),
                                  "muss ein Datum JJJJ-MM-TT sein") from None
    return NumberSource(_text(source, where, "published", required=False), checked_on)


def _early_from(value: object, path: str) -> tuple[int, time]:
    data = _obj(value, path, ("weekday", "from"))
    return (
        _weekday(_need(data, path, "weekday"), _at(path, "weekday")),
        _time(_need(data, path, "from"), _at(path, "from")),
    )


def _after_hours(value: object, path: str) -> AfterHoursRule:
    data = _obj(value, path, AfterHoursRule)
    daily_from = _time(_need(data, path, "daily_from"), _at(path, "daily_from"))
    until = _time(_need(data, path, "until"), _at(path, "until"))
    if until >= daily_from:
        raise ValidationError(_at(path, "until"), "muss vor daily_from liegen")
    early = _list(data, path, "early_from", _early_from)
    seen: set[int] = set()
    for i, (weekday, start) in enumerate(early):
        where = _at(_at(path, "early_from"), i)
        if weekday in seen:
            raise ValidationError(_at(where, "weekday"), "ist doppelt angegeben")
        seen.add(weekday)
        if not until < start < daily_from:
            raise ValidationError(_at(where, "from"), "muss zwischen until und daily_from liegen")
    phones = _texts(data, path, "phones")
    if not phones:
        raise ValidationError(_at(path, "phones"), "muss mindestens eine Rufnummer nennen")
    return AfterHoursRule(
        daily_from=daily_from,
        until=until,
        early_from=early,
        weekends=_bool(data, path, "weekends"),
        holidays=_bool(data, path, "holidays"),
        route_label=_text(data, path, "route_label"),
        phones=phones,
    )


def _asd(value: object, path: str) -> AsdConfig:
    data = _obj(value, path, AsdConfig)
    districts = _list(data, path, "districts", _district, required=True)
    _check_districts(districts, _at(path, "districts"))
    working_days = _list(data, path, "working_days", _weekday, required=True)
    if not working_days:
        raise ValidationError(_at(path, "working_days"), "muss mindestens einen Tag nennen")
    if len(set(working_days)) != len(working_days):
        raise ValidationError(_at(path, "working_days"), "nennt einen Tag doppelt")
    return AsdConfig(
        office_name=_text(data, path, "office_name"),
        office_address=_text(data, path, "office_address", required=False),
        office_phone=_text(data, path, "office_phone", required=False),
        districts=districts,
        special_functions=_list(data, path, "special_functions", _special_function),
        office_hours=_list(data, path, "office_hours", _slot),
        notdienst_label=_text(data, path, "notdienst_label"),
        notdienst_phone=_text(data, path, "notdienst_phone"),
        after_hours=_after_hours(_need(data, path, "after_hours"), _at(path, "after_hours")),
        working_days=working_days,
        notdienst_source=_number_source(data, path, "notdienst_source"),
    )


def _check_districts(districts: tuple[AsdDistrict, ...], path: str) -> None:
    numbers: set[int] = set()
    owner: dict[str, int] = {}
    for i, district in enumerate(districts):
        where = _at(path, i)
        if district.number in numbers:
            raise ValidationError(
                _at(where, "number"), f"Bezirk {district.number} ist doppelt vergeben"
            )
        numbers.add(district.number)
        for j, name in enumerate(district.stadtteile):
            key = stadtteil_key(name)
            if key in owner:
                raise ValidationError(
                    _at(_at(where, "stadtteile"), j),
                    f"Stadtteil „{name}“ gehört schon zu Bezirk {owner[key]}",
                )
            owner[key] = district.number


def _partner(value: object, path: str) -> Partner:
    data = _obj(value, path, Partner)
    return Partner(
        name=_text(data, path, "name"),
        kind=_text(data, path, "kind"),
        address=_text(data, path, "address", required=False),
        contact_role=_text(data, path, "contact_role", required=False),
        phone=_text(data, path, "phone", required=False),
        email=_email(data, path, "email"),
        offers=_texts(data, path, "offers"),
        opening_hours=_list(data, path, "opening_hours", _slot),
        notes=_text(data, path, "notes", required=False),
    )


def _emergency_contact(value: object, path: str) -> EmergencyContact:
    data = _obj(value, path, EmergencyContact)
    contact = EmergencyContact(
        name=_text(data, path, "name"),
        address=_text(data, path, "address", required=False),
        phone=_text(data, path, "phone", required=False),
        emergency_number=_text(data, path, "emergency_number", required=False),
        hours=_text(data, path, "hours", required=False),
        purpose=_text(data, path, "purpose", required=False),
        source=_number_source(data, path, "source"),
    )
    if not contact.phone and not contact.emergency_number:
        raise ValidationError(_at(path, "phone"), "fehlt (oder emergency_number angeben)")
    return contact


def _programme_key(value: object, path: str) -> ProgrammeKey:
    data = _obj(value, path, ProgrammeKey)
    warn = _need(data, path, "warn_above")
    if isinstance(warn, bool) or not isinstance(warn, int | float) or not 0 < warn <= 2:
        raise ValidationError(_at(path, "warn_above"), "muss eine Zahl über 0 und bis 2 sein")
    return ProgrammeKey(
        programme=_text(data, path, "programme"),
        clients_per_fte=_int(
            _need(data, path, "clients_per_fte"), _at(path, "clients_per_fte"), minimum=1
        ),
        warn_above=float(warn),
    )


def _catalog_key(data: Mapping[str, Any], path: str) -> str:
    key = _text(data, path, "key")
    if not _KEY.match(key):
        raise ValidationError(_at(path, "key"), "darf nur a–z, 0–9 und _ enthalten")
    return key


def _purpose(value: object, path: str) -> ConsentPurpose:
    data = _obj(value, path, ConsentPurpose)
    return ConsentPurpose(
        key=_catalog_key(data, path),
        label=_text(data, path, "label"),
        detail_label=_text(data, path, "detail_label", required=False),
        guardians_required_under=_optional_int(
            data.get("guardians_required_under"),
            _at(path, "guardians_required_under"),
            minimum=1,
            maximum=21,
        ),
    )


def _recipient(value: object, path: str) -> ConsentRecipient:
    data = _obj(value, path, ConsentRecipient)
    return ConsentRecipient(
        key=_catalog_key(data, path),
        label=_text(data, path, "label"),
        detail_label=_text(data, path, "detail_label", required=False),
    )


def _unique_keys(items: Sequence[ConsentPurpose | ConsentRecipient], path: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.key in seen:
            raise ValidationError(_at(_at(path, i), "key"), f"„{item.key}“ ist doppelt vergeben")
        seen.add(item.key)


def _consent(value: object, path: str) -> ConsentCatalog:
    data = _obj(value, path, ConsentCatalog)
    purposes = _list(data, path, "purposes", _purpose, required=True)
    recipients = _list(data, path, "recipients", _recipient, required=True)
    _unique_keys(purposes, _at(path, "purposes"))
    _unique_keys(recipients, _at(path, "recipients"))
    return ConsentCatalog(
        template_version=_text(data, path, "template_version"),
        purposes=purposes,
        recipients=recipients,
        data_categories=_texts(data, path, "data_categories"),
        default_validity_months=_optional_int(
            data.get("default_validity_months"),
            _at(path, "default_validity_months"),
            minimum=1,
            maximum=600,
        ),
        min_age_self_consent_digital=_int(
            _need(data, path, "min_age_self_consent_digital"),
            _at(path, "min_age_self_consent_digital"),
            minimum=0,
            maximum=18,
        ),
        insight_warning_age=_int(
            _need(data, path, "insight_warning_age"),
            _at(path, "insight_warning_age"),
            minimum=0,
            maximum=18,
        ),
    )


def parse_profile(data: Mapping[str, Any]) -> Profile:
    """Validate decoded profile JSON; raise `ValidationError(field_path, message_de)`."""
    data = _obj(data, "", Profile)
    subdivision = _text(data, "", "holiday_subdivision")
    if subdivision not in GERMAN_SUBDIVISIONS:
        raise ValidationError("holiday_subdivision", "muss ein Länderkürzel wie „NW“ sein")
    programme_keys = _list(data, "", "programme_keys", _programme_key)
    seen: set[str] = set()
    for i, key in enumerate(programme_keys):
        if key.programme in seen:
            raise ValidationError(f"programme_keys[{i}].programme", "ist doppelt angegeben")
        seen.add(key.programme)
    return Profile(
        name=_text(data, "", "name"),
        title=_text(data, "", "title"),
        city=_text(data, "", "city"),
        holiday_subdivision=subdivision,
        organisation=_organisation(_need(data, "", "organisation"), "organisation"),
        asd=_asd(_need(data, "", "asd"), "asd"),
        partners=_list(data, "", "partners", _partner),
        emergency_contacts=_list(data, "", "emergency_contacts", _emergency_contact),
        programme_keys=programme_keys,
        consent=_consent(_need(data, "", "consent"), "consent"),
        notes=_texts(data, "", "notes"),
        reporting=parse_reporting(data["reporting"]) if "reporting" in data else Reporting(),
    )
