"""A contact insert's log row refers to the contact instead of repeating it (issue 23: the
row repeated every value of the contact, a third of the vault). Its `fields` become
`changelog.CONTACT_IN_ROW`; the push and the history read them back from `contacts` and
`contact_notes` (`changelog.expand_fields`). Triggers keep the log row true: before a
logged column of a contact changes, or a note of it is changed or deleted, or the contact
row is deleted, the values as they still are go into the log row (whoever makes the
change: the app, the sync, a correction).

Existing rows are converted only where what they say is exactly what the contact's row and
notes say now (compared in Python, 2,000 rows at a time, as in migration 6); a contact
changed since keeps its full row. The freed pages are reused by later writes (no VACUUM
here: it would rewrite the whole file while the person waits)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 8

_CHUNK = 2000
_LOGGED = ("household_id", "occurred_at", "duration_min", "type", "persons_present", "topics",
           "next_steps", "follow_up")


def _keep_original_sql(contact_id: str) -> str:
    """The trigger SQL as this migration wrote it (the log was the table `changelog`
    then; migration 57 replaces these triggers)."""
    from casework.storage.changelog import CONTACT_IN_ROW, contact_fields_sql

    fields = contact_fields_sql("c", keyed=False)
    return (f"UPDATE changelog SET fields = (SELECT {fields} FROM contacts c "
            f"WHERE c.id = {contact_id}) WHERE entity_id = {contact_id} AND entity = 'contact' "
            f"AND op = 'insert' AND fields = '{CONTACT_IN_ROW}' "
            f"AND EXISTS (SELECT 1 FROM contacts WHERE id = {contact_id})")


def triggers_sql() -> str:
    from casework.storage.changelog import CONTACT_LOGGED

    assert set(_LOGGED) == set(CONTACT_LOGGED)
    return f"""
CREATE TRIGGER contacts_log_keep_au BEFORE UPDATE OF {', '.join(_LOGGED)} ON contacts BEGIN
    {_keep_original_sql('OLD.id')};
END;
CREATE TRIGGER contacts_log_keep_ad BEFORE DELETE ON contacts BEGIN
    {_keep_original_sql('OLD.id')};
END;
CREATE TRIGGER contact_notes_log_keep_au BEFORE UPDATE ON contact_notes BEGIN
    {_keep_original_sql('OLD.contact_id')};
END;
CREATE TRIGGER contact_notes_log_keep_ad BEFORE DELETE ON contact_notes BEGIN
    {_keep_original_sql('OLD.contact_id')};
END;
"""


def _as_python_wrote_it(notes: str) -> str:
    """SQL for `json.dumps(fields, ensure_ascii=False, sort_keys=True)` of a contact
    insert's fields from the contact row `c`, the notes given as the text `notes`."""
    from casework.storage.changelog import CONTACT_LOGGED

    parts = []
    for name in sorted((*CONTACT_LOGGED, "notes")):
        if name == "notes":
            value = "'" + json.dumps(notes).replace("'", "''") + "'"
        else:
            value = (f"CASE WHEN c.{name} IS NULL THEN 'null' WHEN typeof(c.{name}) = "
                     f"'integer' THEN CAST(c.{name} AS TEXT) ELSE json_quote(c.{name}) END")
        parts.append(f"'\"{name}\": ' || {value}")
    return "'{' || " + " || ', ' || ".join(parts) + " || '}'"


def apply(db: Database) -> None:
    from casework.storage.changelog import (
        CONTACT_IN_ROW,
        CONTACT_LOGGED,
        NOTES_IN_ROW,
        stored_notes,
    )

    db.executescript(triggers_sql())
    # Fast path, one statement: rows whose text is exactly what the per-row path and the
    # bulk writer would write for the contact as it is now (json.dumps with sort_keys,
    # the notes by reference). Equal text parses to equal fields; any other row (another
    # escaping, the notes' text in the row, a contact changed since) is compared in
    # Python below.
    db.execute("UPDATE changelog SET fields = ? WHERE entity = 'contact' AND op = 'insert' "
               f"AND fields = (SELECT {_as_python_wrote_it(NOTES_IN_ROW)} FROM contacts c "
               "WHERE c.id = changelog.entity_id)", (CONTACT_IN_ROW,))
    columns = ", ".join(f"c.{name}" for name in CONTACT_LOGGED)
    last = 0
    while True:
        rows = db.query("SELECT seq, entity_id, fields FROM changelog WHERE seq > ? "
                        "AND entity = 'contact' AND op = 'insert' ORDER BY seq LIMIT ?",
                        (last, _CHUNK))
        if not rows:
            return
        last = int(rows[-1][0])
        current = {str(r[0]): dict(zip(CONTACT_LOGGED, tuple(r)[1:], strict=True))
                   for r in db.query(f"SELECT c.id, {columns} FROM contacts c WHERE c.id IN "
                                     "(SELECT value FROM json_each(?))",
                                     (json.dumps([str(r[1]) for r in rows]),))}
        candidates: list[tuple[int, str, dict[str, Any]]] = []
        for seq, contact_id, text in rows:
            if text == CONTACT_IN_ROW or str(contact_id) not in current:
                continue
            try:
                fields = json.loads(text)
            except ValueError:
                continue
            if isinstance(fields, dict):
                candidates.append((int(seq), str(contact_id), fields))
        # Rows of migration 6 refer to the current notes already (it and every correction
        # since made sure of that); only rows with the notes' text need them read.
        notes = stored_notes(db, [c for _s, c, f in candidates if f.get("notes") != NOTES_IN_ROW],
                             keyed=False)
        updates: list[tuple[str, int]] = []
        for seq, contact_id, fields in candidates:
            logged = fields.pop("notes", None)
            if logged != NOTES_IN_ROW and logged != notes.get(contact_id):
                continue  # its notes were corrected since: the row keeps their text
            if fields != current[contact_id]:
                continue  # changed since (or never matched): the row keeps its values
            updates.append((CONTACT_IN_ROW, seq))
        db.executemany("UPDATE changelog SET fields = ? WHERE seq = ?", updates)
