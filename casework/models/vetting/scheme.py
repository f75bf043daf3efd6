"""The assessment scheme for § 72a SGB VIII: does an activity need the extended
certificate (erweitertes Führungszeugnis)? Reference data (`resources/vetting/`), not code.

The Trägervereinbarung asks paid staff with contact to children and young people for the
certificate; for side-job and volunteer staff it depends on "Art, Intensität und Dauer"
of the contact, with examples (multi-day leadership, regular responsible or sole group
work, special closeness such as Einzelfallhilfe or counselling) and, for volunteers only,
waivers (a minor volunteer; activities only for adults; open work without binding
character or spontaneous activities; a collegial team or peer self-organisation).

`assess` turns the answers of one activity into a result with a German reason. Criteria
score 0–2 points each (Art, Intensität, Dauer); a trigger (overnight stays, one-to-one
situations, the source's examples) makes the certificate necessary regardless of points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from casework.errors import ValidationError


class Engagement(StrEnum):
    """How a person works for the organisation (the agreement's "haupt-, neben- oder
    ehrenamtlich", plus the kinds the projects name: Honorarkraft, Arbeitsgelegenheit)."""

    HAUPTAMTLICH = "hauptamtlich"
    NEBENAMTLICH = "nebenamtlich"
    HONORAR = "Honorarkraft"
    ARBEITSGELEGENHEIT = "Arbeitsgelegenheit"
    EHRENAMTLICH = "ehrenamtlich"


class Outcome(StrEnum):
    REQUIRED = "erforderlich"
    NOT_REQUIRED = "nicht erforderlich"
    WAIVED = "Verzicht möglich"


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str
    points: int


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    group: str  # "Art", "Intensität", "Dauer"
    label: str
    options: tuple[Option, ...]

    def option(self, key: str) -> Option:
        for option in self.options:
            if option.key == key:
                return option
        raise ValidationError(self.label, f"unbekannte Stufe „{key}“.")


@dataclass(frozen=True, slots=True)
class Flag:
    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Scheme:
    title: str
    basis: str
    certificate_max_age_months: int
    renewal_years: int
    remind_days_before: int
    deletion_months_after_end: int
    threshold: int
    criteria: tuple[Criterion, ...]
    triggers: tuple[Flag, ...]
    waivers: tuple[Flag, ...]

    @property
    def max_points(self) -> int:
        return sum(max(o.points for o in c.options) for c in self.criteria)

    def criterion(self, key: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.key == key:
                return criterion
        raise ValidationError("Einschätzung", f"unbekanntes Merkmal „{key}“.")

    def trigger_label(self, key: str) -> str:
        return _flag(self.triggers, key, "Auslöser").label

    def waiver_label(self, key: str) -> str:
        return _flag(self.waivers, key, "Ausnahme").label


def _flag(flags: Sequence[Flag], key: str, field: str) -> Flag:
    for flag in flags:
        if flag.key == key:
            return flag
    raise ValidationError(field, f"unbekannter Eintrag „{key}“.")


MINOR_WAIVER = "die Person ist minderjährig"
WAIVER_ENGAGEMENTS = (Engagement.EHRENAMTLICH,)  # the agreement's waivers name volunteers


@dataclass(frozen=True, slots=True)
class Answers:
    """What the Leitung says about one activity (all keys refer to the scheme)."""

    children_contact: bool
    ratings: tuple[tuple[str, str], ...] = ()  # (criterion key, option key)
    triggers: tuple[str, ...] = ()
    waivers: tuple[str, ...] = ()

    def validated(self, scheme: Scheme) -> Answers:
        ratings = dict(self.ratings)
        for key, option in ratings.items():
            scheme.criterion(key).option(option)
        for key in self.triggers:
            scheme.trigger_label(key)
        for key in self.waivers:
            scheme.waiver_label(key)
        if not self.children_contact:
            return Answers(False)
        return Answers(True, tuple(sorted(ratings.items())),
                       tuple(sorted(set(self.triggers))), tuple(sorted(set(self.waivers))))


@dataclass(frozen=True, slots=True)
class Assessment:
    outcome: Outcome
    points: int
    reason: str

    @property
    def required(self) -> bool:
        return self.outcome is Outcome.REQUIRED


def assess(scheme: Scheme, engagement: Engagement, answers: Answers, *,
           minor: bool) -> Assessment:
    """The scheme's answer for one activity of a person of this engagement."""
    if not answers.children_contact:
        return Assessment(Outcome.NOT_REQUIRED, 0, "kein Kontakt zu Kindern oder Jugendlichen")
    ratings = dict(answers.ratings)
    points = sum(c.option(ratings[c.key]).points for c in scheme.criteria if c.key in ratings)
    if engagement is Engagement.HAUPTAMTLICH:
        # Trägervereinbarung: paid staff with contact present the certificate (no waivers).
        return Assessment(Outcome.REQUIRED, points,
                          "hauptamtlich mit Kontakt zu Kindern oder Jugendlichen")
    triggered = [scheme.trigger_label(k) for k in answers.triggers]
    if triggered:
        reason = "; ".join(triggered)
    elif points >= scheme.threshold:
        reason = f"nach Art, Intensität und Dauer ({points} von {scheme.max_points} Punkten)"
    else:
        return Assessment(Outcome.NOT_REQUIRED, points,
                          f"nach Art, Intensität und Dauer nicht nötig ({points} von "
                          f"{scheme.max_points} Punkten, erforderlich ab {scheme.threshold})")
    if engagement in WAIVER_ENGAGEMENTS:
        waivers = ([MINOR_WAIVER] if minor else []) + [scheme.waiver_label(k)
                                                       for k in answers.waivers]
        if waivers:
            return Assessment(Outcome.WAIVED, points,
                              f"{reason} – Verzicht möglich: {'; '.join(waivers)}")
    return Assessment(Outcome.REQUIRED, points, reason)


# --- parsing ------------------------------------------------------------------------------


def _need(data: Mapping[str, Any], path: str, key: str) -> Any:
    if key not in data:
        raise ValidationError(f"{path}.{key}" if path else key, "fehlt")
    return data[key]


def _text(data: Mapping[str, Any], path: str, key: str) -> str:
    value = _need(data, path, key)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{path}.{key}" if path else key, "muss ein Text sein")
    return value.strip()


def _int(data: Mapping[str, Any], path: str, key: str, low: int, high: int) -> int:
    value = _need(data, path, key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{path}.{key}" if path else key,
                              f"muss eine ganze Zahl von {low} bis {high} sein")
    return value


def _items(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = _need(data, "", key)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError(key, "muss eine Liste von Objekten sein")
    return value


def _unique(keys: Sequence[str], path: str) -> None:
    if len(set(keys)) != len(keys):
        raise ValidationError(path, "enthält einen Schlüssel doppelt")


def parse_scheme(data: Mapping[str, Any]) -> Scheme:
    criteria = []
    for i, item in enumerate(_items(data, "criteria")):
        path = f"criteria[{i}]"
        raw_options = _need(item, path, "options")
        if not isinstance(raw_options, list) or not raw_options:
            raise ValidationError(f"{path}.options", "muss eine nicht leere Liste sein")
        options = tuple(Option(_text(o, f"{path}.options[{j}]", "key"),
                               _text(o, f"{path}.options[{j}]", "label"),
                               _int(o, f"{path}.options[{j}]", "points", 0, 10))
                        for j, o in enumerate(raw_options))
        _unique([o.key for o in options], f"{path}.options")
        criteria.append(Criterion(_text(item, path, "key"), _text(item, path, "group"),
                                  _text(item, path, "label"), options))
    _unique([c.key for c in criteria], "criteria")
    flags = {}
    for name in ("triggers", "waivers"):
        flags[name] = tuple(Flag(_text(f, f"{name}[{i}]", "key"), _text(f, f"{name}[{i}]", "label"))
                            for i, f in enumerate(_items(data, name)))
        _unique([f.key for f in flags[name]], name)
    scheme = Scheme(_text(data, "", "title"), _text(data, "", "basis"),
                    _int(data, "", "certificate_max_age_months", 1, 12),
                    _int(data, "", "renewal_years", 1, 10),
                    _int(data, "", "remind_days_before", 7, 365),
                    _int(data, "", "deletion_months_after_end", 0, 12),
                    _int(data, "", "threshold", 1, 100), tuple(criteria),
                    flags["triggers"], flags["waivers"])
    if scheme.threshold > scheme.max_points:
        raise ValidationError("threshold", "ist höher als die erreichbare Punktzahl")
    return scheme
