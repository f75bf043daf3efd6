"""The note index keeps which notes hold a word, not where (issue 23: 102 → 33 bytes per
contact on a million notes, and less to write for every note).

Nothing read the positions: every search term is one folded word (never a phrase or a
NEAR group), and snippets are cut from the note text in Python. The only user was
FTS5's `bm25()`, which returns 0 without positions; the ranked search now computes the
same bm25 itself (`storage.note_rank`). The index is rebuilt from the notes, folded as
the bulk writer folds them, in slices (one statement over a million notes would hold
its undo state in memory), then merged into one segment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from casework.models.text import index_texts

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 55

_SLICE = 20_000

CREATE_SQL = """
CREATE VIRTUAL TABLE note_fts USING fts5(
    text,
    content='',
    contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0',
    detail=none
)"""


def apply(db: Database, slice_rows: int = _SLICE) -> None:
    db.execute("DROP TABLE IF EXISTS note_fts")
    db.execute(CREATE_SQL)
    db.execute("INSERT INTO note_fts(note_fts, rank) VALUES ('secure-delete', 1)")
    after = 0
    while True:
        rows = db.query("SELECT rowid, text FROM contact_notes WHERE rowid > ? "
                        "ORDER BY rowid LIMIT ?", (after, slice_rows))
        if not rows:
            break
        db.executemany("INSERT INTO note_fts(rowid, text) VALUES (?, ?)",
                       list(zip((int(r[0]) for r in rows), index_texts([str(r[1]) for r in rows]),
                                strict=True)))
        after = int(rows[-1][0])
    db.execute("INSERT INTO note_fts(note_fts) VALUES ('optimize')")
    # The old index's pages back to the file system (vaults with incremental auto-vacuum).
    db.query("PRAGMA incremental_vacuum")
