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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 8

_CHUNK = 2000
_LOGGED = ("household_id", "occurred_at", "duration_min", "type", "persons_present", "topics",
           "next_steps", "follow_up")


def triggers_sql() -> str:
    from casework.storage.changelog import CONTACT_LOGGED, keep_original_sql

    assert set(_LOGGED) == set(CONTACT_LOGGED)
    return f"""
CREATE TRIGGER contacts_log_keep_au BEFORE UPDATE OF {', '.join(_LOGGED)} ON contacts BEGIN
    {keep_original_sql('OLD.id')};
END;
CREATE TRIGGER contacts_log_keep_ad BEFORE DELETE ON contacts BEGIN
    {keep_original_sql('OLD.id')};
END;
CREATE TRIGGER contact_notes_log_keep_au BEFORE UPDATE ON contact_notes BEGIN
    {keep_original_sql('OLD.contact_id')};
END;
CREATE TRIGGER contact_notes_log_keep_ad BEFORE DELETE ON contact_notes BEGIN
    {keep_original_sql('OLD.contact_id')};
END;
"""


def apply(db: Database) -> None:
    from casework.storage.changelog import CONTACT_IN_ROW, NOTES_IN_ROW, stored_contacts

    db.executescript(triggers_sql())
    last = 0
    while True:
        rows = db.query("SELECT seq, entity_id, fields FROM changelog WHERE seq > ? "
                        "AND entity = 'contact' AND op = 'insert' ORDER BY seq LIMIT ?",
                        (last, _CHUNK))
        if not rows:
            return
        last = int(rows[-1][0])
        current = stored_contacts(db, [str(r[1]) for r in rows])
        updates: list[tuple[str, int]] = []
        for seq, contact_id, text in rows:
            if text == CONTACT_IN_ROW:
                continue
            try:
                fields = json.loads(text)
            except ValueError:
                continue
            if not isinstance(fields, dict):
                continue
            now = current.get(str(contact_id))
            if now is None:
                continue
            if fields.get("notes") == NOTES_IN_ROW:
                # the notes are the current ones (migration 6 and every correction since
                # made sure of that): only the contact's values are compared
                fields = dict(fields, notes=now["notes"])
            if fields != now:
                continue  # changed since (or never matched): the row keeps its values
            updates.append((CONTACT_IN_ROW, int(seq)))
        db.executemany("UPDATE changelog SET fields = ? WHERE seq = ?", updates)
