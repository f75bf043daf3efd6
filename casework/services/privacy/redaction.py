"""Redaction with everything the vault knows (issue 19): one vocabulary for the iseF
extract and for third parties in the Art. 15 disclosure.

`vault_vocabulary` collects all persons (first names also for nicknames), household
names, streets, typed sources, the directory's phone numbers and e-mail addresses (and
names of contacts in it). `for_disclosure` keeps the requesting person's own names;
`for_isef` is used after the family's own pseudonymisation and replaces everybody else.
Limits: `casework.models.privacy.redaction.LIMITS`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from casework.models.privacy.redaction import (
    EMAIL_RE,
    LIMITS,
    Redacted,
    Redactor,
    Span,
    Suspect,
    Vocabulary,
    suspects,
)
from casework.services.session import Session
from casework.storage.privacy import vocabulary as store

__all__ = ["LIMITS", "Redacted", "Redactor", "Span", "Suspect", "Vocabulary",
           "for_disclosure", "for_isef", "suspects", "vault_vocabulary"]

_NAME_KEYS = ("name", "contact_name", "person", "contact_person")


def _walk(value: Any, phones: list[str], names: list[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str):
                if "phone" in key or "fax" in key or key in ("telefon", "tel"):
                    phones.append(inner)
                elif key in _NAME_KEYS and inner.strip():
                    names.append(inner)
            _walk(inner, phones, names)
    elif isinstance(value, list):
        for inner in value:
            _walk(inner, phones, names)


def vault_vocabulary(session: Session, *, keep_person_ids: Iterable[str] = (),
                     marked: Iterable[str] = ()) -> Vocabulary:
    keep_ids = set(keep_person_ids)
    vocabulary = Vocabulary(marked=list(marked))
    kept_names: set[str] = set()
    for person in store.persons(session.db):
        if person.id in keep_ids:
            kept_names |= {p for p in re.split(r"[\s\-]+", f"{person.first_name} "
                                                         f"{person.last_name}") if p}
            continue
        full = f"{person.first_name} {person.last_name}".strip()
        if full:
            vocabulary.names.append((full, "[Person]"))
        if person.first_name:
            vocabulary.first_names.append((person.first_name, "[Person]"))
        if person.birth_date:
            with contextlib.suppress(ValueError):
                vocabulary.dates.append(date.fromisoformat(person.birth_date[:10]))
    for _hid, name, street in store.households(session.db):
        if name:
            vocabulary.names.append((name, "[Familienname]"))
        if street:
            vocabulary.streets.append(street)
    vocabulary.sources = store.note_sources(session.db)
    phones: list[str] = []
    directory_names: list[str] = []
    for data in store.directory_data(session.db):
        _walk(data, phones, directory_names)
    vocabulary.phones = phones
    # Directory entries name organisations and roles, rarely people; names listed there
    # are replaced as persons.
    for name in directory_names:
        if not EMAIL_RE.search(name) and len(name.split()) <= 3:
            vocabulary.sources.append(name)
    vocabulary.keep = kept_names
    return vocabulary


def for_disclosure(session: Session, subject_ids: Iterable[str]) -> Redactor:
    """Third parties out of the subject's own data: other persons, streets of other
    households, phone numbers and e-mail addresses; the subject's names and dates stay."""
    vocabulary = vault_vocabulary(session, keep_person_ids=subject_ids)
    return Redactor(vocabulary, dates=False)


def for_isef(session: Session, marked: Iterable[str] = ()) -> Redactor:
    """Everybody, every street, phone, e-mail and date (the family itself is already
    pseudonymised by the dossier's scrubber)."""
    return Redactor(vault_vocabulary(session, marked=marked), dates=True)
