"""The family list's adults' first names kept on the household row (issue 23).

A page of 200 families read the first names with a second query joining `persons` (5–8 ms
on the 20,000-household vault, budget 1 ms for the whole page). `households.adult_first_names`
holds the first names of the living, not deleted members who are not children, in the
order they were added, each followed by U+001F (so one adult without a first name is
told apart from none). Triggers on `persons` keep it, like `member_count` (m0004), so
every write path (services, bulk import, sync, purge) keeps it in step."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 7

SEPARATOR = "\x1f"


def adults_sql(household_id: str) -> str:
    """The column's value for one household; `household_id` is an SQL expression."""
    return ("SELECT coalesce(group_concat(first_name || char(31), '' ORDER BY rowid), '') "
            f"FROM persons WHERE household_id = {household_id} AND deleted = 0 "
            "AND role <> 'Kind'")


TRIGGERS = (
    f"""CREATE TRIGGER persons_adult_names_ai AFTER INSERT ON persons
WHEN new.deleted = 0 AND new.role <> 'Kind' BEGIN
    UPDATE households SET adult_first_names = ({adults_sql('new.household_id')})
        WHERE id = new.household_id;
END""",
    f"""CREATE TRIGGER persons_adult_names_ad AFTER DELETE ON persons
WHEN old.deleted = 0 AND old.role <> 'Kind' BEGIN
    UPDATE households SET adult_first_names = ({adults_sql('old.household_id')})
        WHERE id = old.household_id;
END""",
    f"""CREATE TRIGGER persons_adult_names_au AFTER UPDATE OF first_name, role, deleted,
household_id ON persons BEGIN
    UPDATE households SET adult_first_names = ({adults_sql('old.household_id')})
        WHERE id = old.household_id;
    UPDATE households SET adult_first_names = ({adults_sql('new.household_id')})
        WHERE id = new.household_id AND new.household_id IS NOT old.household_id;
END""",
)


def apply(db: Database) -> None:
    db.execute("ALTER TABLE households ADD COLUMN adult_first_names TEXT NOT NULL DEFAULT ''")
    db.execute(f"UPDATE households SET adult_first_names = ({adults_sql('households.id')})")
    for trigger in TRIGGERS:
        db.execute(trigger)
