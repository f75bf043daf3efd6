"""Contact facts kept on write for the Jahresbericht: reached households per local year
and contacts per local month and type, maintained by triggers on `contacts`
(storage/report_facts.py). The existing contacts are counted once here."""

from casework.storage import report_facts
from casework.storage.db import Database

VERSION = 45


def apply(db: Database) -> None:
    report_facts.install(db)
