"""The intake questionnaire (from the reference-data profile), its need rules and a
client's recorded intake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casework.errors import ValidationError
from casework.models.teilhabe.measures import Handlungsfeld


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    label: str
    kind: str  # "choice" | "multi" | "text" | "bool"
    options: tuple[str, ...] = ()
    section: str = ""


@dataclass(frozen=True, slots=True)
class NeedRule:
    """'If answer to `question` is one of `values` (or, for bool, True) → need in HF'."""

    question: str
    values: tuple[str, ...]
    handlungsfeld: Handlungsfeld
    need: str


@dataclass(frozen=True, slots=True)
class Questionnaire:
    key: str
    title: str
    version: str
    questions: tuple[Question, ...]
    rules: tuple[NeedRule, ...] = field(default=())

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def validate_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Return cleaned answers; unknown keys or options raise ValidationError."""
        clean: dict[str, Any] = {}
        for key, value in answers.items():
            try:
                q = self.question(key)
            except KeyError:
                raise ValidationError("Erstgespräch", f"unbekannte Frage „{key}“.") from None
            if value in (None, "", [], ()):
                continue
            if q.kind == "choice":
                if value not in q.options:
                    raise ValidationError(q.label, "Antwort ist keine der Vorgaben.")
                clean[key] = value
            elif q.kind == "multi":
                values = list(value) if isinstance(value, (list, tuple)) else [value]
                if any(v not in q.options for v in values):
                    raise ValidationError(q.label, "Antwort ist keine der Vorgaben.")
                clean[key] = [o for o in q.options if o in values]
            elif q.kind == "bool":
                clean[key] = bool(value)
            else:
                text = str(value).strip()
                if len(text) > 2000:
                    raise ValidationError(q.label, "ist zu lang (höchstens 2000 Zeichen).")
                if text:
                    clean[key] = text
        return clean

    def needs(self, answers: Mapping[str, Any]) -> dict[Handlungsfeld, tuple[str, ...]]:
        """Needs per Handlungsfeld derived by the questionnaire's rules."""
        found: dict[Handlungsfeld, list[str]] = {}
        for rule in self.rules:
            value = answers.get(rule.question)
            if value is None:
                continue
            hit = False
            if isinstance(value, bool):
                hit = value if not rule.values else str(value).lower() in rule.values
            elif isinstance(value, list):
                hit = any(v in rule.values for v in value)
            else:
                hit = value in rule.values
            if hit and rule.need not in found.get(rule.handlungsfeld, []):
                found.setdefault(rule.handlungsfeld, []).append(rule.need)
        return {hf: tuple(found[hf]) for hf in Handlungsfeld if hf in found}


def parse_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """Build a questionnaire from JSON data; raises ValidationError naming the path."""

    def text(obj: Mapping[str, Any], path: str, key: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{path}{key}", "fehlt oder ist kein Text")
        return value

    questions: list[Question] = []
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValidationError("sections", "fehlt oder ist leer")
    seen: set[str] = set()
    for si, section in enumerate(sections):
        title = text(section, f"sections[{si}].", "title")
        for qi, q in enumerate(section.get("questions", [])):
            path = f"sections[{si}].questions[{qi}]."
            key = text(q, path, "key")
            if key in seen:
                raise ValidationError(f"{path}key", "ist doppelt")
            seen.add(key)
            kind = q.get("kind", "text")
            if kind not in ("choice", "multi", "text", "bool"):
                raise ValidationError(f"{path}kind", "muss choice, multi, text oder bool sein")
            options = tuple(str(o) for o in q.get("options", ()))
            if kind in ("choice", "multi") and not options:
                raise ValidationError(f"{path}options", "fehlt")
            questions.append(Question(key, text(q, path, "label"), kind, options, title))
    rules: list[NeedRule] = []
    for ri, rule in enumerate(data.get("rules", [])):
        path = f"rules[{ri}]."
        qkey = text(rule, path, "question")
        if qkey not in seen:
            raise ValidationError(f"{path}question", "nennt keine Frage des Katalogs")
        hf = rule.get("handlungsfeld")
        if not isinstance(hf, int) or not 1 <= hf <= 4:
            raise ValidationError(f"{path}handlungsfeld", "muss 1 bis 4 sein")
        values = rule.get("values", [])
        rules.append(
            NeedRule(
                qkey, tuple(str(v) for v in values), Handlungsfeld.of(hf), text(rule, path, "need")
            )
        )
    return Questionnaire(
        text(data, "", "key"),
        text(data, "", "title"),
        str(data.get("version", "1")),
        tuple(questions),
        tuple(rules),
    )




@dataclass(frozen=True, slots=True)
class Intake:
    id: str
    questionnaire: str
    version: str
    interviewed_on: date
    answers: dict[str, Any]
    needs: dict[str, list[str]]
