"""Translations of the consent form's and the withdrawal confirmation's fixed texts into
a family's language (issue 19): data files in `resources/translations/<code>.json`, each
naming who checked it. An unchecked translation prints "Übersetzung ungeprüft"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casework.errors import ValidationError

KEYS = ("title", "binding", "what", "voluntary", "withdrawal", "minors", "rights",
        "withdrawal_title", "withdrawal_effect", "withdrawal_now")
UNCHECKED = "Übersetzung ungeprüft"


@dataclass(frozen=True, slots=True)
class Translation:
    code: str  # ISO 639-1
    name: str  # in the language itself ("Türkçe")
    german_name: str  # "Türkisch"
    rtl: bool  # right to left (Arabic)
    aliases: tuple[str, ...]  # how a household's language may be written
    checked_by: str  # who checked it ("" = nobody)
    checked_on: str
    texts: Mapping[str, str]

    @property
    def checked(self) -> bool:
        return bool(self.checked_by.strip() and self.checked_on.strip())

    def text(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)


def parse_translation(data: Mapping[str, Any], source: str) -> Translation:
    texts = data.get("texts")
    if not isinstance(texts, dict):
        raise ValidationError(source, "texts fehlt")
    missing = [k for k in KEYS if not isinstance(texts.get(k), str) or not texts[k].strip()]
    if missing:
        raise ValidationError(source, f"es fehlen Texte: {', '.join(missing)}")
    return Translation(
        code=str(data.get("code", "")), name=str(data.get("name", "")),
        german_name=str(data.get("german_name", "")), rtl=bool(data.get("rtl", False)),
        aliases=tuple(str(a).casefold() for a in data.get("aliases", ())),
        checked_by=str(data.get("checked_by", "")), checked_on=str(data.get("checked_on", "")),
        texts={k: str(texts[k]) for k in KEYS})


def for_languages(languages: Iterable[str], available: Iterable[Translation]
                  ) -> Translation | None:
    """The translation for the first of a household's languages that is not German."""
    known = list(available)
    for language in languages:
        key = language.strip().casefold()
        if key in ("deutsch", "german", "de", ""):
            continue
        for translation in known:
            if key in translation.aliases or key == translation.code:
                return translation
    return None
