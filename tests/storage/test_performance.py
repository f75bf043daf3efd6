"""Behaviour kept (or documented) by the performance work of issue 9: the denormalised
member count, the family-list page, prefix expansion, ranked note search within the
newest matches, snippets, the bulk load with one-pass note indexing, and text folding."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.text import fold, fold_words
from casework.services import contacts, demo
from casework.services import session as session_service
from casework.services.households import households
from casework.storage import changelog
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from tests.conftest import PASSPHRASE, add_family


def _note(session, household, text: str, days_ago: int) -> None:
    contacts.log_contact(session, household, ContactDraft(
        session.clock.now() - timedelta(days=days_ago), ContactType.TELEFONAT,
        notes=(NoteEntry(NoteKind.FAKT, text),)))


def test_family_list_member_count_follows_added_and_removed_persons(session, family) -> None:
    assert households.list_rows(session, [family])[0].members == 2
    pid, _ = households.add_person(session, family, PersonDraft(
        "Emil", "Müller", BirthInfo(date(2021, 6, 1)), Gender.MAENNLICH, HouseholdRole.KIND))
    assert households.list_rows(session, [family])[0].members == 3
    households.remove_person(session, pid)
    assert households.list_rows(session, [family])[0].members == 2


def test_family_list_page_keeps_the_requested_order_and_skips_unknown_ids(session) -> None:
    first = add_family(session, "Özdemir")
    second = add_family(session, "Schäfer", children=())
    rows = households.list_rows(session, [second, "0000-unbekannt", first])  # type: ignore[list-item]
    assert [(r.name, r.members, r.worker_name) for r in rows] == [
        ("Schäfer", 1, ""), ("Özdemir", 2, "")]


def test_prefix_expansion_prefers_the_most_frequent_terms(session, family) -> None:
    # Ten terms share the prefix "zahl"; only eight are searched, the frequent one first.
    for i, suffix in enumerate("abcdefghi"):
        _note(session, family, f"Thema zahl{suffix}wort", days_ago=40 + i)
    for i in range(5):
        _note(session, family, f"Wieder zahlzwort Nummer {i}", days_ago=i + 1)
    assert contact_store._vocabulary_terms(session.db, "zahl")[0] == "zahlzwort"
    hits = contacts.search_notes(session, "Zahl")
    assert sum("zahlzwort" in h.snippet for h in hits) == 5
    # The typed prefix itself plus the seven most frequent terms are searched.
    assert len(hits) == 5 + contact_store.PREFIX_EXPANSIONS - 2


def test_a_typed_word_missing_from_the_expansions_still_matches(session, family) -> None:
    _note(session, family, "Zahnarzt besucht", days_ago=3)
    assert [h.snippet for h in contacts.search_notes(session, "zahnarzt")] == ["Zahnarzt besucht"]
    assert contacts.search_notes(session, "zahnärztin") == []


def test_ranked_search_orders_by_relevance_among_the_newest_matches(
        session, family, monkeypatch) -> None:
    filler = " ".join(f"wort{i}" for i in range(40))
    _note(session, family, "Schimmel, Schimmel und noch mehr Schimmel", days_ago=20)
    _note(session, family, f"Schimmel im Bad. {filler}", days_ago=1)
    newest = [h.snippet[:12] for h in contacts.search_notes(session, "schimmel")]
    ranked = [h.snippet[:12] for h in contacts.search_notes(session, "schimmel", ranked=True)]
    assert newest == ["Schimmel im ", "Schimmel, Sc"]
    assert ranked == ["Schimmel, Sc", "Schimmel im "]
    # Ranking only looks at the newest RANKED_WINDOW matches (documented product rule).
    monkeypatch.setattr(contact_store, "RANKED_WINDOW", 1)
    assert [h.snippet[:12] for h in contacts.search_notes(session, "schimmel", ranked=True)] \
        == ["Schimmel im "]


def test_snippet_starts_near_an_umlaut_folded_match(session, family) -> None:
    text = "Einleitung " * 30 + "Gespräch mit Frau Öztürk über die Straße."
    _note(session, family, text, days_ago=2)
    [hit] = contacts.search_notes(session, "ozturk")
    assert hit.snippet.startswith("… ")
    assert "Öztürk" in hit.snippet
    [hit] = contacts.search_notes(session, "strasse")
    assert "Straße" in hit.snippet


def test_demo_bulk_load_indexes_notes_and_leaves_the_vault_as_the_normal_path(
        session, family) -> None:
    summary = demo.fill(session, 6, seed=3, contacts_per_family=4, batch=4,
                        passphrase=PASSPHRASE)
    db = session.db
    # Every bulk note is in the note index (one pass per batch) …
    for rowid, text in db.query("SELECT rowid, text FROM contact_notes"):
        last_word = fold_words(text)[-1]
        assert rowid in {r[0] for r in db.query(
            "SELECT rowid FROM note_fts WHERE note_fts MATCH ?", (f'"{last_word}"',))}
    # … the per-row trigger is back, so a contact logged afterwards is found,
    _note(session, family, "Nach dem Import: Xylophonprobe", days_ago=1)
    assert len(contacts.search_notes(session, "xylophonprobe")) == 1
    # … FTS merging is on again and no STAT4 samples make every lookup re-plan,
    assert db.scalar("SELECT v FROM note_fts_config WHERE k = 'automerge'") == 4
    assert not db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat4'") or \
        db.scalar("SELECT count(*) FROM sqlite_stat4") == 0
    # … and every bulk contact has its change-log row with the notes (read back from
    # contact_notes: the log row refers to them).
    logged = {e.entity_id: e.fields for e in changelog.history(db, limit=100_000)
              if e.entity == "contact"}
    bulk_contacts = db.query("SELECT c.id, n.text FROM contact_rows c "
                             "JOIN contact_notes n ON n.contact = c.rid")
    assert summary.contacts > 0
    for contact_id, text in bulk_contacts:
        assert logged[contact_id]["notes"][0]["text"] == text


def _reference_fold(text: str) -> str:
    """The original per-character implementation of `fold`."""
    letters = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th",
                             "æ": "ae", "œ": "oe", "ŀ": "l"})
    text = text.casefold().replace("ß", "ss").translate(letters)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for digraph, single in (("ae", "a"), ("oe", "o"), ("ue", "u"), ("ss", "s")):
        text = text.replace(digraph, single)
    return text


def test_fast_fold_is_the_same_as_the_per_character_fold() -> None:
    rng = random.Random(9)
    alphabet = [chr(c) for c in range(0x20, 0x3000)] + ["\U0001D167", "\U0001F600", "ẞ"]
    samples = ["Müller Straße Łódź Yılmaz Ærø Œuvre ﬁx ǰ x̧ ą́", "", "plain ascii",
               "a\U0001D167b über"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
                for _ in range(3000)]
    for sample in samples:
        assert fold(sample) == _reference_fold(sample), sample


def test_logging_contacts_keeps_last_contact_and_open_follow_ups_current(
        session, family) -> None:
    now = session.clock.now()
    contacts.log_contact(session, family, ContactDraft(
        now - timedelta(days=3), ContactType.HAUSBESUCH, follow_up=date(2026, 11, 30)))
    contacts.log_contact(session, family, ContactDraft(
        now - timedelta(days=9), ContactType.TELEFONAT, follow_up=date(2026, 12, 2)))
    contacts.log_contact(session, family, ContactDraft(now - timedelta(days=5),
                                                       ContactType.BERATUNG))
    [row] = households.list_rows(session, [family])
    assert row.open_followups == 2
    assert row.last_contact_at == "2026-11-18T09:00:00.000000Z"
    # The same figures as a full recount.
    with session.db.transaction():
        contact_store.refresh_household_stats(session.db, family)
    assert households.list_rows(session, [family]) == [row]


def test_closing_the_vault_leaves_no_stat4_samples(vault_dir, clock) -> None:
    s = session_service.unlock(vault_dir, PASSPHRASE, clock)
    add_family(s, "Özdemir")
    with s.db.transaction():
        s.db.execute("ANALYZE")
    assert s.db.scalar("SELECT count(*) FROM sqlite_stat4") > 0
    s.close()
    s = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert s.db.scalar("SELECT count(*) FROM sqlite_stat4") == 0
        assert s.db.scalar("SELECT count(*) FROM sqlite_stat1") > 0
    finally:
        s.close()


def test_the_family_lists_ids_come_from_the_name_index_alone(session, family) -> None:
    # The list's default view (open cases, by name) reads no household row (m0046).
    statements: list[str] = []
    session.db.conn.set_trace_callback(statements.append)
    try:
        assert household_store.list_household_ids(session.db, open_cases=True) == [family]
    finally:
        session.db.conn.set_trace_callback(None)
    query = next(s for s in statements if s.startswith("SELECT h.id FROM households"))
    plan = " ".join(str(r[3]) for r in session.db.query("EXPLAIN QUERY PLAN " + query))
    assert "COVERING INDEX households_sort_name" in plan
