"""The change log no longer repeats a contact's note text (issue 23: 40 % of the log, a
third of the vault). A contact insert's log row says `"notes": "=contact_notes"` and the
text is read from `contact_notes` when the row is pushed or shown in the history
(`storage.changelog.expand_fields`); before a correction replaces the notes, the row gets
its original text back (`changelog.keep_original_notes`).

Existing rows are converted only where the logged notes are exactly what `contact_notes`
holds now; a contact whose notes were corrected since keeps its full row. Compared and
rewritten in Python, 2,000 rows at a time (the same comparison in SQL, with a JSON
aggregate per row, took 42 s for 238,000 contacts; this takes a fraction of that). The
freed pages are reused by later writes (no VACUUM here: it would rewrite the whole file
while the person waits)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 6

_CHUNK = 2000


def apply(db: Database) -> None:
    from casework.storage.changelog import NOTES_IN_ROW, stored_notes

    last = 0
    while True:
        rows = db.query("SELECT seq, entity_id, fields FROM changelog WHERE seq > ? "
                        "AND entity = 'contact' AND op = 'insert' ORDER BY seq LIMIT ?",
                        (last, _CHUNK))
        if not rows:
            return
        last = int(rows[-1][0])
        notes = stored_notes(db, [str(r[1]) for r in rows], keyed=False)
        updates: list[tuple[str, int]] = []
        for seq, contact_id, text in rows:
            try:
                fields = json.loads(text)
            except ValueError:
                continue
            if not isinstance(fields, dict) or not isinstance(fields.get("notes"), list):
                continue
            if fields["notes"] != notes.get(str(contact_id)):
                continue  # corrected since (or never matched): the row keeps its text
            fields["notes"] = NOTES_IN_ROW
            updates.append((json.dumps(fields, ensure_ascii=False, sort_keys=True), int(seq)))
        db.executemany("UPDATE changelog SET fields = ? WHERE seq = ?", updates)
