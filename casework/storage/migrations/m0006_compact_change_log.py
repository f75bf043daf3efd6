"""The change log no longer repeats a contact's note text (issue 23: 40 % of the log, a
third of the vault). A contact insert's log row says `"notes": "=contact_notes"` and the
text is read from `contact_notes` when the row is pushed or shown in the history
(`storage.changelog.expand_fields`); before a correction replaces the notes, the row gets
its original text back (`changelog.keep_original_notes`).

Existing rows are converted only where the logged notes are exactly what `contact_notes`
holds now (compared as JSON text, key by key in the logged order); a contact whose notes
were corrected since keeps its full row. The freed pages are reused by later writes (no
VACUUM here: it would rewrite the whole file while the person waits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 6


def apply(db: Database) -> None:
    from casework.storage.changelog import NOTES_IN_ROW, notes_json_sql

    db.execute(
        "UPDATE changelog SET fields = json_set(fields, '$.notes', ?1) "
        "WHERE entity = 'contact' AND op = 'insert' AND json_valid(fields) "
        "AND json_type(fields, '$.notes') = 'array' "
        f"AND json_extract(fields, '$.notes') = ({notes_json_sql('changelog.entity_id')})",
        (NOTES_IN_ROW,))
