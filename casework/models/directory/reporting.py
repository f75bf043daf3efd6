"""The reporting part of a profile: a project's targets per year, the Kennzahlen
(indicators "X of N" with a target value), the funding line printed on every report and the
funding periods of programmes (sources-reference §3.13, §3.14, §3.15, §4.7).

Reference data like the rest of the profile: read from `resources/profiles/*.json` or the
vault's edited copy, validated here, never hard-coded for one city.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from casework.errors import ValidationError


class Metric(StrEnum):
    """What the app can count for a target or an indicator (per period)."""

    HAUSHALTE_ERREICHT = "haushalte_erreicht"
    HAUSHALTE_NEU = "haushalte_neu"
    KONTAKTE = "kontakte"
    HAUSBESUCHE = "hausbesuche"
    VERMITTLUNGEN = "vermittlungen"
    HAUSHALTE_VERMITTELT = "haushalte_vermittelt"
    HAUSHALTE_KURS = "haushalte_kurs"
    KURSE_JE_FAMILIE = "kurse_je_familie"
    FAMILIENTRAINING = "familientraining"
    FAMILIENTRAINING_ABGESCHLOSSEN = "familientraining_abgeschlossen"

    @property
    def label(self) -> str:
        return METRIC_LABELS[self]


METRIC_LABELS: dict[Metric, str] = {
    Metric.HAUSHALTE_ERREICHT: "Erreichte Familien",
    Metric.HAUSHALTE_NEU: "Neu erreichte Familien",
    Metric.KONTAKTE: "Kontakte",
    Metric.HAUSBESUCHE: "Hausbesuche",
    Metric.VERMITTLUNGEN: "Vermittlungen",
    Metric.HAUSHALTE_VERMITTELT: "Familien mit mindestens einer Vermittlung",
    Metric.HAUSHALTE_KURS: "Familien mit mindestens einem Kurs",
    Metric.KURSE_JE_FAMILIE: "Kurse je erreichter Familie",
    Metric.FAMILIENTRAINING: "Familien im Familientraining",
    Metric.FAMILIENTRAINING_ABGESCHLOSSEN: "Familientraining vollständig absolviert",
}

# Metrics that count families (small numbers are suppressed) rather than events or averages.
FAMILY_METRICS = frozenset(
    {
        Metric.HAUSHALTE_ERREICHT,
        Metric.HAUSHALTE_NEU,
        Metric.HAUSHALTE_VERMITTELT,
        Metric.HAUSHALTE_KURS,
        Metric.FAMILIENTRAINING,
        Metric.FAMILIENTRAINING_ABGESCHLOSSEN,
    }
)


class Change(StrEnum):
    """How an indicator's trend is stated (source 004:376: relative vs. points)."""

    PROZENTPUNKTE = "prozentpunkte"
    RELATIV = "relativ"


@dataclass(frozen=True, slots=True)
class Target:
    year: int
    metric: Metric
    value: float


@dataclass(frozen=True, slots=True)
class Indicator:
    """A Kennzahl: `numerator` of `denominator` as a share, with a target share in percent."""

    key: str
    label: str
    numerator: Metric
    denominator: Metric
    target_percent: float
    change: Change = Change.PROZENTPUNKTE


@dataclass(frozen=True, slots=True)
class FundingLogo:
    label: str
    png_base64: str  # PNG or JPEG bytes, base64; shown only if it decodes

    def image(self) -> bytes | None:
        try:
            data = base64.b64decode(self.png_base64, validate=True)
        except (binascii.Error, ValueError):
            return None
        if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8"):
            return data
        return None


@dataclass(frozen=True, slots=True)
class FundingLine:
    """The funders' credit line (Förderleiste, source 000:1250-1267)."""

    text: str
    logos: tuple[FundingLogo, ...] = ()


@dataclass(frozen=True, slots=True)
class FundingPeriod:
    programme: str
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class Reporting:
    project: str = ""
    funding_line: FundingLine | None = None
    funding_periods: tuple[FundingPeriod, ...] = ()
    targets: tuple[Target, ...] = ()
    indicators: tuple[Indicator, ...] = ()

    def targets_for(self, year: int) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.year == year)

    def funding_period(self, programme: str) -> FundingPeriod | None:
        for period in self.funding_periods:
            if period.programme == programme:
                return period
        return None


_FIELDS = {"project", "funding_line", "funding_periods", "targets", "indicators"}


def _obj(value: object, path: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(path, "muss ein Objekt sein")
    for key in value:
        if key not in allowed:
            raise ValidationError(f"{path}.{key}", "ist kein bekanntes Feld")
    return value


def _text(data: Mapping[str, Any], path: str, key: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ValidationError(f"{path}.{key}", "muss ein Text sein")
    if required and not value.strip():
        raise ValidationError(f"{path}.{key}", "fehlt")
    return value.strip()


def _list(data: Mapping[str, Any], path: str, key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValidationError(f"{path}.{key}", "muss eine Liste sein")
    return value


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError(path, "muss eine Zahl ab 0 sein")
    return float(value)


def _day(value: object, path: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(path, "muss ein Datum JJJJ-MM-TT sein") from None


def _metric(value: object, path: str) -> Metric:
    try:
        return Metric(str(value))
    except ValueError:
        known = ", ".join(m.value for m in Metric)
        raise ValidationError(path, f"ist keine bekannte Zählgröße ({known})") from None


def parse_reporting(value: object, path: str = "reporting") -> Reporting:
    data = _obj(value, path, _FIELDS)
    line = None
    if "funding_line" in data:
        where = f"{path}.funding_line"
        raw = _obj(data["funding_line"], where, {"text", "logos"})
        logos = []
        for i, logo in enumerate(_list(raw, where, "logos")):
            at = f"{where}.logos[{i}]"
            item = _obj(logo, at, {"label", "png_base64"})
            logos.append(FundingLogo(_text(item, at, "label"), _text(item, at, "png_base64")))
        line = FundingLine(_text(raw, where, "text"), tuple(logos))
    periods = []
    for i, item in enumerate(_list(data, path, "funding_periods")):
        at = f"{path}.funding_periods[{i}]"
        raw = _obj(item, at, {"programme", "first", "last"})
        first, last = _day(raw.get("first"), f"{at}.first"), _day(raw.get("last"), f"{at}.last")
        if last < first:
            raise ValidationError(f"{at}.last", "liegt vor dem Beginn")
        periods.append(FundingPeriod(_text(raw, at, "programme"), first, last))
    targets = []
    seen: set[tuple[int, Metric]] = set()
    for i, item in enumerate(_list(data, path, "targets")):
        at = f"{path}.targets[{i}]"
        raw = _obj(item, at, {"year", "metric", "value"})
        year = raw.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise ValidationError(f"{at}.year", "muss ein Jahr wie 2026 sein")
        metric = _metric(raw.get("metric"), f"{at}.metric")
        if (year, metric) in seen:
            raise ValidationError(f"{at}.metric", "ist für dieses Jahr doppelt angegeben")
        seen.add((year, metric))
        targets.append(Target(year, metric, _number(raw.get("value"), f"{at}.value")))
    indicators = []
    keys: set[str] = set()
    for i, item in enumerate(_list(data, path, "indicators")):
        at = f"{path}.indicators[{i}]"
        raw = _obj(
            item,
            at,
            {"key", "label", "numerator", "denominator", "target_percent", "change"},
        )
        key = _text(raw, at, "key")
        if key in keys:
            raise ValidationError(f"{at}.key", "ist doppelt vergeben")
        keys.add(key)
        target = _number(raw.get("target_percent"), f"{at}.target_percent")
        if target > 100:
            raise ValidationError(f"{at}.target_percent", "darf höchstens 100 sein")
        try:
            change = Change(str(raw.get("change", Change.PROZENTPUNKTE.value)))
        except ValueError:
            raise ValidationError(f"{at}.change", "muss prozentpunkte oder relativ sein") from None
        indicators.append(
            Indicator(
                key,
                _text(raw, at, "label"),
                _metric(raw.get("numerator"), f"{at}.numerator"),
                _metric(raw.get("denominator"), f"{at}.denominator"),
                target,
                change,
            )
        )
    return Reporting(
        _text(data, path, "project", required=False),
        line,
        tuple(periods),
        tuple(targets),
        tuple(indicators),
    )


def reporting_to_data(reporting: Reporting) -> dict[str, Any]:
    """JSON-ready data; the inverse of `parse_reporting`."""
    out: dict[str, Any] = {}
    if reporting.project:
        out["project"] = reporting.project
    if reporting.funding_line is not None:
        out["funding_line"] = {
            "text": reporting.funding_line.text,
            "logos": [
                {"label": logo.label, "png_base64": logo.png_base64}
                for logo in reporting.funding_line.logos
            ],
        }
    out["funding_periods"] = [
        {"programme": p.programme, "first": p.first.isoformat(), "last": p.last.isoformat()}
        for p in reporting.funding_periods
    ]
    out["targets"] = [
        {"year": t.year, "metric": t.metric.value, "value": _plain(t.value)}
        for t in reporting.targets
    ]
    out["indicators"] = [
        {
            "key": i.key,
            "label": i.label,
            "numerator": i.numerator.value,
            "denominator": i.denominator.value,
            "target_percent": _plain(i.target_percent),
            "change": i.change.value,
        }
        for i in reporting.indicators
    ]
    return out


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
