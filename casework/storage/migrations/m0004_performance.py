"""Performance (issue 9).

1. `households.member_count` (living, not deleted members) for the family list, kept by
   triggers on `persons`, so every write path (services, bulk import, sync, retention
   purge) keeps it in step without remembering to. Counting per row with a correlated
   subquery was a third of the time of a family-list page (200 rows).
2. No STAT4 statistics. With `sqlite_stat4` rows (written by `ANALYZE` after a bulk
   import), SQLite re-plans every statement whose bound values could change the plan each
   time it runs — including FTS5's internal term lookup in `note_fts_idx`, several times
   per search. Under `cipher_memory_security` every one of the ~2,000 allocations of such
   a re-plan is an mlock/munlock system call pair: on the 1M-contact benchmark vault an
   FTS5 query made 3,190 instead of 588 allocations (6.2 vs 3.1 ms CPU) and a family-list
   page 1,170 instead of 208. `sqlite_stat1` (row counts per index) stays; closing the
   vault (`PRAGMA optimize`) and the demo bulk load drop STAT4 again (`db.drop_stat4`).
"""

from __future__ import annotations

from casework.storage.db import Database, drop_stat4

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


def apply(db: Database) -> None:
    db.executescript(SQL)
    drop_stat4(db)
