"""Re-fold search entries after `fold` learned letters NFKD leaves alone (ı, ł, ø, đ, æ, œ):
"Yilmaz" must find "Yılmaz". Only rows containing such letters are touched."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 5

_PATTERN = "*[ıłøđðþæœŀŁØĐÐÞÆŒĿ]*"


def apply(db: Database) -> None:
    from casework.storage.households import refresh_search

    households = db.query(
        "SELECT DISTINCT h.id FROM households h LEFT JOIN persons p ON p.household_id = h.id "
        "WHERE h.name GLOB ?1 OR h.street GLOB ?1 OR h.city GLOB ?1 OR h.district GLOB ?1 "
        "OR p.first_name GLOB ?1 OR p.last_name GLOB ?1", (_PATTERN,))
    for row in households:
        refresh_search(db, str(row[0]))
    for row in db.query("SELECT rowid FROM contact_notes WHERE text GLOB ?", (_PATTERN,)):
        db.execute("DELETE FROM note_fts WHERE rowid = ?", (row[0],))
        db.execute("INSERT INTO note_fts(rowid, text) SELECT rowid, casework_fold(text) "
                   "FROM contact_notes WHERE rowid = ?", (row[0],))
