"""Import of existing lists (CSV): preview, then an all-or-nothing commit.

    preview = importer.preview(session, data)              # or with mapping / mapping_json
    preview.plan.problems / .duplicates                    # shown to the user
    summary, changes = importer.commit(session, preview, DuplicatePolicy.SKIP)

Nothing is written unless every row is valid; the commit is one transaction, so a failure
half-way leaves the vault as it was.

The desktop app checks the file on its worker thread (`check_in_background`: the vault's
persons for the duplicate check read on its second connection, progress and cancel every
few thousand rows) and commits there too (`commit_in_background`); cancelling between two
batches rolls the whole transaction back.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from casework.clock import Clock
from casework.errors import UserError, ValidationError
from casework.models.changes import Changes
from casework.models.contacts import ContactDraft
from casework.models.households.csv_cells import Once, birth
from casework.models.households.csv_columns import (
    check_mapping,
    default_mapping,
    mapping_from_json,
)
from casework.models.households.csv_file import MAX_BYTES, CsvTable, read_table
from casework.models.households.csv_import import (
    DuplicatePolicy,
    Identity,
    ImportPlan,
    birth_dates,
    plan_import,
)
from casework.models.households.person import BirthInfo
from casework.models.ids import HouseholdId, WorkerId, new_ids
from casework.services import session as session_service
from casework.services.session import Session, UnwrappedKey
from casework.storage import bulk, bulk_load
from casework.storage import households as household_store

BATCH = 2_000  # households (with their persons) or contacts per bulk statement
# While an import is written (bulk_load.page_cache): SQLite takes only the pages it uses, and
# gives them back when the import is done.
IMPORT_CACHE_KIB = 512 * 1024


SAMPLE_ROWS = 20  # rows of the file a preview keeps for showing (the dialog shows 8)


@dataclass(frozen=True, slots=True, weakref_slot=True)
class ImportPreview:
    """A checked file. `table`: its header, encoding, delimiter and first `SAMPLE_ROWS`
    rows (what the dialog shows; all rows are in `plan`). Kept out of the garbage
    collector's walks while it lives (`_kept_out_of_collections`)."""

    table: CsvTable
    mapping: dict[str, int]
    plan: ImportPlan


@dataclass(frozen=True, slots=True)
class ImportSummary:
    households: int
    persons: int
    contacts: int
    skipped_duplicates: int
    household_ids: tuple[HouseholdId, ...] = ()


class ImportCancelled(UserError):
    """The person (or locking the vault) stopped the import; nothing was written."""

    def __init__(self) -> None:
        super().__init__("Import abgebrochen: es wurde nichts importiert.")


def read_file(path: Path) -> bytes:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValidationError("Datei", "ist zu groß (höchstens 50 MB).")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"Die Datei „{path.name}“ gibt es nicht.") from None
    except OSError:
        raise UserError(f"Die Datei „{path.name}“ kann nicht gelesen werden.") from None


def preview(session: Session, data: bytes, mapping: Mapping[str, int] | None = None,
            mapping_json: str | None = None) -> ImportPreview:
    """Parse and validate everything; writes nothing. Raises `ValidationError` for a file
    that cannot be read as a table at all; row problems are in `plan.problems`."""
    # Checking 100,000 rows keeps half a million objects alive and makes no reference
    # cycles: the collector walked them again and again, a third of the check's time.
    with bulk_load.gc_paused():
        table = read_table(data)
        if mapping is not None:
            chosen = dict(mapping)
        elif mapping_json is not None:
            chosen = mapping_from_json(mapping_json, table.header)
        else:
            chosen = default_mapping(table.header)
        # the table as read above (reading it again was 0.8 s of a 100,000-row preview)
        births: Once[str, BirthInfo] = Once(birth)  # each birth cell read once for both
        known = known_persons(session, table, chosen, births)
        plan = plan_import(table, chosen, session.clock.now(), known, births=births)
        return _kept_out_of_collections(table, chosen, plan)


def known_persons(session: Session, table: CsvTable, mapping: Mapping[str, int],
                  births: Once[str, BirthInfo] | None = None) -> frozenset[Identity]:
    """Identity keys of the vault's persons born on a day the file names, for the
    duplicate check: one query (a small list against a large vault reads a few persons,
    not all of them). `births`: see `birth_dates`."""
    check_mapping(mapping, table.header)
    return frozenset(household_store.person_identities(
        session.db, birth_dates(table, mapping, births)))


def check_in_background(key: UnwrappedKey, clock: Clock, actor_id: WorkerId, data: bytes,
                        *, mapping: Mapping[str, int] | None = None,
                        progress: Callable[[int, int], None] | None = None,
                        cancelled: Callable[[], bool] | None = None) -> ImportPreview:
    """`preview` on a worker thread: the file is read there, the vault's persons it is
    checked against on the vault's own second connection (closed, and its key wiped,
    right after). `progress(rows checked, rows)` every few thousand rows; when
    `cancelled()` says yes (before the start or there), it stops with `CancelledError`."""

    def step(done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise CancelledError()
        if progress is not None:
            progress(done, total)

    if cancelled is not None and cancelled():  # stopped while it waited for the worker
        key.wipe()
        raise CancelledError()
    with bulk_load.gc_paused():  # as in `preview`
        try:
            table = read_table(data)
            chosen = dict(mapping) if mapping is not None else default_mapping(table.header)
            check_mapping(chosen, table.header)
        except BaseException:
            key.wipe()  # a file that cannot be checked needs no connection
            raise
        session = session_service.open_background(key, clock, actor_id, "")
        births: Once[str, BirthInfo] = Once(birth)  # as in `preview`
        try:
            known = known_persons(session, table, chosen, births)
        finally:
            session.close()
        plan = plan_import(table, chosen, clock.now(), known, progress=step, births=births)
        return _kept_out_of_collections(table, chosen, plan)


# How many checked previews are alive with their objects frozen (`gc.freeze`).
_frozen = 0
_frozen_lock = threading.RLock()  # a finalizer may run on any thread, at any time


def _kept_out_of_collections(table: CsvTable, mapping: dict[str, int],
                             plan: ImportPlan) -> ImportPreview:
    """The preview of a checked file, its objects moved out of the collector's reach.

    The plan of 100,000 rows is some 300,000 objects without a reference cycle, made while
    collection was paused. Left as they were, the next collections walked all of them,
    once in each of the three generations (0.15–0.3 s each, holding every thread,
    the GUI's too). `gc.freeze()` (called here, before collection is on again) moves every
    object alive now to the permanent generation, which no collection walks; reference
    counting still frees the plan when the dialog lets it go. When the last frozen
    preview is gone, `gc.unfreeze()` hands whatever else was frozen with it (the app's
    own objects, cycles left while collection was paused) back to the oldest
    generation, so nothing stays uncollectable beyond the preview's life."""
    global _frozen
    prepared = ImportPreview(CsvTable(table.header, table.rows[:SAMPLE_ROWS],
                                      table.encoding, table.delimiter), mapping, plan)
    with _frozen_lock:
        gc.freeze()
        _frozen += 1
    weakref.finalize(prepared, _thaw)
    return prepared


def _thaw() -> None:
    global _frozen
    with _frozen_lock:
        _frozen -= 1
        if not _frozen:
            gc.unfreeze()


def commit(session: Session, prepared: ImportPreview,
           duplicates: DuplicatePolicy = DuplicatePolicy.REFUSE, *,
           progress: Callable[[int, int], None] | None = None,
           cancelled: Callable[[], bool] | None = None,
           ) -> tuple[ImportSummary, Changes]:
    """Import all households, persons and contacts of the plan in one transaction.
    `progress(done, total)` is called after each batch (households, then contacts);
    `cancelled()` is asked before each batch: when it says yes, the transaction is rolled
    back and `ImportCancelled` raised."""
    # No GC walking hundreds of thousands of row tuples (bulk_load.gc_paused); a page cache
    # that holds what the one transaction writes (with the default one, a 100,000-row
    # import spilled and re-read pages: 0.8 s of 8.7 s).
    with bulk_load.gc_paused(), bulk_load.page_cache(session.db, IMPORT_CACHE_KIB):
        return _commit(session, prepared, duplicates, progress, cancelled)


def _commit(session: Session, prepared: ImportPreview, duplicates: DuplicatePolicy,
            progress: Callable[[int, int], None] | None,
            cancelled: Callable[[], bool] | None) -> tuple[ImportSummary, Changes]:
    plan = prepared.plan
    if plan.problems:
        raise ValidationError("Import", f"{len(plan.problems)} Zeile(n) sind fehlerhaft; es wurde "
                              "nichts importiert. Bitte die Datei korrigieren.")
    skipped = 0
    if plan.duplicates:
        if duplicates is DuplicatePolicy.REFUSE:
            raise UserError(f"{len(plan.duplicates)} mögliche Doppelung(en) gefunden (gleicher "
                            "Name und gleiches Geburtsdatum). Es wurde nichts importiert: bitte "
                            "prüfen und dann überspringen oder trotzdem anlegen.")
        if duplicates is DuplicatePolicy.SKIP:
            skipped = len(plan.duplicates)
            plan = plan.without_duplicates()
    if not plan.households:
        raise UserError("Die Datei enthält nichts zu importieren.")
    # One transaction (all or nothing), written in batches through the bulk writer: the
    # same rows, search entries and change-log rows as the per-record path, many times
    # faster (one executemany per table and batch instead of several statements per row).
    # Ids ascending in the order the rows are written (new ids are random within their
    # millisecond): each id index gets its entries appended instead of scattered.
    household_ids = iter(sorted(new_ids(len(plan.households))))
    person_ids = iter(sorted(new_ids(plan.person_count)))
    ids: list[HouseholdId] = []
    batches: list[tuple[list[bulk.HouseholdRow], list[bulk.PersonRow]]] = []
    unnumbered: list[tuple[HouseholdId, ContactDraft]] = []
    for planned in plan.households:
        if not batches or len(batches[-1][0]) >= BATCH:
            batches.append(([], []))
        households, people = batches[-1]
        hid = HouseholdId(next(household_ids))
        ids.append(hid)
        households.append((hid, planned.draft))
        people.extend((next(person_ids), hid, person.draft) for person in planned.persons)
        unnumbered.extend((hid, contact.draft) for contact in planned.contacts)
    # oldest first, so note search (newest first by insertion order) stays right
    unnumbered.sort(key=lambda row: row[1].occurred_at)
    # each household's last contact and open follow-ups, written with its row (what
    # contact_store.refresh_household_stats would count after the contacts)
    later: dict[str, tuple[datetime, int]] = {}
    for hid, draft in unnumbered:  # oldest first: the last one seen is the newest
        follow_ups = later[hid][1] if hid in later else 0
        later[hid] = (draft.occurred_at, follow_ups + (draft.follow_up is not None))
    contact_rows: list[bulk.ContactRow] = [
        (cid, hid, draft) for cid, (hid, draft) in zip(
            sorted(new_ids(len(unnumbered))), unnumbered, strict=True)]
    total = len(ids) + len(contact_rows)
    done = 0
    persons = 0

    def next_batch() -> None:
        if cancelled is not None and cancelled():
            raise ImportCancelled()

    with session.db.transaction():
        writer = session.writer()
        for households, people in batches:
            next_batch()
            bulk.insert_batch(writer, households, people, [], later_contacts=later)
            persons += len(people)
            done += len(households)
            if progress is not None:
                progress(done, total)
        for start in range(0, len(contact_rows), BATCH):
            chunk = contact_rows[start:start + BATCH]
            next_batch()
            bulk.insert_batch(writer, [], [], chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        next_batch()
        contacts = len(contact_rows)
        session.audit("import.csv", detail=f"households={len(ids)};persons={persons};"
                                           f"contacts={contacts};skipped={skipped}")
    summary = ImportSummary(len(ids), persons, contacts, skipped, tuple(ids))
    return summary, Changes.of("household", *ids)


def commit_in_background(key: UnwrappedKey, clock: Clock, actor_id: WorkerId,
                         prepared: ImportPreview, duplicates: DuplicatePolicy, *,
                         progress: Callable[[int, int], None] | None = None,
                         cancelled: Callable[[], bool] | None = None) -> ImportSummary:
    """On a worker thread: `commit` on the vault's own second connection (a connection
    never crosses threads), closed (and its key wiped) before this returns. The GUI
    thread then calls `after_background_import`."""
    session = session_service.open_background(key, clock, actor_id, "import.background")
    try:
        summary, _changes = commit(session, prepared, duplicates, progress=progress,
                                   cancelled=cancelled)
        return summary
    finally:
        session.close()


def after_background_import(session: Session, summary: ImportSummary) -> Changes:
    """Back on the GUI thread: this connection's clock moves past the imported versions
    (the next local edit sorts after them); returns what changed."""
    session_service.observe_newest_version(session)
    return Changes.of("household", *summary.household_ids)


def import_bytes(session: Session, data: bytes, *, mapping_json: str | None = None,
                 duplicates: DuplicatePolicy = DuplicatePolicy.REFUSE
                 ) -> tuple[ImportSummary, Changes]:
    """Preview and commit in one go (CLI). Raises on any bad row."""
    prepared = preview(session, data, mapping_json=mapping_json)
    return commit(session, prepared, duplicates)
