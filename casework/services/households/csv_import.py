"""Import of existing lists (CSV): preview, then an all-or-nothing commit.

    preview = importer.preview(session, data)              # or with mapping / mapping_json
    preview.plan.problems / .duplicates                    # shown to the user
    summary, changes = importer.commit(session, preview, DuplicatePolicy.SKIP)

Nothing is written unless every row is valid; the commit is one transaction, so a failure
half-way leaves the vault as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from casework.errors import UserError, ValidationError
from casework.models.changes import Changes
from casework.models.households.csv_import import (
    MAX_BYTES,
    CsvTable,
    DuplicatePolicy,
    ImportPlan,
    default_mapping,
    mapping_from_json,
    plan_import,
    read_table,
)
from casework.models.ids import HouseholdId
from casework.services.session import Session
from casework.storage import contacts as contact_store
from casework.storage import households as household_store


@dataclass(frozen=True, slots=True)
class ImportPreview:
    table: CsvTable
    mapping: dict[str, int]
    plan: ImportPlan


@dataclass(frozen=True, slots=True)
class ImportSummary:
    households: int
    persons: int
    contacts: int
    skipped_duplicates: int


def read_file(path: Path) -> bytes:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValidationError("Datei", "ist zu groß (höchstens 50 MB).")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"Die Datei „{path.name}“ gibt es nicht.") from None
    except OSError:
        raise UserError(f"Die Datei „{path.name}“ kann nicht gelesen werden.") from None


def preview(session: Session, data: bytes, mapping: Mapping[str, int] | None = None,
            mapping_json: str | None = None) -> ImportPreview:
    """Parse and validate everything; writes nothing. Raises `ValidationError` for a file
    that cannot be read as a table at all; row problems are in `plan.problems`."""
    table = read_table(data)
    if mapping is not None:
        chosen = dict(mapping)
    elif mapping_json is not None:
        chosen = mapping_from_json(mapping_json, table.header)
    else:
        chosen = default_mapping(table.header)
    known = household_store.person_identities(session.db)
    plan = plan_import(table, chosen, session.clock.now(), known)
    return ImportPreview(table, chosen, plan)


def commit(session: Session, prepared: ImportPreview,
           duplicates: DuplicatePolicy = DuplicatePolicy.REFUSE) -> tuple[ImportSummary, Changes]:
    """Import all households, persons and contacts of the plan in one transaction."""
    plan = prepared.plan
    if plan.problems:
        raise ValidationError("Import", f"{len(plan.problems)} Zeile(n) sind fehlerhaft; es wurde "
                              "nichts importiert. Bitte die Datei korrigieren.")
    skipped = 0
    if plan.duplicates:
        if duplicates is DuplicatePolicy.REFUSE:
            raise UserError(f"{len(plan.duplicates)} mögliche Doppelung(en) gefunden (gleicher "
                            "Name und gleiches Geburtsdatum). Es wurde nichts importiert: bitte "
                            "prüfen und dann überspringen oder trotzdem anlegen.")
        if duplicates is DuplicatePolicy.SKIP:
            skipped = len(plan.duplicates)
            plan = plan.without_duplicates()
    if not plan.households:
        raise UserError("Die Datei enthält nichts zu importieren.")
    ids: list[HouseholdId] = []
    persons = contacts = 0
    with session.db.transaction():
        writer = session.writer()
        for planned in plan.households:
            hid = household_store.insert_household(writer, planned.draft)
            ids.append(hid)
            for person in planned.persons:
                household_store.insert_person(writer, hid, person.draft)
                persons += 1
            for contact in planned.contacts:
                contact_store.insert_contact(writer, hid, contact.draft)
                contacts += 1
        session.audit("import.csv", detail=f"households={len(ids)};persons={persons};"
                                           f"contacts={contacts};skipped={skipped}")
    summary = ImportSummary(len(ids), persons, contacts, skipped)
    return summary, Changes.of("household", *ids)


def import_bytes(session: Session, data: bytes, *, mapping_json: str | None = None,
                 duplicates: DuplicatePolicy = DuplicatePolicy.REFUSE
                 ) -> tuple[ImportSummary, Changes]:
    """Preview and commit in one go (CLI). Raises on any bad row."""
    prepared = preview(session, data, mapping_json=mapping_json)
    return commit(session, prepared, duplicates)
