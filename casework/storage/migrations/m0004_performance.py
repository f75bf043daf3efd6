"""Performance (issue 9).

1. `households.member_count` (living, not deleted members) for the family list, kept by
   triggers on `persons`, so every write path (services, bulk import, sync, retention
   purge) keeps it in step without remembering to. Counting per row with a correlated
   subquery was a third of the time of a family-list page (200 rows).
2. No STAT4 statistics. With `sqlite_stat4` rows (written by `ANALYZE` after a bulk
   import), SQLite re-plans every statement whose bound values could change the plan each
   time it runs — including FTS5's internal term lookup in `note_fts_idx`, several times
   per search. Under `cipher_memory_security` every one of the ~2,000 allocations of such
   a re-plan is an mlock/munlock system call pair: a newest-first note search took 18 ms
   CPU instead of 2 ms. `sqlite_stat1` (row counts per index) stays and is enough here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 4

SQL = """
ALTER TABLE households ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE households SET member_count = (
    SELECT count(*) FROM persons p WHERE p.household_id = households.id AND p.deleted = 0);
CREATE TRIGGER persons_member_count_ai AFTER INSERT ON persons WHEN new.deleted = 0 BEGIN
    UPDATE households SET member_count = member_count + 1 WHERE id = new.household_id;
END;
CREATE TRIGGER persons_member_count_ad AFTER DELETE ON persons WHEN old.deleted = 0 BEGIN
    UPDATE households SET member_count = member_count - 1 WHERE id = old.household_id;
END;
CREATE TRIGGER persons_member_count_au AFTER UPDATE OF deleted, household_id ON persons
WHEN old.deleted <> new.deleted OR old.household_id IS NOT new.household_id BEGIN
    UPDATE households SET member_count = member_count - 1
        WHERE id = old.household_id AND old.deleted = 0;
    UPDATE households SET member_count = member_count + 1
        WHERE id = new.household_id AND new.deleted = 0;
END;
"""


def drop_stat4(db: Database) -> None:
    """Remove STAT4 samples (see the module docstring) and make the planner reload."""
    if db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'"):
        db.execute("DELETE FROM sqlite_stat4")
        db.execute("ANALYZE sqlite_schema")


def apply(db: Database) -> None:
    db.executescript(SQL)
    drop_stat4(db)
