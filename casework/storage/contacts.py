"""Contact rows, their typed note entries, follow-ups and note search."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from casework.clock import from_utc_iso, to_utc_iso
from casework.models.contacts import (
    ADDENDUM_MARK,
    CORRECTABLE_FIELDS,
    AddendumDraft,
    Contact,
    ContactDraft,
    ContactRevision,
    ContactType,
    CorrectionDraft,
    FollowUp,
    NoteEntry,
    NoteHit,
    NoteKind,
    RevisionKind,
)
from casework.models.ids import ContactId, HouseholdId, PersonId, new_id
from casework.models.text import fold, fold_words
from casework.storage import note_rank
from casework.storage.changelog import (
    CONTACT_IN_ROW,
    CONTACT_LOGGED,
    RecordWriter,
    keep_original_notes,
)
from casework.storage.db import Database, Row


def _notes_payload(notes: tuple[NoteEntry, ...]) -> list[dict[str, Any]]:
    return [{"kind": n.kind.value, "text": n.text, "source": n.source, "disputed": n.disputed}
            for n in notes]


def insert_contact(w: RecordWriter, household_id: str, draft: ContactDraft) -> ContactId:
    cid = new_id()
    values: dict[str, Any] = {
        "household_id": household_id,
        "occurred_at": to_utc_iso(draft.occurred_at),
        "duration_min": draft.duration_min,
        "type": draft.type.value,
        "persons_present": json.dumps(list(draft.persons_present)),
        "topics": json.dumps(list(draft.topics), ensure_ascii=False),
        "next_steps": draft.next_steps,
        "follow_up": draft.follow_up.isoformat() if draft.follow_up else None,
    }
    # The log row refers to the row and its notes (changelog.CONTACT_IN_ROW), so the row
    # must hold every logged value and nothing logged may be missing from the reference.
    if tuple(sorted(values)) != CONTACT_LOGGED:
        raise RuntimeError("a contact column was added: log it next to CONTACT_IN_ROW")
    w.insert("contacts", "contact", values, record_id=cid, scope_id=household_id,
             log_fields=CONTACT_IN_ROW)
    _insert_notes(w.db, cid, draft.notes)
    _count_new_contact(w.db, household_id, values["occurred_at"], draft.follow_up is not None)
    return ContactId(cid)


def _insert_notes(db: Database, contact_id: str, notes: Sequence[NoteEntry]) -> None:
    """A contact's notes, referring to it by its integer key (storage/contact_rows.py)."""
    db.executemany(
        "INSERT INTO contact_notes (contact, seq, kind, source, text, disputed) "
        "SELECT rid, ?, ?, ?, ?, ? FROM contact_rows WHERE id = ?",
        [(i, n.kind.value, n.source, n.text, int(n.disputed), contact_id)
         for i, n in enumerate(notes)])


def _count_new_contact(db: Database, household_id: str, occurred_utc: str,
                       has_follow_up: bool) -> None:
    """The list columns after one new contact, without re-reading all contacts of the
    household (`refresh_household_stats` counts every contact's follow-up: O(contacts))."""
    db.execute(
        "UPDATE households SET "
        "last_contact_at = CASE WHEN last_contact_at IS NULL OR last_contact_at < ?2 "
        "  THEN ?2 ELSE last_contact_at END, "
        "open_followups = open_followups + ?3 WHERE id = ?1",
        (household_id, occurred_utc, int(has_follow_up)),
    )


def refresh_household_stats_many(db: Database, household_ids: Sequence[str]) -> None:
    """`refresh_household_stats` for many households in one statement (bulk imports)."""
    db.execute(
        "UPDATE households SET "
        "last_contact_at = (SELECT max(occurred_at) FROM contacts c "
        "  WHERE c.household_id = households.id AND c.deleted = 0), "
        "open_followups = (SELECT count(*) FROM contacts c WHERE c.household_id = households.id "
        "  AND c.deleted = 0 AND c.follow_up IS NOT NULL AND c.follow_up_done = 0) "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(household_ids),),
    )


def refresh_household_stats(db: Database, household_id: str) -> None:
    """Keep the denormalised list columns (last contact, open follow-ups) in step."""
    db.execute(
        "UPDATE households SET "
        "last_contact_at = (SELECT max(occurred_at) FROM contacts "
        "  WHERE household_id = ?1 AND deleted = 0), "
        "open_followups = (SELECT count(*) FROM contacts WHERE household_id = ?1 "
        "  AND deleted = 0 AND follow_up IS NOT NULL AND follow_up_done = 0) "
        "WHERE id = ?1",
        (household_id,),
    )


def _contact_from_row(r: Row, notes: list[NoteEntry],
                      revisions: tuple[ContactRevision, ...] = ()) -> Contact:
    draft = ContactDraft(
        occurred_at=from_utc_iso(r["occurred_at"]),
        type=ContactType(r["type"]),
        duration_min=int(r["duration_min"]),
        persons_present=tuple(PersonId(p) for p in json.loads(r["persons_present"])),
        topics=tuple(json.loads(r["topics"])),
        notes=tuple(notes),
        next_steps=r["next_steps"],
        follow_up=date.fromisoformat(r["follow_up"]) if r["follow_up"] else None,
    )
    return Contact(ContactId(r["id"]), HouseholdId(r["household_id"]), draft, r["created_at"],
                   r["created_by"], r["version"], bool(r["follow_up_done"]), revisions)


def _notes_for(db: Database, contact_ids: list[str]) -> dict[str, list[NoteEntry]]:
    result: dict[str, list[NoteEntry]] = {c: [] for c in contact_ids}
    if not contact_ids:
        return result
    marks = ",".join("?" for _ in contact_ids)
    for n in db.query(
        f"SELECT c.id AS contact_id, n.kind, n.source, n.text, n.disputed "
        f"FROM contact_rows c JOIN contact_notes n ON n.contact = c.rid "
        f"WHERE c.id IN ({marks}) ORDER BY c.id, n.seq", contact_ids):
        result[n["contact_id"]].append(
            NoteEntry(NoteKind(n["kind"]), n["text"], n["source"], bool(n["disputed"])))
    return result


def contacts_of(db: Database, household_id: str, limit: int | None = None,
                offset: int = 0) -> list[Contact]:
    rows = db.query(
        "SELECT * FROM contacts WHERE household_id = ? AND deleted = 0 "
        "ORDER BY occurred_at DESC LIMIT ? OFFSET ?",
        (household_id, -1 if limit is None else limit, offset),
    )
    ids = [r["id"] for r in rows]
    notes = _notes_for(db, ids)
    revisions = revisions_for(db, ids)
    return [_contact_from_row(r, notes[r["id"]], revisions[r["id"]]) for r in rows]


def get_contact(db: Database, contact_id: str) -> Contact | None:
    row = db.query_one("SELECT * FROM contacts WHERE id = ? AND deleted = 0", (contact_id,))
    if row is None:
        return None
    return _contact_from_row(row, _notes_for(db, [contact_id])[contact_id],
                             revisions_for(db, [contact_id])[contact_id])


def count_contacts(db: Database, household_id: str) -> int:
    return int(db.scalar("SELECT count(*) FROM contacts WHERE household_id = ? AND deleted = 0",
                         (household_id,)))


def set_follow_up_done(w: RecordWriter, contact: Contact, done: bool) -> bool:
    changed = w.update("contacts", "contact", contact.id, {"follow_up_done": int(done)},
                       scope_id=contact.household_id,
                       current={"follow_up_done": int(contact.follow_up_done)})
    refresh_household_stats(w.db, contact.household_id)
    return changed


def follow_ups_due(db: Database, on_or_before: date, worker_id: str | None = None,
                   limit: int = 200, newest_first: bool = False) -> list[FollowUp]:
    params: list[Any] = [on_or_before.isoformat()]
    worker_clause = ""
    if worker_id is not None:
        worker_clause = " AND h.assigned_worker_id = ?"
        params.append(worker_id)
    params.append(limit)
    rows = db.query(
        "SELECT c.id, c.household_id, h.name, c.follow_up, c.next_steps FROM contacts c "
        "JOIN households h ON h.id = c.household_id "
        "WHERE c.follow_up IS NOT NULL AND c.follow_up_done = 0 AND c.deleted = 0 "
        "AND h.deleted = 0 AND h.status <> 'abgeschlossen' "  # closed: off the daily list
        f"AND c.follow_up <= ?{worker_clause} "
        f"ORDER BY c.follow_up{' DESC' if newest_first else ''}, h.sort_name LIMIT ?",
        params,
    )
    return [FollowUp(ContactId(r[0]), HouseholdId(r[1]), r[2], date.fromisoformat(r[3]), r[4])
            for r in rows]


# How many vocabulary terms the last (still being typed) word expands to.
PREFIX_EXPANSIONS = 8
# How many vocabulary terms starting with the prefix are considered (in term order) when
# choosing the expansions, and up to how many documents are counted per candidate.
PREFIX_CANDIDATES = 24
_FREQUENCY_CAP = 256
# Ranked search orders this many newest matches by bm25 (see `search_notes`).
RANKED_WINDOW = 2000


def _vocabulary_terms(db: Database, prefix: str, limit: int = PREFIX_EXPANSIONS) -> list[str]:
    """Frequent indexed terms starting with `prefix`, most frequent first.

    FTS5's own prefix queries ("famil"*) merge the doclists of every matching term in
    memory before ordering; on a million notes that took minutes. Expanding the prefix to
    a handful of concrete terms first keeps newest-first queries streaming.

    The terms are stepped through with an `fts5vocab` *instance* table, which reads only
    the first entry of each term (a 'row' vocabulary table counts every document of every
    term: 23 ms CPU for "familie" on a million notes). Only when more than `limit` terms
    share the prefix are the first `PREFIX_CANDIDATES` of them ranked by a document count
    capped at `_FREQUENCY_CAP` (cheap: at most that many doclist entries per term)."""
    db.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.note_vocab_instance "
                    "USING fts5vocab(main, 'note_fts', 'instance')")
    upper = prefix + "\uffff"
    candidates: list[str] = []
    probe = prefix
    while len(candidates) < PREFIX_CANDIDATES:
        row = db.query_one("SELECT term FROM temp.note_vocab_instance "
                           "WHERE term >= ? AND term < ? LIMIT 1", (probe, upper))
        if row is None:
            break
        term = str(row[0])
        candidates.append(term)
        # Tokens never contain control characters: term + U+0001 sorts right after term.
        probe = term + "\x01"
    if len(candidates) <= limit:
        return candidates
    counts = {
        term: int(db.scalar("SELECT count(*) FROM (SELECT rowid FROM note_fts "
                            "WHERE note_fts MATCH ? LIMIT ?)", (f'"{term}"', _FREQUENCY_CAP)))
        for term in candidates
    }
    return sorted(candidates, key=lambda t: (-counts[t], t))[:limit]


def _match_terms(db: Database, text: str) -> tuple[list[str], list[str]] | None:
    """(the words that must all occur, the last word's expansions of which one must)."""
    words = fold_words(text)
    if not words:
        return None
    last = words[-1]
    expansions = _vocabulary_terms(db, last)
    if last not in expansions:
        expansions = [last, *expansions[: PREFIX_EXPANSIONS - 1]]
    return words[:-1], expansions


def _expression(terms: tuple[list[str], list[str]]) -> str:
    required, expansions = terms
    parts = [f'"{w}"' for w in required]
    parts.append("(" + " OR ".join(f'"{t}"' for t in expansions) + ")")
    return " AND ".join(parts)


def note_match_expression(db: Database, text: str) -> str | None:
    """FTS5 expression: every word must occur; the last word also matches as a prefix
    (expanded through the vocabulary), so search works as you type."""
    terms = _match_terms(db, text)
    return None if terms is None else _expression(terms)


# The contact's table and keys (storage/contact_rows.py) rather than the view: the note
# leads, so each hit reaches its contact by integer key.
_HIT_COLUMNS = ("SELECT c.id, k.id, h.name, c.occurred_at, n.kind, n.text "
                "FROM {source} JOIN contact_notes n ON n.rowid = f.rowid "
                "JOIN contact_rows c ON c.rid = n.contact JOIN id_keys k ON k.n = c.household "
                "JOIN households h ON h.id = k.id "
                "WHERE c.deleted = 0 AND h.deleted = 0 ")
# A Nachtrag is found like a note (issue 18). Addenda are few next to the notes: their own
# index (migration 77) takes FTS5's plain prefix query for the last word. The last column
# orders them among the note hits: newest first by when they were written, or by bm25.
_ADDENDUM_HITS = ("SELECT r.contact_id, r.household_id, h.name, c.occurred_at, r.text, "
                  "{order} FROM addendum_fts f JOIN contact_revisions r ON r.rowid = f.rowid "
                  "JOIN contacts c ON c.id = r.contact_id "
                  "JOIN households h ON h.id = r.household_id "
                  "WHERE c.deleted = 0 AND h.deleted = 0 AND r.deleted = 0 "
                  "AND addendum_fts MATCH ? ORDER BY {order_by} LIMIT ?")


def _addendum_match_expression(text: str) -> str | None:
    words = fold_words(text)
    if not words:
        return None
    return " AND ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*'])


def _addendum_hits(db: Database, text: str, limit: int, ranked: bool,
                   words: list[str], cache: dict[str, bool]) -> list[tuple[Any, NoteHit]]:
    """(sort key, hit) of addenda matching `text`: the key is the bm25 score (ranked) or
    the negated time written (newest first), to merge with the note hits."""
    query = _addendum_match_expression(text)
    if query is None:
        return []
    order = "bm25(addendum_fts)" if ranked else "r.created_at"
    rows = db.query(_ADDENDUM_HITS.format(order=order, order_by="6" if ranked else "6 DESC"),
                    (query, limit))
    return [(r[5], NoteHit(ContactId(r[0]), HouseholdId(r[1]), r[2], r[3], "Nachtrag",
                           ADDENDUM_MARK + snippet(r[4], words, folded_cache=cache)))
            for r in rows]


def search_notes(db: Database, text: str, limit: int = 50, ranked: bool = False) -> list[NoteHit]:
    """Newest first by default (cheap, streams from the index).

    `ranked=True` orders by bm25 relevance among the `RANKED_WINDOW` (2,000) newest
    matching notes, not among all of them: bm25 over every match of a common word (a word
    in 20 % of a million notes) reads 200,000 position lists and document sizes, 5 s of CPU
    time on an encrypted vault (32 s wall on a busy machine); among the newest 2,000 it
    takes ~40 ms, and for social work the recent notes are the relevant ones. Words rarer
    than that are ranked over all their matches."""
    terms = _match_terms(db, text)
    if terms is None:
        return []
    query = _expression(terms)
    if ranked:
        # Scored here (note_rank): the index keeps no word positions, FTS5's bm25 needs
        # them. Same scores; ties newest first. Only the best `limit` come back whole.
        window = db.query(
            "SELECT f.rowid, n.text FROM (SELECT rowid FROM note_fts WHERE note_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT ?) f JOIN contact_notes n ON n.rowid = f.rowid "
            "JOIN contact_rows c ON c.rid = n.contact JOIN id_keys k ON k.n = c.household "
            "JOIN households h ON h.id = k.id "
            "WHERE c.deleted = 0 AND h.deleted = 0", (query, RANKED_WINDOW))
        scores = note_rank.scorer(db, [*terms[0], *terms[1]]).scores(
            [r[1] for r in window]) if window else []
        best = sorted(zip(scores, (-int(r[0]) for r in window), strict=True))[:limit]
        found = {int(r[6]): r for r in db.query(
            _HIT_COLUMNS.replace("n.text ", "n.text, f.rowid ", 1).format(
                source="(SELECT value AS rowid FROM json_each(?)) f"),
            (json.dumps([-rowid for _score, rowid in best]),))} if best else {}
        rows: Sequence[Sequence[Any]] = [
            (*tuple(found[-rowid])[:6], score) for score, rowid in best if -rowid in found]
    else:
        rows = db.query(
            _HIT_COLUMNS.replace("n.text ", "n.text, c.created_at ", 1).format(
                source="note_fts f") + "AND note_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
            (query, limit),
        )
    words = fold_words(text)
    cache: dict[str, bool] = {}
    hits = [(r[6], NoteHit(ContactId(r[0]), HouseholdId(r[1]), r[2], r[3], r[4],
                           snippet(r[5], words, folded_cache=cache)))
            for r in rows]
    addenda = _addendum_hits(db, text, limit, ranked, words, cache)
    if not addenda:
        return [hit for _key, hit in hits]
    # Notes come newest first (by insertion); an addendum goes before the notes written
    # before it. Ranked: by bm25 score (lower is better) across both.
    merged = sorted(hits + addenda, key=lambda kh: kh[0], reverse=not ranked)
    return [hit for _key, hit in merged[:limit]]


@functools.lru_cache(maxsize=64)
def _word_start_pattern(initials: str) -> re.Pattern[str]:
    """Words whose first character folds to one of `initials` ("a" → a, A, ä, Ä, á, …).

    Built from the characters up to U+1FFF (Latin, Greek, Cyrillic, …); holds no note
    text, only letters."""
    chars = {chr(i) for i in range(0x30, 0x2000)
             if (folded := fold(chr(i))) and folded[0] in initials}
    return re.compile(r"(?<!\w)[" + "".join(re.escape(c) for c in sorted(chars)) + r"]\w*")


def snippet(text: str, folded_query: list[str], width: int = 120,
            folded_cache: dict[str, bool] | None = None) -> str:
    """About `width` characters of `text` around the first word matching the query.

    Only words starting with a letter that folds to a query word's first letter are
    folded, and `folded_cache` remembers per word whether it matched, shared across the
    hits of one search (folding every word was 90 % of a newest-first search)."""
    cache: dict[str, bool] = {} if folded_cache is None else folded_cache
    queries = tuple(q for q in folded_query if q)
    start = 0
    if queries:
        pattern = _word_start_pattern("".join(sorted({q[0] for q in queries})))
        for match in pattern.finditer(text):
            word = match.group()
            hit = cache.get(word)
            if hit is None:
                folded = fold_words(word)
                hit = cache[word] = bool(folded) and folded[0].startswith(queries)
            if hit:
                start = max(0, match.start() - width // 3)
                break
    piece = text[start:start + width]
    return ("… " if start else "") + piece + (" …" if start + width < len(text) else "")


def contacts_logged_between(db: Database, start_utc: str, end_utc: str,
                            limit: int = 200) -> list[tuple[Contact, str]]:
    rows = db.query(
        "SELECT c.*, h.name AS household_name FROM contacts c "
        "JOIN households h ON h.id = c.household_id "
        "WHERE c.created_at >= ? AND c.created_at < ? AND c.deleted = 0 AND h.deleted = 0 "
        "ORDER BY c.created_at DESC LIMIT ?",
        (start_utc, end_utc, limit),
    )
    notes = _notes_for(db, [r["id"] for r in rows])
    return [(_contact_from_row(r, notes[r["id"]]), r["household_name"]) for r in rows]


# --- corrections (Berichtigung) and addenda (Nachtrag) ---------------------------------

def _notes_from_json(text: str) -> tuple[NoteEntry, ...]:
    try:
        items = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    return tuple(NoteEntry(NoteKind(str(n.get("kind"))), str(n.get("text", "")),
                           str(n.get("source", "")), bool(n.get("disputed", False)))
                 for n in items
                 if isinstance(n, dict) and str(n.get("kind")) in NoteKind._value2member_map_)


def _fields_from_json(text: str) -> dict[str, str]:
    try:
        items = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(items, dict):
        return {}
    return {str(k): str(v) for k, v in items.items()
            if k in CORRECTABLE_FIELDS and isinstance(v, str)}


def _corrected_fields(contact: Contact, draft: CorrectionDraft
                      ) -> tuple[dict[str, str], dict[str, str]]:
    """(new, replaced) values of the fields the correction changes, as the contact's
    columns hold them."""
    new: dict[str, str] = {}
    if draft.occurred_at is not None:
        new["occurred_at"] = to_utc_iso(draft.occurred_at)
    if draft.type is not None:
        new["type"] = draft.type.value
    if draft.next_steps is not None:
        new["next_steps"] = draft.next_steps
    d = contact.data
    current = {"occurred_at": to_utc_iso(d.occurred_at), "type": d.type.value,
               "next_steps": d.next_steps}
    return new, {k: current[k] for k in new}


def revisions_for(db: Database, contact_ids: list[str]) -> dict[str, tuple[ContactRevision, ...]]:
    """Corrections and addenda per contact, oldest first (by version: the same order on
    every device)."""
    found: dict[str, list[ContactRevision]] = {c: [] for c in contact_ids}
    if not contact_ids:
        return {c: () for c in contact_ids}
    for r in db.query(
            "SELECT r.*, COALESCE(w.name, '') AS author_name FROM contact_revisions r "
            "LEFT JOIN workers w ON w.id = r.created_by "
            "WHERE r.contact_id IN (SELECT value FROM json_each(?)) AND r.deleted = 0 "
            "ORDER BY r.contact_id, r.version", (json.dumps(contact_ids),)):
        found[r["contact_id"]].append(ContactRevision(
            id=r["id"], contact_id=ContactId(r["contact_id"]), kind=RevisionKind(r["kind"]),
            created_at=r["created_at"], created_by=r["created_by"],
            author_name=r["author_name"], version=r["version"], reason=r["reason"],
            notes=_notes_from_json(r["wording"]),
            previous=_notes_from_json(r["previous_wording"]),
            text=r["text"], fields=_fields_from_json(r["fields"]),
            previous_fields=_fields_from_json(r["previous_fields"])))
    return {c: tuple(v) for c, v in found.items()}


def _replace_notes(db: Database, contact_id: str, notes: tuple[NoteEntry, ...]) -> None:
    """The current wording into `contact_notes` (the triggers keep the note index: the
    replaced words leave it, secure-delete is on). The insert's log row keeps the values
    it referred to."""
    keep_original_notes(db, contact_id)
    db.execute("DELETE FROM contact_notes WHERE contact = "
                "(SELECT rid FROM contact_rows WHERE id = ?)", (contact_id,))
    _insert_notes(db, contact_id, notes)


def insert_correction(w: RecordWriter, contact: Contact, draft: CorrectionDraft) -> str:
    """The correction row (who, when, why, new and replaced wording and values), then the
    contact itself: its notes, and its date, type or next step through an ordinary
    update of the contact (synced as such, so every device shows the current values)."""
    fields, previous = _corrected_fields(contact, draft)
    values: dict[str, Any] = {
        "contact_id": contact.id, "household_id": contact.household_id,
        "kind": RevisionKind.BERICHTIGUNG.value, "reason": draft.reason,
        "wording": json.dumps(_notes_payload(draft.notes), ensure_ascii=False),
        "previous_wording": json.dumps(_notes_payload(contact.data.notes), ensure_ascii=False),
        "text": "",
        "fields": json.dumps(fields, ensure_ascii=False),
        "previous_fields": json.dumps(previous, ensure_ascii=False),
    }
    # A correction of the notes alone travels without the two new fields, exactly as
    # before migration 76: a team device not yet updated accepts it.
    log = values if fields else {k: v for k, v in values.items()
                                 if k not in ("fields", "previous_fields")}
    rid = w.insert("contact_revisions", "contact_revision", values,
                   scope_id=contact.household_id, log_fields=log)
    _replace_notes(w.db, contact.id, draft.notes)
    if fields:
        w.update("contacts", "contact", contact.id, fields, scope_id=contact.household_id)
        if "occurred_at" in fields:
            refresh_household_stats(w.db, contact.household_id)
    return rid


def insert_addendum(w: RecordWriter, contact: Contact, draft: AddendumDraft) -> str:
    values: dict[str, Any] = {
        "contact_id": contact.id, "household_id": contact.household_id,
        "kind": RevisionKind.NACHTRAG.value, "reason": "", "wording": "[]",
        "previous_wording": "[]",
        "text": draft.text,
    }
    return w.insert("contact_revisions", "contact_revision", values,
                    scope_id=contact.household_id)


def apply_current_wording(db: Database, contact_id: str) -> None:
    """After a correction arrived from another device: the contact's notes become the
    wording of its latest correction (highest version), on every device alike."""
    row = db.query_one(
        "SELECT r.wording, c.household_id FROM contact_revisions r "
        "JOIN contacts c ON c.id = r.contact_id WHERE r.contact_id = ? "
        "AND r.kind = 'berichtigung' AND r.deleted = 0 ORDER BY r.version DESC LIMIT 1",
        (contact_id,))
    if row is not None:
        _replace_notes(db, contact_id, _notes_from_json(row["wording"]))
