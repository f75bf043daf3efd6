"""The note index without word positions (m0055, issue 23): the ranked search scores its
window in Python with FTS5's own bm25 (equal scores), and a vault whose index still holds
positions finds and ranks the same notes after the migration."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.services import contacts
from casework.storage import contacts as contact_store
from casework.storage import note_rank
from casework.storage.migrations import m0055_note_index_without_positions as m0055

_WORDS = ("schimmel", "miete", "schule", "kita", "familie", "termin", "jobcenter", "arzt",
          "schulden", "wohnung", "beratung", "sprache", "antrag", "kinder", "bad")


def _twins(db, docs: dict[int, str], deleted: list[int]) -> None:
    for name, detail in (("rank_none", "none"), ("rank_full", "full")):
        db.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(text, content='', "
                   f"contentless_delete=1, tokenize='unicode61 remove_diacritics 0', "
                   f"detail={detail})")
        db.executemany(f"INSERT INTO {name}(rowid, text) VALUES (?, ?)", list(docs.items()))  # noqa: S608 - fixed names
        for rowid in deleted:  # FTS5 keeps counting what it once held: both the same
            db.execute(f"DELETE FROM {name} WHERE rowid = ?", (rowid,))  # noqa: S608


@pytest.mark.parametrize(("required", "last"), [
    ([], ["schimmel"]), (["miete"], ["schulden"]), (["kita"], ["kinder", "kindergeld", "kita"]),
    ([], ["familie", "bad"]), (["bad", "bad"], ["beratung"])])
def test_the_scores_are_fts5s_bm25(session, required: list[str], last: list[str]) -> None:
    # As the search builds it: every word required, one of the last word's expansions.
    rng = random.Random(7)
    docs = {rowid: " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 40)))
            for rowid in range(1, 400)}
    deleted = rng.sample(sorted(docs), 30)
    db = session.db
    with db.transaction():
        _twins(db, docs, deleted)
    query = [*required, *last]
    expression = " AND ".join([*(f'"{t}"' for t in required),
                               "(" + " OR ".join(f'"{t}"' for t in last) + ")"])
    expected = {int(r[0]): float(r[1]) for r in db.query(
        "SELECT rowid, bm25(rank_full) FROM rank_full WHERE rank_full MATCH ?", (expression,))}
    found = [int(r[0]) for r in db.query(
        "SELECT rowid FROM rank_none WHERE rank_none MATCH ?", (expression,))]
    assert sorted(found) == sorted(expected) and len(found) > 3
    scores = note_rank.scorer(db, query, table="rank_none").scores([docs[r] for r in found])
    for rowid, score in zip(found, scores, strict=True):
        assert score == pytest.approx(expected[rowid], rel=1e-9, abs=1e-12)
    # The index without positions is the smaller one.
    sizes = {name: db.scalar(f"SELECT sum(length(block)) FROM {name}_data")  # noqa: S608
             for name in ("rank_none", "rank_full")}
    assert sizes["rank_none"] < 0.6 * sizes["rank_full"]


def _notes(session, family, texts: list[str]) -> None:
    now = session.clock.now()
    for days, text in enumerate(texts):
        contacts.log_contact(session, family, ContactDraft(
            now - timedelta(days=60 - days), ContactType.TELEFONAT,
            notes=(NoteEntry(NoteKind.FAKT, text),)))


def test_an_index_with_positions_finds_and_ranks_the_same_after_the_migration(
        session, family) -> None:
    _notes(session, family, [
        "Schimmel im Bad, Vermieter informiert.",
        "Schimmel, Schimmel und noch mehr Schimmel in der Küche.",
        "Miete für Mai offen, Schuldnerberatung empfohlen.",
        "Termin Jobcenter wegen Miete und Schulden vereinbart.",
        "Kita-Platz für Emil beantragt; Schimmel im Kinderzimmer.",
        "Gespräch mit Frau Öztürk über die Straße und den Schulweg.",
    ])
    db = session.db
    # The index as the release before m0055 kept it: with positions, ranked by bm25().
    with db.transaction():
        db.execute("DROP TABLE note_fts")
        db.execute(m0055.CREATE_SQL.replace("detail=none", "detail=full"))
        db.execute("INSERT INTO note_fts(rowid, text) SELECT rowid, casework_fold(text) "
                   "FROM contact_notes")
    queries = ["schimmel", "miete schul", "strasse", "ozturk", "schimmel kinder", "kit"]
    before_ranked = {q: [int(r[0]) for r in db.query(
        "SELECT rowid FROM note_fts WHERE note_fts MATCH ? ORDER BY bm25(note_fts), rowid DESC",
        (_match_expression(session, q),))] for q in queries}
    before = {q: [(h.contact_id, h.snippet) for h in contacts.search_notes(session, q)]
              for q in queries}
    assert all(before.values())
    with db.transaction():
        m0055.apply(db, slice_rows=2)
    assert db.scalar("SELECT count(*) FROM note_fts_data") > 0
    db.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.positions "
                    "USING fts5vocab(main, 'note_fts', 'instance')")
    assert db.scalar("SELECT count(*) FROM temp.positions WHERE offset IS NOT NULL") == 0
    assert db.scalar("SELECT count(*) FROM temp.positions") > 20
    for q in queries:
        assert [(h.contact_id, h.snippet) for h in contacts.search_notes(session, q)] == before[q]
        ranked = contacts.search_notes(session, q, ranked=True)
        rowids = [int(db.scalar(
            "SELECT n.rowid FROM contact_notes n JOIN contact_rows c ON c.rid = n.contact "
            "WHERE c.id = ?", (h.contact_id,)))
            for h in ranked]
        assert rowids == before_ranked[q], q
    # The two-times-"Schimmel" note ranks first: term frequency still counts.
    assert contacts.search_notes(session, "schimmel", ranked=True)[0].snippet.startswith(
        "Schimmel, Schimmel")


def _match_expression(session, text: str) -> str:
    expression = contact_store.note_match_expression(session.db, text)
    assert expression is not None
    return expression
