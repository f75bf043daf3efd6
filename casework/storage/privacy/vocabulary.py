"""What the vault knows about people, for redaction (issue 19): names of all persons and
households, streets, typed sources of notes and § 8a observations, phone numbers and
e-mail addresses in the directory copy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casework.storage.db import Database


@dataclass(frozen=True, slots=True)
class KnownPerson:
    id: str
    household_id: str
    first_name: str
    last_name: str
    birth_date: str


def persons(db: Database) -> list[KnownPerson]:
    return [KnownPerson(str(r["id"]), str(r["household_id"]), str(r["first_name"] or ""),
                        str(r["last_name"] or ""), str(r["birth_date"] or ""))
            for r in db.query("SELECT id, household_id, first_name, last_name, birth_date "
                              "FROM persons WHERE deleted = 0")]


def households(db: Database) -> list[tuple[str, str, str]]:
    """(id, family name, street) of every household."""
    return [(str(r["id"]), str(r["name"] or ""), str(r["street"] or "")) for r in db.query(
        "SELECT id, name, street FROM households WHERE deleted = 0")]


def note_sources(db: Database) -> list[str]:
    """Typed sources of "Aussage Dritter" notes and § 8a observations/reports."""
    out = [str(r[0]) for r in db.query(
        "SELECT DISTINCT source FROM contact_notes WHERE source <> ''")]
    rows = db.query("SELECT payload FROM ks_entries WHERE deleted = 0 AND kind IN "
                    "('observation', 'report')")
    for row in rows:
        try:
            payload = json.loads(str(row[0]))
        except ValueError:
            continue
        for key in ("source", "reporter_name"):
            value = payload.get(key) if isinstance(payload, dict) else None
            if value:
                out.append(str(value))
    return out


def directory_data(db: Database) -> list[Any]:
    """The latest directory copy of every profile (parsed JSON)."""
    out: list[Any] = []
    for row in db.query("SELECT data FROM directory_revisions d WHERE deleted = 0 AND "
                        "revision = (SELECT max(revision) FROM directory_revisions e WHERE "
                        "e.profile_name = d.profile_name AND e.deleted = 0)"):
        try:
            out.append(json.loads(str(row[0])))
        except ValueError:
            continue
    return out
