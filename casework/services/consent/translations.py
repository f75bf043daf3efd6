"""The shipped translations (`resources/translations/*.json`) and the one that fits a
household's languages."""

from __future__ import annotations

import functools
import json

from casework.models.translations import Translation, for_languages, parse_translation
from casework.resources import files
from casework.services.session import Session
from casework.storage import households as household_store


@functools.cache
def available() -> tuple[Translation, ...]:
    folder = files("translations")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            found.append(parse_translation(json.loads(entry.read_text(encoding="utf-8")),
                                           f"translations/{entry.name}"))
    return tuple(found)


def by_code(code: str) -> Translation | None:
    return next((t for t in available() if t.code == code), None)


def for_household(session: Session, household_id: str) -> Translation | None:
    household = household_store.get_household(session.db, household_id)
    if household is None:
        return None
    return for_languages(household.data.languages, available())
