"""§ 72a SGB VIII register (erweitertes Führungszeugnis): persons of the organisation,
their activities with the scheme's assessment, inspections, requests after concrete
indications, reminders, the Leitung's view of who may work with children now, and the
real deletion the law demands.

Only Leitung and Admin read or maintain it (the owner of a vault is Admin). Deleting is
a reserved act: confirmed with the acting person's passphrase and signed over a payload
that holds counts only. The register stays on this device: its change-log rows are
never pushed to a team hub (`models.hub.LOCAL_ONLY_ENTITIES`).

Audit: `vetting.view` (the register was listed), `vetting.inspection`,
`vetting.indication`, `vetting.deleted` (ids and counts, never dates or results).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from casework import resources
from casework.clock import local_today, to_utc_iso
from casework.errors import NotFound, PermissionDenied, UserError, ValidationError
from casework.models import safe_json
from casework.models.changes import Changes
from casework.models.history import HistoryEntry
from casework.models.ids import new_id
from casework.models.persons.worker import WorkerRole
from casework.models.vetting.register import (
    ActivityDraft,
    Clearance,
    Due,
    DueKind,
    InspectionDraft,
    MemberDraft,
    MemberFile,
    Status,
    deletion_due_on,
    due_items,
    status,
)
from casework.models.vetting.scheme import Scheme, parse_scheme
from casework.services import persons
from casework.services.persons import Authorization
from casework.services.session import Session
from casework.storage import changelog
from casework.storage import vetting as store
from casework.storage.privacy import purge as purge_store

KIND = "vetting"
EDITOR_ROLES = (WorkerRole.LEITUNG, WorkerRole.ADMIN)
SCHEME_FILE = "schema.json"


META_SCHEME = "vetting_scheme"  # the vault's own scheme (JSON), if the Leitung set one
MAX_SCHEME_BYTES = 256 * 1024


def _parse(text: str, source: str) -> Scheme:
    try:
        data = safe_json.loads(text, max_bytes=MAX_SCHEME_BYTES)
    except ValueError as error:
        raise UserError(f"Prüfschema {source}: kein gültiges JSON oder zu groß.") from error
    if not isinstance(data, dict):
        raise UserError(f"Prüfschema {source}: muss ein JSON-Objekt enthalten.")
    try:
        return parse_scheme(data)
    except ValidationError as error:
        raise UserError(f"Prüfschema {source}: {error.field}: {error.reason}") from error


@lru_cache(maxsize=1)
def shipped_scheme_text() -> str:
    return resources.files("vetting", SCHEME_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def _cached(text: str) -> Scheme:
    return _parse(text, "der Akte")


def scheme(session: Session) -> Scheme:
    """The vault's assessment scheme: its own (set by the Leitung) or the shipped one
    (`resources/vetting/schema.json`)."""
    return _cached(session.vault.meta(META_SCHEME) or shipped_scheme_text())


def scheme_text(session: Session) -> str:
    return session.vault.meta(META_SCHEME) or shipped_scheme_text()


def set_scheme(session: Session, text: str | None, source: str = "Datei") -> Changes:
    """Use the scheme in `text` (JSON, validated as a whole; nothing changes if it is
    malformed) in this vault, or the shipped one again with `text` None. Assessments are
    computed from it from now on (answers already given stay)."""
    _require(session)
    if text is not None:
        _parse(text, source)
    with session.db.transaction():
        session.vault.set_meta(META_SCHEME, text or "")
        session.audit("vetting.scheme", KIND, "", "own" if text else "shipped")
    return Changes.of(KIND, "scheme")


def can_maintain(session: Session) -> bool:
    return session.has_role(*EDITOR_ROLES)


def _require(session: Session) -> None:
    if not can_maintain(session):
        raise PermissionDenied("Das Register der Führungszeugnisse führen nur Leitung oder "
                               "Admin.")


def _file(session: Session, member_id: str) -> MemberFile:
    found = store.files(session.db, [member_id])
    if not found:
        raise NotFound("Die Person im Register")
    return found[0]


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One person as the Leitung view shows her on a day."""

    file: MemberFile
    status: Status
    deletion_on: date | None

    @property
    def id(self) -> str:
        return self.file.member.id

    @property
    def name(self) -> str:
        return self.file.member.name

    def current_titles(self, day: date) -> str:
        return ", ".join(a.data.title for a in self.file.activities if a.current(day))


def overview(session: Session, *, on: date | None = None, audit: bool = True) -> list[Entry]:
    """Everyone in the register with her status on `on` (default today), by name."""
    _require(session)
    day = on or local_today(session.clock)
    rules = scheme(session)
    entries = [Entry(f, status(rules, f, day), deletion_due_on(rules, f))
               for f in store.files(session.db)]
    if audit:
        session.audit("vetting.view", KIND, "", f"entries={len(entries)}")
    return entries


def entry(session: Session, member_id: str, *, on: date | None = None) -> Entry:
    _require(session)
    day = on or local_today(session.clock)
    found = _file(session, member_id)
    return Entry(found, status(scheme(session), found, day),
                 deletion_due_on(scheme(session), found))


def may_work_with_children(session: Session, *, on: date | None = None) -> list[Entry]:
    """The Leitung's question: who may currently work with children and young people."""
    return [e for e in overview(session, on=on) if e.status.clearance.may_work]


def due(session: Session, on: date | None = None) -> list[Due]:
    """Reminders and deletions for the Leitung (empty for other roles), by date."""
    if not can_maintain(session):
        return []
    day = on or local_today(session.clock)
    rules = scheme(session)
    items = [d for f in store.files(session.db) for d in due_items(rules, f, day)]
    return sorted(items, key=lambda d: (d.on, d.member_name))


def history(session: Session, member_id: str) -> list[HistoryEntry]:
    _require(session)
    return changelog.history(session.db, scope_id=member_id)


# --- writing --------------------------------------------------------------------------------


def add_member(session: Session, draft: MemberDraft) -> tuple[str, Changes]:
    _require(session)
    clean = draft.validated()
    with session.db.transaction():
        member_id = store.insert_member(session.writer(), clean)
    return member_id, Changes.of(KIND, member_id)


def update_member(session: Session, member_id: str, draft: MemberDraft) -> Changes:
    _require(session)
    clean = draft.validated()
    with session.db.transaction():
        _file(session, member_id)
        changed = store.update_member(session.writer(), member_id, clean)
    return Changes.of(KIND, member_id) if changed else Changes()


def add_activity(session: Session, draft: ActivityDraft) -> tuple[str, Changes]:
    _require(session)
    clean = draft.validated(scheme(session))
    with session.db.transaction():
        _file(session, clean.member_id)
        activity_id = store.insert_activity(session.writer(), clean)
    return activity_id, Changes.of(KIND, clean.member_id)


def update_activity(session: Session, activity_id: str, draft: ActivityDraft) -> Changes:
    _require(session)
    with session.db.transaction():
        current = store.get_activity(session.db, activity_id)
        if current is None:
            raise NotFound("Die Tätigkeit")
        clean = replace(draft, member_id=current.data.member_id).validated(scheme(session))
        changed = store.update_activity(session.writer(), activity_id, clean)
    return Changes.of(KIND, current.data.member_id) if changed else Changes()


def end_activity(session: Session, activity_id: str, ends_on: date) -> Changes:
    """The activity ends (the deletion deadline runs from here)."""
    _require(session)
    current = store.get_activity(session.db, activity_id)
    if current is None:
        raise NotFound("Die Tätigkeit")
    return update_activity(session, activity_id, replace(current.data, ends_on=ends_on))


def record_inspection(session: Session, draft: InspectionDraft) -> tuple[str, Changes]:
    """The Leitung has seen the certificate: store the fact, its date and whether a
    relevant entry exists (nothing else; § 72a Abs. 5)."""
    _require(session)
    clean = draft.validated(scheme(session), local_today(session.clock))
    with session.db.transaction():
        _file(session, clean.member_id)
        inspection_id = store.insert_inspection(session.writer(), clean)
        session.audit("vetting.inspection", "vetting_inspection", inspection_id)
    return inspection_id, Changes.of(KIND, clean.member_id)


def record_indication(session: Session, member_id: str, requested_on: date | None = None
                      ) -> tuple[str, Changes]:
    """Concrete indications of a relevant conviction: a current certificate is requested
    now, whatever the five-year interval says. Until it is inspected the person is not
    cleared for work with children. Nothing about the indications themselves is stored."""
    _require(session)
    today = local_today(session.clock)
    day = requested_on or today
    if day > today:
        raise ValidationError("Angefordert am", "liegt in der Zukunft.")
    with session.db.transaction():
        _file(session, member_id)
        indication_id = store.insert_indication(session.writer(), member_id, day)
        session.audit("vetting.indication", "vetting_indication", indication_id)
    return indication_id, Changes.of(KIND, member_id)


# --- deletion (§ 72a Abs. 5) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deletion:
    persons: int  # register entries removed entirely
    inspections: int  # inspection and indication records deleted


def deletions_due(session: Session, on: date | None = None) -> list[Due]:
    day = on or local_today(session.clock)
    return [d for d in due(session, day) if d.kind is DueKind.DELETION and d.on <= day]


def _purge(session: Session, auth: Authorization, targets: list[tuple[str, bool]],
           act: str) -> tuple[Deletion, Changes]:
    persons.check_auth(session, auth, EDITOR_ROLES)
    removed = records = 0
    with session.db.transaction():
        for member_id, whole in targets:
            counts = store.purge(session.db, member_id, whole_entry=whole,
                                 at=to_utc_iso(session.clock.now()))
            removed += counts.get("vetting_staff", 0)
            records += counts["vetting_inspections"] + counts["vetting_indications"]
        deletion_id = new_id()
        persons.sign_act(session, auth, act, "vetting_deletion", deletion_id,
                         {"persons": removed, "records": records}, allowed=EDITOR_ROLES)
        session.audit("vetting.deleted", "vetting_deletion", deletion_id,
                      f"persons={removed} records={records}")
    purge_store.compact(session.db)  # no freed page keeps a deleted date or result
    session.vault.anchor_audit()
    return Deletion(removed, records), Changes.of(KIND, *(t[0] for t in targets))


def delete_due(session: Session, auth: Authorization) -> tuple[Deletion, Changes]:
    """Delete every record whose deadline has come: the inspection data, and the whole
    entry of a person with no activity running or ahead."""
    _require(session)
    day = local_today(session.clock)
    due_ids = {d.member_id for d in deletions_due(session, day)}
    targets = [(f.member.id, not any(a.ahead_or_current(day) for a in f.activities))
               for f in store.files(session.db, sorted(due_ids))]
    if not targets:
        auth.wipe()
        return Deletion(0, 0), Changes()
    return _purge(session, auth, targets, "vetting.delete_due")


def delete_member(session: Session, auth: Authorization, member_id: str
                  ) -> tuple[Deletion, Changes]:
    """Remove a person's whole register entry now (e.g. she never started)."""
    _require(session)
    _file(session, member_id)
    return _purge(session, auth, [(member_id, True)], "vetting.delete_member")


def clearance_counts(entries: list[Entry]) -> dict[Clearance, int]:
    counts = dict.fromkeys(Clearance, 0)
    for item in entries:
        counts[item.status.clearance] += 1
    return counts
