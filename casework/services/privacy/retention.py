"""Retention (Aufbewahrung), the restricted state and real deletion (LR-34…LR-37).

- Rules are data (`resources/retention/<name>.json`), validated on load; the
  vault meta key `retention_rules` picks the rule set (default "default").
- Each household has an Aktenart (default Quartiersarbeit); `decision` applies every rule
  of that Aktenart and the longest wins.
- `restrict` puts a household into the "eingeschränkt" state (LR-35): kept, but hidden
  from the family list of ordinary workers (`hides_restricted`, `restricted_ids`).
- Deletion is four-eyes: Leitung/Admin proposes a due household, a DIFFERENT Leitung
  approves, then `execute_deletion` purges it for real (storage/purge.py), writes the
  deletion journal (ids only) and the audit log, and returns the Löschprotokoll data.
- `reapply_deletions` re-deletes everything the journal lists (after a backup restore).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from casework import resources
from casework.clock import BERLIN, from_utc_iso, local_today, to_utc_iso
from casework.errors import NotFound, PermissionDenied, UserError, ValidationError
from casework.forms.privacy.deletion_protocol import DeletionProtocolData, render_deletion_protocol
from casework.models.changes import Changes
from casework.models.households.household import HouseholdStatus
from casework.models.ids import HouseholdId
from casework.models.persons.worker import WorkerRole
from casework.models.privacy.retention import (
    DeletionApproval,
    DeletionJournalEntry,
    DeletionRequest,
    DueState,
    EventFact,
    FileType,
    RetentionDecision,
    RuleSet,
    StartEvent,
    birthday_fact,
    decide,
    file_type_from_key,
    file_type_key,
    parse_rules,
)
from casework.services.directory import shipped as reference
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import households as household_store
from casework.storage import persons as worker_store
from casework.storage import vetting as vetting_store
from casework.storage.backup.journal import merge_journal
from casework.storage.privacy import purge
from casework.storage.privacy import retention as store

if TYPE_CHECKING:
    from casework.services.persons import Authorization

log = logging.getLogger(__name__)

DEFAULT_RULES = "default"
META_RULES = "retention_rules"
OVERSIGHT = (WorkerRole.LEITUNG, WorkerRole.ADMIN)
REASON_PERIOD = "frist"
REASON_ERASURE = "loeschersuchen"
REASON_LABELS = {REASON_PERIOD: "Aufbewahrungsfrist abgelaufen",
                 REASON_ERASURE: "Löschersuchen der betroffenen Person (Art. 17 DSGVO)"}
# An unborn child's birthday is not known yet: count from one month after the ET.
UNBORN_MARGIN = relativedelta(months=1)


def neutral_label(entity: str, entity_id: str) -> str:
    """A label without content for logs and lists: "Haushalt …3f9c2d"."""
    nouns = {"household": "Haushalt", "person": "Person", "contact": "Kontakt",
             "worker": "Mitarbeitende/r", "deletion_request": "Löschantrag",
             "disclosure_request": "Auskunftsersuchen"}
    noun = nouns.get(entity, entity or "Akte")
    return f"{noun} …{entity_id[-6:]}" if entity_id else noun


# --------------------------------------------------------------------------- rules


def load_rules(name: str = DEFAULT_RULES) -> RuleSet:
    """A shipped rule set, validated (`ValidationError` names the rule and field)."""
    if not name.replace("-", "").replace("_", "").isalnum():
        raise UserError(f"Unbekannter Name einer Löschregel-Datei: „{name}“.")
    resource = resources.files("retention", f"{name}.json")
    try:
        text = resource.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        raise UserError(f"Die Löschregeln „{name}“ sind nicht vorhanden.") from None
    return parse_rules_text(text)


def parse_rules_text(text: str) -> RuleSet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValidationError("Löschregeln", "sind kein gültiges JSON.") from None
    return parse_rules(data)


def rules(session: Session) -> RuleSet:
    return load_rules(session.vault.meta(META_RULES) or DEFAULT_RULES)


# --------------------------------------------------------------------------- Aktenart


def file_type(session: Session, household_id: str) -> FileType:
    key = store.file_type_of(session.db, household_id)
    return FileType.QUARTIERSARBEIT if key is None else file_type_from_key(key)


def set_file_type(session: Session, household_id: HouseholdId, value: FileType) -> Changes:
    """Classify the file. Lowering a § 9b file type shortens retention, so changes are
    audited (ids and the type key only)."""
    with session.db.transaction():
        if household_store.get_household(session.db, household_id) is None:
            raise NotFound("Der Haushalt")
        changed = store.set_file_type(session.writer(), household_id, file_type_key(value))
        if changed:
            session.audit("retention.file_type", "household", household_id,
                          file_type_key(value))
    return Changes.of("household", household_id) if changed else Changes()


# --------------------------------------------------------------------------- decision


def _local_date(text: str) -> date:
    """Local (Berlin) day of a stored UTC timestamp; plain dates pass through."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return date.fromisoformat(text[:10])
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(BERLIN).date()


def facts(session: Session, household_id: str) -> dict[StartEvent, EventFact]:
    """The start events of one household as the rules see them."""
    rows = store.household_facts(session.db, [household_id])
    if not rows:
        raise NotFound("Der Haushalt")
    return _facts(rows[0])


def _facts(row: store.HouseholdFacts) -> dict[StartEvent, EventFact]:
    result: dict[StartEvent, EventFact] = {}
    if row.open_procedures:
        # An open § 8a procedure keeps the whole file, whatever the household status says.
        result[StartEvent.CASE_CLOSED] = EventFact(None, "§ 8a-Verfahren nicht abgeschlossen")
    elif row.status == HouseholdStatus.ABGESCHLOSSEN.value:
        result[StartEvent.CASE_CLOSED] = EventFact(_local_date(row.closed_at or row.updated_at))
    else:
        result[StartEvent.CASE_CLOSED] = EventFact(None, "Fall nicht abgeschlossen")
    persons: list[tuple[date | None, int | None]] = []
    for birth_date, birth_year, due_date in row.births:
        if birth_date:
            persons.append((date.fromisoformat(birth_date), None))
        elif birth_year is not None:
            persons.append((None, int(birth_year)))
        elif due_date:
            persons.append((date.fromisoformat(due_date) + UNBORN_MARGIN, None))
        else:
            persons.append((None, None))
    result[StartEvent.BIRTHDAY_18] = birthday_fact(persons, 18)
    result[StartEvent.BIRTHDAY_30] = birthday_fact(persons, 30)
    if row.consent is not None:
        if row.consent.open_count:
            result[StartEvent.CONSENT_END] = EventFact(None, "Einwilligung noch wirksam")
        elif row.consent.last_end is not None:
            result[StartEvent.CONSENT_END] = EventFact(_local_date(row.consent.last_end))
    result[StartEvent.LAST_CONTACT] = EventFact(
        _local_date(row.last_contact_at or row.created_at))
    return result


def decision(session: Session, household_id: str) -> RetentionDecision:
    rows = store.household_facts(session.db, [household_id])
    if not rows:
        raise NotFound("Der Haushalt")
    return _decide(session, rules(session), rows[0])


def _decide(session: Session, rule_set: RuleSet, row: store.HouseholdFacts) -> RetentionDecision:
    kind = FileType.QUARTIERSARBEIT if row.file_type is None else file_type_from_key(
        row.file_type)
    return decide(rule_set, kind, _facts(row))


# --------------------------------------------------------------------------- restriction


def hides_restricted(session: Session) -> bool:
    """True when the acting worker's daily lists must not show restricted files (LR-35:
    only Leitung/Admin keep access for Akteneinsicht/Aufarbeitung)."""
    return not session.has_role(*OVERSIGHT)


def restricted_ids(session: Session) -> set[str]:
    return store.restricted_household_ids(session.db)


def is_restricted(session: Session, household_id: str) -> bool:
    return store.active_restriction(session.db, household_id) is not None


def visible_ids(session: Session, ids: list[HouseholdId]) -> list[HouseholdId]:
    """`ids` without restricted households when the actor may not see them."""
    if not hides_restricted(session):
        return ids
    hidden = restricted_ids(session)
    return [i for i in ids if i not in hidden]


def check_access(session: Session, household_id: str) -> None:
    """Call before showing a household's file (LR-35): a restricted file is refused to
    ordinary roles and its opening by Leitung/Admin is logged separately."""
    if store.active_restriction(session.db, household_id) is None:
        return
    if hides_restricted(session):
        raise PermissionDenied("Diese Akte ist eingeschränkt (Aufbewahrung ohne laufende "
                               "Bearbeitung). Einsicht nur über Leitung oder Admin.")
    session.audit("household.view_restricted", "household", household_id)


def restrict(session: Session, household_id: HouseholdId, reason: str) -> Changes:
    """Einschränkung der Verarbeitung (Art. 18 DSGVO, § 84 SGB X). `reason` is required."""
    session.require_role(*OVERSIGHT)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Begründung", "für die Einschränkung ist anzugeben.")
    with session.db.transaction():
        if household_store.get_household(session.db, household_id) is None:
            raise NotFound("Der Haushalt")
        if store.active_restriction(session.db, household_id) is not None:
            return Changes()
        store.insert_restriction(session.writer(), household_id, reason)
        session.audit("household.restrict", "household", household_id)
    return Changes.of("household", household_id)


def lift_restriction(session: Session, household_id: HouseholdId) -> Changes:
    session.require_role(*OVERSIGHT)
    with session.db.transaction():
        active = store.active_restriction(session.db, household_id)
        if active is None:
            return Changes()
        store.lift_restriction(session.writer(), active, to_utc_iso(session.clock.now()))
        session.audit("household.unrestrict", "household", household_id)
    return Changes.of("household", household_id)


# --------------------------------------------------------------------------- due list


@dataclass(frozen=True, slots=True)
class DueItem:
    household_id: HouseholdId
    label: str  # neutral; the screen may resolve the name for Leitung
    file_type: FileType
    decision: RetentionDecision
    restricted: bool
    request: DeletionRequest | None

    @property
    def state(self) -> DueState:
        if self.request is None:
            return DueState.DUE
        if self.request.approval is DeletionApproval.APPROVED:
            return DueState.APPROVED
        return DueState.PROPOSED


def deletion_due(session: Session, stop: Callable[[], bool] | None = None) -> list[DueItem]:
    """Households whose retention has ended (by the session clock), oldest first.
    `stop`: asked every hundred households; when it says yes (the app locks while this
    runs on its worker thread), `CancelledError`."""
    session.require_role(*OVERSIGHT)
    today = local_today(session.clock)
    rule_set = rules(session)
    restricted = restricted_ids(session)
    items: list[DueItem] = []
    for number, row in enumerate(store.household_facts(session.db)):
        if stop is not None and number % 100 == 0 and stop():
            raise CancelledError()
        result = _decide(session, rule_set, row)
        if not result.is_due(today):
            continue
        items.append(DueItem(HouseholdId(row.id), neutral_label("household", row.id),
                             result.file_type, result, row.id in restricted,
                             store.open_request_for(session.db, row.id)))
    items.sort(key=lambda i: (i.decision.keep_until or date.max, i.household_id))
    return items


def propose_deletion(session: Session, household_id: HouseholdId, *,
                     auth: Authorization) -> tuple[str, Changes]:
    """First pair of eyes: put a due household up for deletion (re-authenticated and
    signed by the proposing person)."""
    from casework.services import persons

    session.require_role(*OVERSIGHT)
    persons.check_auth(session, auth, OVERSIGHT)
    with session.db.transaction():
        result = decision(session, household_id)
        if not result.is_due(local_today(session.clock)):
            raise UserError("Die Aufbewahrungsfrist dieser Akte ist noch nicht abgelaufen: "
                            + result.summary())
        existing = store.open_request_for(session.db, household_id)
        if existing is not None:
            return existing.id, Changes()
        assert result.governing is not None
        keep = result.keep_until.isoformat() if result.keep_until else None
        rid = store.insert_deletion_request(session.writer(), household_id,
                                            result.governing.key, keep, REASON_PERIOD,
                                            result.file_type.value)
        persons.sign_act(session, auth, "retention.propose", "deletion_request", rid,
                         allowed=OVERSIGHT)
        session.audit("retention.propose", "household", household_id, f"request={rid}")
    return rid, Changes.of("deletion_request", rid) | Changes.of("household", household_id)


def request_erasure(session: Session, household_id: HouseholdId,
                    reason: str, *, auth: Authorization | None = None) -> tuple[str, Changes]:
    """A data subject asks for erasure (Art. 17). If a retention duty still runs, the file
    is restricted instead of deleted (Art. 17 Abs. 3 lit. b, Art. 18; LR-35); returns
    ("eingeschränkt", …). Otherwise a deletion is proposed: ("vorgeschlagen", …)."""
    session.require_role(*OVERSIGHT)
    result = decision(session, household_id)
    if result.is_due(local_today(session.clock)):
        if auth is None:
            raise PermissionDenied("Eine Löschung vorzuschlagen muss mit der eigenen "
                                   "Passphrase bestätigt werden.")
        _, changes = propose_deletion(session, household_id, auth=auth)
        return "vorgeschlagen", changes
    text = reason.strip() or "Löschersuchen"
    return "eingeschränkt", restrict(
        session, household_id, f"{text} – Aufbewahrungspflicht: {result.summary()}")


def _request(session: Session, request_id: str) -> DeletionRequest:
    row = store.deletion_request(session.db, request_id)
    if row is None:
        raise NotFound("Der Löschantrag")
    return row


def approve_deletion(session: Session, request_id: str, *, auth: Authorization) -> Changes:
    """Second pair of eyes: a Leitung other than the proposer — another person with another
    key — approves, re-authenticated and signed."""
    from casework.services import persons

    session.require_role(WorkerRole.LEITUNG)
    persons.check_auth(session, auth, (WorkerRole.LEITUNG,))
    with session.db.transaction():
        row = _request(session, request_id)
        if row.executed_at is not None:
            raise UserError("Diese Akte ist bereits gelöscht.")
        if row.approval is not None:
            raise UserError("Über diesen Löschantrag ist bereits entschieden.")
        if row.created_by == session.actor_id:
            raise PermissionDenied("Vier-Augen-Prinzip: Wer die Löschung vorgeschlagen hat, "
                                   "kann sie nicht selbst freigeben.")
        persons.require_other_key(session, auth, row.created_by)
        for signature in persons.signatures(session, "deletion_request", [request_id])[
                request_id]:
            if signature.fingerprint == auth.fingerprint or signature.signer_id == auth.worker_id:
                raise PermissionDenied("Vier-Augen-Prinzip: Vorschlag und Freigabe müssen von "
                                       "zwei Personen stammen.")
        approval_id = store.insert_deletion_approval(session.writer(), request_id,
                                                     DeletionApproval.APPROVED)
        persons.sign_act(session, auth, "retention.approve", "deletion_approval", approval_id,
                         allowed=(WorkerRole.LEITUNG,))
        session.audit("retention.approve", "household", row.target_id, f"request={request_id}")
    return Changes.of("deletion_request", request_id)


def reject_deletion(session: Session, request_id: str) -> Changes:
    session.require_role(*OVERSIGHT)
    with session.db.transaction():
        row = _request(session, request_id)
        if row.executed_at is not None or row.approval is not None:
            raise UserError("Über diesen Löschantrag ist bereits entschieden.")
        store.insert_deletion_approval(session.writer(), request_id, DeletionApproval.REJECTED)
        session.audit("retention.reject", "household", row.target_id, f"request={request_id}")
    return Changes.of("deletion_request", request_id)


def _delete_attachments(session: Session) -> int:
    """Overwrite and remove the files the purge journalled (see storage.attachments). A
    file that cannot be removed now stays journalled and is retried at the next open."""
    try:
        return attachments.finish_pending_deletions(session.vault)
    except UserError:
        log.error("Anhang konnte nicht gelöscht werden (%s)", "Dateifehler")
        return 0


def execute_deletion(session: Session, request_id: str) -> tuple[DeletionProtocolData, Changes]:
    """Delete an approved household for real, compact the database and return the
    Löschprotokoll data (no deleted content)."""
    session.require_role(*OVERSIGHT)
    row = _request(session, request_id)
    if row.executed_at is not None:
        raise UserError("Diese Akte ist bereits gelöscht.")
    if row.approval is not DeletionApproval.APPROVED:
        raise PermissionDenied("Die Löschung ist noch nicht von einer zweiten Leitung "
                               "freigegeben (Vier-Augen-Prinzip).")
    household_id = row.target_id
    result = decision(session, household_id)
    if row.reason_code == REASON_PERIOD and not result.is_due(local_today(session.clock)):
        raise UserError("Die Aufbewahrungsfrist läuft wieder (Daten wurden geändert): "
                        + result.summary())
    with session.db.transaction():
        purged = purge.purge_household(session.db, household_id)
        at = to_utc_iso(session.clock.now())
        store.add_journal(session.db, "household", household_id, household_id, at)
        store.insert_deletion_execution(session.writer(), request_id, household_id,
                                        purged.counts, len(purged.attachment_ids))
        session.audit("retention.delete", "household", household_id,
                      f"request={request_id};rows={purged.total}")
    removed = _delete_attachments(session)
    if removed < len(purged.attachment_ids):
        session.audit("retention.attachment_failed", "household", household_id,
                      f"request={request_id};missing={len(purged.attachment_ids) - removed}")
    purge.compact(session.db)
    changes = (Changes.of("household", household_id)
               | Changes.of("deletion_request", request_id)
               | Changes.of("person", *purged.person_ids))
    return protocol(session, request_id), changes


def _worker_name(session: Session, worker_id: str | None) -> str:
    if not worker_id:
        return "–"
    worker = worker_store.get_worker(session.db, worker_id)
    return worker.name if worker is not None else neutral_label("worker", worker_id)


def _moment(text: str | None) -> datetime:
    if not text:
        raise UserError("Der Löschantrag ist unvollständig.")
    return from_utc_iso(text)


def protocol(session: Session, request_id: str) -> DeletionProtocolData:
    """Löschprotokoll data of an executed deletion (ids, counts, rule, dates, staff)."""
    row = _request(session, request_id)
    if row.executed_at is None or row.counts is None:
        raise UserError("Diese Löschung ist noch nicht ausgeführt.")
    rule = rules(session).rule(row.rule_key)
    return DeletionProtocolData(
        organisation=reference.load_profile(session.profile_name).organisation,
        request_id=row.id,
        household_id=row.target_id,
        household_label=neutral_label("household", row.target_id),
        file_type=row.file_type or "–",
        rule_label=rule.label if rule is not None else row.rule_key,
        rule_source=rule.legal_source if rule is not None else "–",
        agreement_ref=rule.agreement_ref if rule is not None else "",
        keep_until=date.fromisoformat(row.keep_until) if row.keep_until else None,
        reason=REASON_LABELS.get(row.reason_code, row.reason_code),
        proposed_by=_worker_name(session, row.created_by),
        proposed_at=_moment(row.created_at),
        approved_by=_worker_name(session, row.approved_by),
        approved_at=_moment(row.approved_at),
        executed_by=_worker_name(session, row.executed_by),
        executed_at=_moment(row.executed_at),
        counts=tuple(sorted(row.counts.items())),
        attachments=row.attachments,
    )


def render_protocol(session: Session, request_id: str) -> bytes:
    data = protocol(session, request_id)
    pdf = render_deletion_protocol(data, session.clock)
    session.audit("retention.protocol_print", "deletion_request", request_id)
    return pdf


def requests(session: Session) -> list[DeletionRequest]:
    session.require_role(*OVERSIGHT)
    return store.deletion_requests(session.db)


# --------------------------------------------------------------------------- journal


def journal(session: Session, since_iso: str = "") -> list[DeletionJournalEntry]:
    return store.journal(session.db, since_iso)


def import_journal(session: Session, entries: list[DeletionJournalEntry]) -> int:
    """Copy journal rows (e.g. from the vault before a restore) into this database;
    rows already present are skipped. Returns how many were added."""
    return merge_journal(session.db, entries)


def reapply_deletions(session: Session, since_iso: str = "") -> int:
    """Delete again everything the deletion journal lists from `since_iso` on (LR-37,
    SDM M60.S10) — run after restoring a backup, before the UI opens. Returns the number
    of households that had reappeared and were deleted again."""
    again = 0
    register = 0
    for entry in store.journal(session.db, since_iso):
        if entry.entity in (vetting_store.JOURNAL_ENTRY, vetting_store.JOURNAL_RECORDS):
            # The § 72a register (issue 21): deleted by its deadline, deleted again.
            whole = entry.entity == vetting_store.JOURNAL_ENTRY
            if vetting_store.remaining(session.db, entry.entity_id, whole_entry=whole):
                with session.db.transaction():
                    vetting_store.purge(session.db, entry.entity_id, whole_entry=whole)
                    session.audit("retention.reapply", entry.entity, entry.entity_id)
                register += 1
            continue
        if entry.entity != "household":
            continue
        if purge.remaining_rows(session.db, entry.entity_id) == 0:
            continue
        with session.db.transaction():
            purged = purge.purge_household(session.db, entry.entity_id)
            session.audit("retention.reapply", "household", entry.entity_id,
                          f"rows={purged.total}")
        again += 1
    if again:
        _delete_attachments(session)
    if again or register:
        purge.compact(session.db)
    return again
