"""Relevance of notes: FTS5's bm25, computed here from the note texts.

The note index stores which notes hold a word, not where in them (`detail=none`,
migration 55: 102 → 33 bytes per contact on a million notes). Searching needs nothing
more: every query term is a single word ("strasse", never a phrase), and snippets are cut
from the note text in Python. FTS5's own `bm25()` returns 0 without positions, so the
ranked search scores its window of newest matches here, with the formula and the figures
FTS5 uses:

- the number of indexed notes and their total number of words, from the index's
  "averages" record (the same record FTS5 reads);
- for each query term, the number of notes holding it (FTS5 counts them the same way,
  by walking the term's list of notes);
- a note's length and how often it holds each term, from its folded words: the index was
  built from exactly these words (`casework_fold`, `models.text.index_words`).

So a score here equals what `bm25(note_fts)` returned when the index kept positions
(tests compare both on the same notes)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from casework.models.text import index_words
from casework.storage.db import Database

# FTS5's bm25 constants (fts5_aux.c).
_K1 = 1.2
_B = 0.75
# FTS5 keeps its averages record under this id of `<table>_data` (FTS5_AVERAGES_ROWID).
_AVERAGES_ID = 1


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """An SQLite varint (big-endian groups of 7 bits, a ninth byte of 8): (value, next)."""
    value = 0
    for i in range(8):
        if at + i >= len(data):
            raise ValueError("truncated varint")
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + i + 1
    if at + 8 >= len(data):
        raise ValueError("truncated varint")
    return (value << 8) | data[at + 8], at + 9


def index_totals(db: Database, table: str = "note_fts") -> tuple[int, int]:
    """(notes indexed, their words in all) as FTS5 counts them: its averages record, a
    varint of rows followed by one varint of tokens per column (one column here)."""
    block = db.scalar(f"SELECT block FROM {table}_data WHERE id = ?",  # table: fixed name
                      (_AVERAGES_ID,))
    if not block:
        return 0, 0
    data = bytes(block)
    try:
        rows, at = _varint(data, 0)
        tokens, _ = _varint(data, at)
    except ValueError:
        return 0, 0
    return rows, tokens


@dataclass(frozen=True, slots=True)
class Scorer:
    """bm25 for one query: `terms` in the order of the query (as FTS5 numbers its phrases),
    with their inverse document frequencies."""

    terms: tuple[str, ...]
    idf: tuple[float, ...]
    average_length: float

    def scores(self, texts: Sequence[str]) -> list[float]:
        """FTS5's bm25 of each note text (lower is better, as `bm25()` returns it)."""
        terms = tuple(zip(self.terms, self.idf, strict=True))
        scale = _K1 * _B / self.average_length
        base = _K1 * (1 - _B)
        out: list[float] = []
        for words in index_words(texts):
            norm = base + scale * len(words)
            score = 0.0
            for term, idf in terms:
                freq = words.count(term)
                score += idf * (freq * (_K1 + 1.0)) / (freq + norm)
            out.append(-1.0 * score)
        return out


def scorer(db: Database, terms: Sequence[str], table: str = "note_fts") -> Scorer:
    """The scorer of a query whose phrases are these single words."""
    rows, tokens = index_totals(db, table)
    rows = max(rows, 1)
    idf: list[float] = []
    hits: dict[str, int] = {}
    # FTS5 counts a term's notes by walking its list of notes; a vocabulary table does
    # the same inside SQLite (half the time of counting MATCH rows in SQL).
    vocabulary = f"temp.{table}_rank_vocabulary"
    db.conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocabulary} "  # fixed names
                    f"USING fts5vocab(main, '{table}', 'row')")
    for term in terms:
        if term not in hits:
            hits[term] = int(db.scalar(f"SELECT doc FROM {vocabulary} WHERE term = ?",
                                       (term,)) or 0)
        value = math.log((rows - hits[term] + 0.5) / (hits[term] + 0.5))
        idf.append(value if value > 0.0 else 1e-6)
    return Scorer(tuple(terms), tuple(idf), (tokens / rows) or 1.0)
