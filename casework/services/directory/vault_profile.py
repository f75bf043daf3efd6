"""The vault's directory (Verzeichnis): its reference-data profile, editable in the app.

A vault uses the shipped profile named in its meta (`session.profile_name`) until someone
edits it; from then on the newest revision stored in the vault (`directory_revisions`,
canonical JSON) is the active profile. Every save is validated with the same
`parse_profile` that reads shipped profiles, written in one transaction as a new revision
(change log + audit `directory.edit` / `directory.import`), and returns `Changes` of kind
`"directory"`.

Who may edit: Leitung and Admin. A vault without any Leitung/Admin (one person working
alone) is administered by the person who created it, so a single-user vault can still
keep its own phone list current; as soon as a Leitung/Admin exists, only they may edit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from casework.errors import NotFound, PermissionDenied, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.directory import quality
from casework.models.directory.parsing import parse_profile
from casework.models.directory.profile import (
    AfterHoursRule,
    AsdDistrict,
    EmergencyContact,
    Partner,
    Profile,
    SpecialFunction,
    WeeklySlot,
)
from casework.models.directory.revision import RevisionInfo
from casework.models.persons.worker import WorkerRole
from casework.services import persons
from casework.services.directory.shipped import (
    load_profile,
    parse_profile_text,
    profile_to_data,
    profile_to_json,
)
from casework.services.persons import Authorization
from casework.services.session import Session
from casework.storage import directory as store
from casework.storage import persons as worker_store

KIND = "directory"
EDITOR_ROLES = (WorkerRole.LEITUNG, WorkerRole.ADMIN)

_MAX_CHANGED_PATHS = 40

T = TypeVar("T")


# --- reading -------------------------------------------------------------------------------


def shipped_profile(session: Session) -> Profile:
    """The shipped profile named in the vault's meta (never the vault's edits)."""
    return load_profile(session.profile_name)


def active_profile(session: Session) -> Profile:
    """The vault's edited copy of its profile if there is one, else the shipped profile."""
    stored = store.latest(session.db, session.profile_name)
    if stored is None:
        return shipped_profile(session)
    return _parse_stored(stored.data)


def is_edited(session: Session) -> bool:
    """True once the vault holds its own copy of the profile."""
    return store.latest(session.db, session.profile_name) is not None


def revisions(session: Session, limit: int = 100) -> list[RevisionInfo]:
    """Saved revisions of the vault's directory, newest first."""
    return store.revisions(session.db, session.profile_name, limit)


@lru_cache(maxsize=4)
def _parse_stored(data: str) -> Profile:
    try:
        return parse_profile(json.loads(data))
    except (ValueError, ValidationError) as error:
        # Written only after validation, so this means a damaged or too new vault.
        raise UserError(
            "Das in der Akte gespeicherte Verzeichnis kann nicht gelesen werden "
            "(beschädigt oder von einer neueren Casework-Version)."
        ) from error


def canonical_json(profile: Profile) -> str:
    """The stored form: sorted keys, compact, UTF-8 text (equal profiles → equal text)."""
    return json.dumps(
        profile_to_data(profile), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


# --- permissions -----------------------------------------------------------------------------


def can_edit(session: Session) -> bool:
    """Whether the acting worker may change the directory (see module docstring)."""
    if session.has_role(*EDITOR_ROLES):
        return True
    if session.actor_id != session.vault.owner_id:
        return False
    workers = worker_store.list_workers(session.db)
    return not any(w.data.role in EDITOR_ROLES for w in workers)


def _require_editor(session: Session) -> None:
    if not can_edit(session):
        raise PermissionDenied("Das Verzeichnis dürfen nur Leitung oder Admin ändern.")


# --- writing ---------------------------------------------------------------------------------


def save_profile(session: Session, profile: Profile, *, source: str = "edit",
                 auth: Authorization | None = None) -> Changes:
    """Validate `profile` and store it as the vault's new directory revision.

    Returns empty `Changes` (and writes nothing) when it equals the active profile.
    """
    if source not in ("edit", "import", "reset"):
        raise ValueError(source)
    _require_editor(session)
    # A directory edit is a reserved act (issue 15): confirmed with the passphrase, signed.
    if auth is None:
        raise PermissionDenied("Änderungen am Verzeichnis bestätigt die Leitung oder Admin "
                               "mit der eigenen Passphrase.")
    persons.check_auth(session, auth, EDITOR_ROLES)
    # The stored form must read back: validate exactly what will be stored.
    data = profile_to_data(profile)
    clean = parse_profile(data)
    text = canonical_json(clean)
    with session.db.transaction():
        current = active_profile(session)
        old_data = profile_to_data(current)
        new_data = profile_to_data(clean)
        if old_data == new_data:
            return Changes()
        revision = store.next_revision(session.db, session.profile_name)
        rid = store.insert_revision(
            session.writer(),
            profile_name=session.profile_name,
            revision=revision,
            data=text,
            content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            changed_paths=changed_paths(old_data, new_data),
            source=source,
        )
        persons.sign_act(session, auth, f"directory.{source}", KIND, rid,
                         {"revision": revision, "profile": session.profile_name,
                          "content_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                          "source": source}, allowed=EDITOR_ROLES)
        action = "directory.import" if source == "import" else "directory.edit"
        session.audit(action, KIND, rid, detail=f"revision {revision}")
    return Changes.of(KIND, rid)


def import_profile_json(session: Session, text: str, source_name: str = "Import", *,
                        auth: Authorization | None = None) -> Changes:
    """Replace the vault's directory with the profile in `text` (JSON).

    A malformed file is rejected as a whole with a `UserError` naming the JSON line and
    column or the field path (e.g. `asd.districts[3].phone`); nothing is written then.
    """
    _require_editor(session)
    profile = parse_profile_text(text, source_name)
    return save_profile(session, profile, source="import", auth=auth)


def quality_warnings(session: Session) -> tuple[str, ...]:
    """What in the vault's directory needs checking (shown after an import and under
    „Hinweise“; nothing is refused for it)."""
    return quality.warnings(active_profile(session))


def export_profile_json(session: Session) -> str:
    """The active profile as pretty JSON (the format `import_profile_json` reads)."""
    text = profile_to_json(active_profile(session))
    session.audit("directory.export", KIND, session.profile_name)
    return text


def reset_to_shipped(session: Session, *, auth: Authorization | None = None) -> Changes:
    """Store the shipped profile as a new revision (earlier revisions stay in history)."""
    return save_profile(session, shipped_profile(session), source="reset", auth=auth)


# --- convenience edits used by the Verzeichnis screen ----------------------------------------


def _edit(session: Session, change: Callable[[Profile], Profile], *,
          auth: Authorization | None = None) -> Changes:
    """Apply `change` to the active profile read inside the write transaction."""
    _require_editor(session)
    with session.db.transaction():
        return save_profile(session, change(active_profile(session)), auth=auth)


def update_district(
    session: Session, number: int, *, contact_role: str, phone: str, email: str,
    checked_on: date | None = None,
    auth: Authorization | None = None,
) -> Changes:
    """Change the contact of ASD district `number` (and when its number was checked)."""

    def change(profile: Profile) -> Profile:
        districts = list(profile.asd.districts)
        for i, district in enumerate(districts):
            if district.number == number:
                districts[i] = dataclasses.replace(
                    district, contact_role=contact_role, phone=phone, email=email,
                    source=dataclasses.replace(district.source, checked_on=checked_on),
                )
                asd = dataclasses.replace(profile.asd, districts=tuple(districts))
                return dataclasses.replace(profile, asd=asd)
        raise NotFound(f"ASD-Bezirk {number}")

    return _edit(session, change, auth=auth)


def _replace_item(
    items: tuple[T, ...], index: int | None, item: T | None, original: T | None, what: str
) -> tuple[T, ...]:
    """Add (`index` None), replace or remove (`item` None) one entry of a list.

    `original` is the entry as the editor showed it; if the stored entry differs, someone
    else changed it meanwhile and the edit is refused instead of overwriting theirs.
    """
    result = list(items)
    if index is None:
        if item is None:
            raise ValueError("nothing to add")
        result.append(item)
        return tuple(result)
    if not 0 <= index < len(result):
        raise NotFound(what)
    if original is not None and result[index] != original:
        raise UserError(
            f"{what} wurde inzwischen geändert. Bitte das Verzeichnis neu laden und die "
            "Änderung wiederholen."
        )
    if item is None:
        del result[index]
    else:
        result[index] = item
    return tuple(result)


def save_partner(
    session: Session, index: int | None, partner: Partner, original: Partner | None = None,
    *, auth: Authorization | None = None,
) -> Changes:
    """Add a partner (`index` None) or replace the one at `index`."""

    def change(profile: Profile) -> Profile:
        partners = _replace_item(profile.partners, index, partner, original, "Der Partner")
        return dataclasses.replace(profile, partners=partners)

    return _edit(session, change, auth=auth)


def remove_partner(session: Session, index: int, original: Partner | None = None, *,
                   auth: Authorization | None = None) -> Changes:
    def change(profile: Profile) -> Profile:
        partners = _replace_item(profile.partners, index, None, original, "Der Partner")
        return dataclasses.replace(profile, partners=partners)

    return _edit(session, change, auth=auth)


def save_emergency_contact(
    session: Session,
    index: int | None,
    contact: EmergencyContact,
    original: EmergencyContact | None = None,
    *,
    auth: Authorization | None = None,
) -> Changes:
    """Add a Rote-Mappe entry (`index` None) or replace the one at `index`."""

    def change(profile: Profile) -> Profile:
        contacts = _replace_item(
            profile.emergency_contacts, index, contact, original, "Der Eintrag der Roten Mappe"
        )
        return dataclasses.replace(profile, emergency_contacts=contacts)

    return _edit(session, change, auth=auth)


def remove_emergency_contact(
    session: Session, index: int, original: EmergencyContact | None = None, *,
    auth: Authorization | None = None,
) -> Changes:
    def change(profile: Profile) -> Profile:
        contacts = _replace_item(
            profile.emergency_contacts, index, None, original, "Der Eintrag der Roten Mappe"
        )
        return dataclasses.replace(profile, emergency_contacts=contacts)

    return _edit(session, change, auth=auth)


def district(profile: Profile, number: int) -> AsdDistrict:
    for candidate in profile.asd.districts:
        if candidate.number == number:
            return candidate
    raise NotFound(f"ASD-Bezirk {number}")


def update_asd_hours(
    session: Session,
    *,
    office_hours: tuple[WeeklySlot, ...],
    notdienst_label: str,
    notdienst_phone: str,
    after_hours: AfterHoursRule,
    auth: Authorization | None = None,
) -> Changes:
    """Change the ASD Sprechzeiten, the Notdienst and the after-hours rule (these drive
    the acute routing, so they are validated like any profile file)."""

    def change(profile: Profile) -> Profile:
        asd = dataclasses.replace(
            profile.asd,
            office_hours=office_hours,
            notdienst_label=notdienst_label,
            notdienst_phone=notdienst_phone,
            after_hours=after_hours,
        )
        return dataclasses.replace(profile, asd=asd)

    return _edit(session, change, auth=auth)


def save_special_function(
    session: Session,
    index: int | None,
    function: SpecialFunction,
    original: SpecialFunction | None = None,
    *,
    auth: Authorization | None = None,
) -> Changes:
    """Add a special ASD function (`index` None) or replace the one at `index`."""

    def change(profile: Profile) -> Profile:
        functions = _replace_item(
            profile.asd.special_functions, index, function, original, "Die Sonderfunktion"
        )
        asd = dataclasses.replace(profile.asd, special_functions=functions)
        return dataclasses.replace(profile, asd=asd)

    return _edit(session, change, auth=auth)


# --- diff --------------------------------------------------------------------------------------


def changed_paths(old: Any, new: Any) -> tuple[str, ...]:
    """Field paths that differ between two profile data trees ("asd.districts[8].phone")."""
    out: list[str] = []
    _diff(old, new, "", out)
    if len(out) > _MAX_CHANGED_PATHS:
        out = [*out[:_MAX_CHANGED_PATHS], f"… und {len(out) - _MAX_CHANGED_PATHS} weitere"]
    return tuple(out)


def _diff(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else str(key), out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, f"{path}[{i}]", out)
    elif old != new:
        out.append(path or "Profil")
