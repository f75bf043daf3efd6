"""The column path of the bulk writer (`storage.bulk`): contacts of one batch column by
column (`ContactColumns`), checked and encoded once per distinct value (`Encodings`)
into plain texts and numbers (`EncodedContacts`) that need no database, so the demo can
build them in a second process. Also the small pieces both paths share: `Memo`, `NULL`
and the stored forms of times and lists."""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from operator import le
from typing import Any, TypeVar

from casework.clock import BERLIN, to_utc_iso
from casework.errors import ValidationError
from casework.models.contacts import (
    MAX_DURATION_MIN,
    ContactDraft,
    ContactType,
    NoteEntry,
    NoteKind,
)
from casework.models.text import index_texts
from casework.storage import report_facts

ContactRow = tuple[str, str, ContactDraft]

# Bound instead of None: SQLite stores a NaN as NULL, and sqlcipher3 binds a float
# directly, while None goes through its adapter lookup (~2.5 µs a value, a third of the
# time of inserting a person with three empty dates).
NULL = float("nan")
_V = TypeVar("_V")

@dataclass(frozen=True, slots=True)
class ContactColumns:
    """Contacts of one batch column by column, each with exactly one note, in time
    order: for demo data (a million contacts built from templates), where a draft object
    per contact and the per-row work of turning it into rows were a third of the time.
    The values are a `ContactDraft`'s, as `validated` leaves them (`check` refuses any
    that it would change or refuse); `insert_batch` writes the same rows as for the
    drafts `rows()` gives (tests/storage/test_bulk_columns.py compares both)."""

    ids: Sequence[str]
    household_ids: Sequence[str]
    occurred_at: Sequence[datetime]  # aware
    type: Sequence[ContactType]
    duration_min: Sequence[int]
    persons_present: Sequence[tuple[str, ...]]
    topics: Sequence[tuple[str, ...]]
    note_kind: Sequence[NoteKind]
    note_text: Sequence[str]
    note_source: Sequence[str]
    note_disputed: Sequence[bool]
    next_steps: Sequence[str]
    follow_up: Sequence[date | None]
    follow_up_done: Sequence[bool]

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> list[ContactRow]:
        """The same contacts as drafts (the plain path)."""
        return [(cid, hid, ContactDraft(at, kind, minutes, present, topics,
                                        (NoteEntry(note_kind, text, source, disputed),),
                                        steps, follow_up))
                for (cid, hid, at, kind, minutes, present, topics, note_kind, text, source,
                     disputed, steps, follow_up) in zip(
                    self.ids, self.household_ids, self.occurred_at, self.type,
                    self.duration_min, self.persons_present, self.topics, self.note_kind,
                    self.note_text, self.note_source, self.note_disputed, self.next_steps,
                    self.follow_up, strict=True)]

    def done(self) -> frozenset[str]:
        return frozenset(cid for cid, done in zip(self.ids, self.follow_up_done, strict=True)
                         if done)

    def check(self, now: datetime, enc: Encodings, values: bool = True) -> None:
        """What `ContactDraft.validated` checks, and that it would change nothing: per
        contact where a check needs two columns, else once per distinct value (`enc`
        checks each value the first time it encodes it). `values=False`: without the
        columns `encode` encodes through `enc` anyway (it checks them there)."""
        n = len(self.ids)
        if any(len(column) != n for column in (
                self.household_ids, self.occurred_at, self.type, self.duration_min,
                self.persons_present, self.topics, self.note_kind, self.note_text,
                self.note_source, self.note_disputed, self.next_steps, self.follow_up,
                self.follow_up_done)):
            raise ValueError("contact columns of different lengths")
        if not n:
            return
        if any(m.tzinfo is None for m in self.occurred_at):
            raise ValidationError("Datum/Uhrzeit", "ohne Zeitzone.")
        if max(self.occurred_at) > now.replace(microsecond=0) + _FUTURE_SLACK:
            raise ValidationError("Datum/Uhrzeit", "liegt in der Zukunft.")
        if min(self.duration_min) < 0 or max(self.duration_min) > MAX_DURATION_MIN:
            raise ValidationError("Dauer", "muss zwischen 0 und 1440 Minuten liegen.")
        day = enc.local_day
        if any(f is not None and f < day[m]
               for m, f in zip(self.occurred_at, self.follow_up, strict=True)):
            raise ValidationError("Wiedervorlage", "liegt vor dem Kontaktdatum.")
        third_party = NoteKind.AUSSAGE_DRITTER
        if any(kind is third_party and not source
               for kind, source in set(zip(self.note_kind, self.note_source, strict=True))):
            raise ValidationError("Quelle", "bei „Aussage Dritter“ ist die Quelle anzugeben.")
        # each distinct value checked as it is encoded (the writer then finds it encoded)
        if values:
            for column, encoded in ((self.type, enc.type), (self.note_kind, enc.note_kind),
                                    (self.persons_present, enc.present),
                                    (self.topics, enc.topics)):
                deque(map(encoded.__getitem__, column), maxlen=0)
        for texts, encoded_text in ((self.note_text, enc.note_text),
                                    (self.note_source, enc.stripped),
                                    (self.next_steps, enc.stripped)):
            deque(map(encoded_text.__getitem__, texts), maxlen=0)

    def encode(self, now: datetime, enc: Encodings,
               index_forms: Mapping[str, str]) -> EncodedContacts:
        """Checked (`check`) and in the stored form: everything of the batch's contact
        rows that needs no database (the demo builds it in a second process,
        `services.demo`). `index_forms` as for `insert_batch`."""
        self.check(now, enc, values=False)
        occurred = list(map(enc.utc.__getitem__, self.occurred_at))
        types = list(map(enc.type.__getitem__, self.type))
        hids = self.household_ids
        # the latest contact per household: in time order the last one (ISO texts in
        # UTC sort as the times do)
        if all(map(le, occurred, islice(occurred, 1, None))):
            latest = dict(zip(hids, occurred, strict=True))
        else:
            latest = {}
            for hid, at in zip(hids, occurred, strict=True):
                if hid not in latest or at > latest[hid]:
                    latest[hid] = at
        open_follow_ups = Counter(
            hid for hid, follow_up, done in zip(hids, self.follow_up, self.follow_up_done,
                                                strict=True)
            if follow_up is not None and not done)
        return EncodedContacts(
            ids=list(self.ids), household_ids=list(hids), occurred_at=occurred,
            type=types,
            duration_min=list(self.duration_min),
            persons_present=list(map(enc.present.__getitem__, self.persons_present)),
            topics=list(map(enc.topics.__getitem__, self.topics)),
            next_steps=list(self.next_steps),
            follow_up=list(map(enc.follow_up.__getitem__, self.follow_up)),
            follow_up_done=list(map(int, self.follow_up_done)),
            note_kind=list(map(enc.note_kind.__getitem__, self.note_kind)),
            note_source=list(self.note_source), note_text=list(self.note_text),
            note_disputed=list(map(int, self.note_disputed)),
            index_forms=folded_forms(list(self.note_text), index_forms),
            latest=latest, open_follow_ups=dict(open_follow_ups),
            facts=report_facts.count_columns(hids, occurred, types, enc.month))


@dataclass(frozen=True, slots=True)
class EncodedContacts:
    """`ContactColumns` checked and encoded as stored (`ContactColumns.encode`): plain
    texts and numbers only, so a batch crosses a process boundary cheaply; what the
    writer adds are the database's keys. `latest` and `open_follow_ups`: per household
    of the batch, its latest contact's time (as stored) and its open follow-ups; `facts`:
    the contacts counted for the report facts."""

    ids: list[str]
    household_ids: list[str]
    occurred_at: list[str]
    type: list[str]
    duration_min: list[int]
    persons_present: list[str]
    topics: list[str]
    next_steps: list[str]
    follow_up: list[Any]  # text, or NULL
    follow_up_done: list[int]
    note_kind: list[str]
    note_source: list[str]
    note_text: list[str]
    note_disputed: list[int]
    index_forms: list[str]
    latest: dict[str, str]
    open_follow_ups: dict[str, int]
    facts: report_facts.ContactCounts  # what the report facts count of them

    def __len__(self) -> int:
        return len(self.ids)


class Encodings:
    """The stored form of each distinct value of contact columns, computed and checked
    once per bulk load (the demo's contact times: 58,400 possible in a million contacts;
    its texts a few thousand). For loads whose values repeat; a caller without one gets
    one per batch."""

    def __init__(self) -> None:
        self.utc = Memo(utc_text)
        self.local_day = Memo(_local_day)
        self.type = Memo(lambda kind: _member_value(kind, ContactType))
        self.note_kind = Memo(lambda kind: _member_value(kind, NoteKind))
        self.present = Memo(_checked_present_json)
        self.topics = Memo(_checked_topics_json)
        self.follow_up = Memo(_date_or_null)
        self.note_text = Memo(_note_text)
        self.stripped = Memo(_stripped)
        self.month = Memo(report_facts.local_month)  # of a stored time


def _local_day(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


def _member_value(member: Any, kind: type[ContactType] | type[NoteKind]) -> str:
    if type(member) is not kind:
        raise ValueError(f"not a {kind.__name__}: {member!r}")
    return str(member.value)


def _checked_present_json(ids: tuple[str, ...]) -> str:
    if len(set(ids)) != len(ids):
        raise ValueError("a person present twice")  # validated() would drop the second
    return present_json(ids)


def _checked_topics_json(topics: tuple[str, ...]) -> str:
    if not all(topics) or any(_stripped(t) != t for t in topics):
        raise ValueError("a topic empty or not stripped")
    return topics_json(topics)


def _date_or_null(day: date | None) -> Any:
    return NULL if day is None else day.isoformat()


def _stripped(text: str) -> str:
    if text != text.strip():
        raise ValueError("a text not stripped")
    return text


def _note_text(text: str) -> str:
    if not text:
        raise ValidationError("Notiz", "darf nicht leer sein.")
    return _stripped(text)


_FUTURE_SLACK = timedelta(minutes=5)  # as ContactDraft.validated


class Memo(dict[Any, _V]):
    """A value computed once per distinct key, on first use (timestamps and the JSON of
    a contact's topics within one batch or load; the demo's note texts and times)."""

    def __init__(self, compute: Callable[[Any], _V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> _V:
        value = self[key] = self.compute(key)
        return value


def utc_text(moment: datetime) -> str:
    """`to_utc_iso`, in half the time: from the year 1000 on, the UTC time's ISO form is
    the same text (a million contact times in a demo)."""
    if moment.tzinfo is None:
        return to_utc_iso(moment)  # refuses it
    utc = moment.astimezone(UTC)
    if utc.year < 1000:
        return to_utc_iso(moment)
    return utc.isoformat(timespec="microseconds")[:26] + "Z"


_QUOTE_ASCII = json.encoder.encode_basestring_ascii  # what json.dumps quotes texts with


def present_json(ids: tuple[str, ...]) -> str:
    """`json.dumps(list(ids))` for texts, in a third of its time (the demo's ~240,000
    different lists)."""
    return "[" + ", ".join(map(_QUOTE_ASCII, ids)) + "]"


def topics_json(topics: tuple[str, ...]) -> str:
    return json.dumps(list(topics), ensure_ascii=False)


def folded_forms(texts: list[str], known: Mapping[str, str]) -> list[str]:
    if not known:
        return index_texts(texts)
    try:
        return list(map(known.__getitem__, texts))  # demo notes: all known
    except KeyError:
        pass
    missing = [t for t in texts if t not in known]
    folded = dict(zip(missing, index_texts(missing), strict=True))
    return [known[t] if t in known else folded[t] for t in texts]
