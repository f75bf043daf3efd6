"""Lookups the CSV importer needs (duplicate check against the vault)."""

from __future__ import annotations

from datetime import date

from casework.models.csv_import import identity_key
from casework.storage.db import Database


def person_identities(db: Database) -> set[tuple[str, str, str]]:
    """Folded (first name, last name, birth date) of every person with an exact birth
    date; the importer flags rows that match one."""
    return {
        identity_key(r["first_name"], r["last_name"], date.fromisoformat(r["birth_date"]))
        for r in db.query("SELECT first_name, last_name, birth_date FROM persons "
                          "WHERE deleted = 0 AND birth_date IS NOT NULL")
    }
