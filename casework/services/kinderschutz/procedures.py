"""§ 8a SGB VIII procedures (freier Träger): the only write path for Kinderschutz records.

Every write validates (pure rules in `casework.models.kinderschutz.rules`), writes in one
transaction (entry/transition + Leitung review item + change log) and returns `Changes`
with kinds "kinderschutz" (procedure ids), "kinderschutz_review" (review item ids) and
"household". Reading a procedure for a person (`view`), printing and exporting are written
to the audit log with ids only (`kinderschutz.view`, `kinderschutz.print`,
`kinderschutz.export`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from casework.clock import local_today
from casework.errors import NotFound, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.actions import (
    Acute,
    Call,
    Handover,
    Mitteilung,
    Note,
    PseudonymKey,
    Report,
    SafetyPlan,
    Task,
)
from casework.models.kinderschutz.deadlines import (
    DeadlineProfile,
    add_working_days,
)
from casework.models.kinderschutz.findings import (
    Assessment,
    Dispute,
    Involvement,
    IsefConsultation,
    IsefSkip,
    Observation,
    Result,
)
from casework.models.kinderschutz.listing import ProcedureRow
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.review import (
    HANDOVER_KINDS,
    ReviewKind,
    ReviewStatus,
    needs_review_on_entering,
    subject_of,
)
from casework.models.kinderschutz.rules import (
    TRANSITIONS,
    ActorInfo,
    check_isef_assignment,
    check_lead,
    check_not_isef,
    check_open,
    check_result,
    check_transition,
)
from casework.models.kinderschutz.vocabulary import EntryKind, State, TaskKey
from casework.models.persons.worker import WorkerRole
from casework.services.directory.shipped import holidays_for, load_profile
from casework.services.kinderschutz import review
from casework.services.kinderschutz.deadlines import deadline_profile
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage import kinderschutz as store
from casework.storage import persons as worker_store

if TYPE_CHECKING:
    from casework.services.persons import Authorization


S = State
_ACUTE_FOLLOW_UP = frozenset({S.SA, S.S7, S.S8})
# Where each kind of entry may be recorded (besides the acute follow-up states).
_ENTRY_STATES: dict[EntryKind, frozenset[State]] = {
    EntryKind.ASSESSMENT: frozenset({S.S2, S.S3, S.S4, S.S5, S.S6B}),
    EntryKind.ISEF: frozenset({S.S2, S.S3, S.S4, S.S5, S.S6B}),
    EntryKind.INVOLVEMENT: frozenset({S.S2, S.S3, S.S4, S.S5, S.S6, S.S6B}),
    EntryKind.PLAN: frozenset({S.S5, S.S6, S.S6B, S.S8}),
    EntryKind.MITTEILUNG: frozenset({S.S7, S.S8}),
}


def _changes(file: ProcedureFile, *review_ids: str) -> Changes:
    changes = (Changes.of("kinderschutz", file.procedure.id)
               | Changes.of("household", file.procedure.household_id))
    if review_ids:
        changes = changes | Changes.of("kinderschutz_review", *review_ids)
    return changes


def _actor(session: Session) -> ActorInfo:
    return ActorInfo(session.actor_id, session.actor.data.role)


def _load(session: Session, procedure_id: str) -> ProcedureFile:
    file = store.load_file(session.db, procedure_id)
    if file is None:
        raise NotFound("Das § 8a-Verfahren")
    return file


# With the "unverzüglich" policy a Mitteilung may be recorded from the weighty indications on.
_IMMEDIATE_MITTEILUNG_STATES = frozenset(State) - {S.S0, S.S9}


def mitteilung_possible(file: ProcedureFile, profile: DeadlineProfile) -> bool:
    """May a Mitteilung an das Jugendamt be recorded now (per the information policy)?"""
    if profile.immediate and file.entered(S.S1) is not None \
            and file.state in _IMMEDIATE_MITTEILUNG_STATES:
        return True
    return (file.state in _ENTRY_STATES[EntryKind.MITTEILUNG]
            or (file.was_acute() and file.state in _ACUTE_FOLLOW_UP))


def _require_state(file: ProcedureFile, kind: EntryKind, what: str) -> None:
    allowed = _ENTRY_STATES[kind]
    if file.state in allowed or (file.was_acute() and file.state in _ACUTE_FOLLOW_UP):
        return
    raise ValidationError(what, f"kann im Schritt „{file.state.label}“ nicht festgehalten werden.")


# --------------------------------------------------------------------------- reading


def get_file(session: Session, procedure_id: str) -> ProcedureFile:
    """The procedure with its whole history (no audit entry; for refreshes)."""
    return _load(session, procedure_id)


def view(session: Session, procedure_id: str) -> ProcedureFile:
    """Open a procedure for a person: like `get_file`, and logged as `kinderschutz.view`."""
    file = _load(session, procedure_id)
    session.audit("kinderschutz.view", "ks_procedure", procedure_id)
    return file


def list_procedures(session: Session, household_id: str | None = None,
                    open_only: bool = False) -> list[ProcedureRow]:
    """Procedures, newest first (all, or of one household; optionally only open ones),
    each named by its household label (same-surname families stay apart, issue 18)."""
    found = store.list_procedures(session.db, household_id=household_id, open_only=open_only)
    labels = household_store.household_labels(session.db,
                                               sorted({r.household_id for r in found}))
    return [replace(r, household_name=labels.get(r.household_id, r.household_name))
            for r in found]


# --------------------------------------------------------------------------- opening


def _check_children(session: Session, household_id: str, child_ids: tuple[str, ...]) -> None:
    members = {p.id for p in household_store.persons_of(session.db, household_id)}
    if any(c not in members for c in child_ids):
        raise ValidationError("Betroffene Kinder", "gehören nicht alle zu diesem Haushalt.")


def _open(session: Session, household_id: str, child_ids: tuple[str, ...],
          lead_worker_id: str) -> ProcedureFile:
    if household_store.get_household(session.db, household_id) is None:
        raise NotFound("Der Haushalt")
    _check_children(session, household_id, child_ids)
    if worker_store.get_worker(session.db, lead_worker_id) is None:
        raise ValidationError("Fallführende Fachkraft", "ist in dieser Akte nicht vorhanden.")
    w = session.writer()
    now = session.clock.now()
    pid = store.insert_procedure(w, household_id, child_ids, lead_worker_id, now)
    procedure = store.get_procedure(session.db, pid)
    assert procedure is not None
    store.insert_transition(w, procedure, None, S.S0, now, session.actor.data.role.value,
                            "Verfahren angelegt", {})
    return _load(session, pid)


def open_procedure(session: Session, household_id: HouseholdId,
                   child_ids: tuple[PersonId, ...],
                   lead_worker_id: WorkerId | None = None) -> tuple[str, Changes]:
    """Open a procedure (state S0 Wahrnehmung) for the given children of a household. The
    lead (fallführende Fachkraft) defaults to the acting worker."""
    check_actor_role(session)
    children = tuple(dict.fromkeys(child_ids))
    if not children:
        raise ValidationError("Betroffene Kinder", "mindestens ein Kind auswählen.")
    with session.db.transaction():
        file = _open(session, household_id, children, lead_worker_id or session.actor_id)
    return file.procedure.id, _changes(file)


def check_actor_role(session: Session) -> None:
    session.require_role(WorkerRole.FACHKRAFT, WorkerRole.LEITUNG,
                         WorkerRole.TEILHABEMANAGEMENT)


def set_lead(session: Session, procedure_id: str, worker_id: WorkerId) -> Changes:
    """Change the case-leading worker (not someone who advised as iseF: LR-04)."""
    check_actor_role(session)
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        if worker_store.get_worker(session.db, worker_id) is None:
            raise ValidationError("Fallführende Fachkraft", "ist in dieser Akte nicht vorhanden.")
        check_lead(file, worker_id)
        changed = store.update_procedure(session.writer(), file.procedure,
                                         {"lead_worker_id": worker_id})
    return _changes(file) if changed else Changes()


def set_children(session: Session, procedure_id: str,
                 child_ids: tuple[PersonId, ...]) -> Changes:
    """Correct the children concerned (e.g. after an acute start without a selection)."""
    check_actor_role(session)
    children = tuple(dict.fromkeys(child_ids))
    if not children:
        raise ValidationError("Betroffene Kinder", "mindestens ein Kind auswählen.")
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        _check_children(session, file.procedure.household_id, children)
        changed = store.update_procedure(session.writer(), file.procedure,
                                         {"child_ids": json.dumps(list(children))})
    return _changes(file) if changed else Changes()


# --------------------------------------------------------------------------- entries


def _add(session: Session, file: ProcedureFile, kind: EntryKind,
         payload: Mapping[str, Any]) -> str:
    return store.insert_entry(session.writer(), file.procedure, kind, payload)


def record_pseudonym_key(session: Session, file: ProcedureFile,
                         key: Mapping[str, str]) -> Changes:
    """Keep the re-identification key of an iseF extract as an entry of the procedure
    (inside the caller's transaction; the extract itself is made in `documents`)."""
    _add(session, file, EntryKind.PSEUDONYM_KEY, PseudonymKey(key).to_payload())
    return _changes(file)


def record_observation(session: Session, procedure_id: str,
                       observation: Observation) -> tuple[str, Changes]:
    """A typed observation (LR-09): Fakt / Beobachtung / Aussage Dritter (with source) /
    Hypothese / Bewertung, optionally already "bestritten"."""
    check_actor_role(session)
    clean = observation.validated(session.clock.now())
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        eid = _add(session, file, EntryKind.OBSERVATION, clean.to_payload())
    return eid, _changes(file)


def record_report(session: Session, procedure_id: str, report: Report) -> tuple[str, Changes]:
    """A report by someone else (Meldung). The reporter's identity is kept in protected
    fields (LR-19): never in the iseF extract, withheld from Art. 15 disclosures."""
    check_actor_role(session)
    clean = report.validated(session.clock.now())
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        eid = _add(session, file, EntryKind.REPORT, clean.to_payload())
    return eid, _changes(file)


def dispute_observation(session: Session, procedure_id: str,
                        dispute: Dispute) -> tuple[str, Changes]:
    """Mark an observation "bestritten" (§ 84 Abs. 2 SGB X); also after closing."""
    check_actor_role(session)
    clean = dispute.validated()
    with session.db.transaction():
        file = _load(session, procedure_id)
        target = file.entry(clean.observation_id)
        if target is None or target.kind is not EntryKind.OBSERVATION:
            raise ValidationError("Eintrag", "ist keine Beobachtung dieses Verfahrens.")
        eid = _add(session, file, EntryKind.DISPUTE, clean.to_payload())
    return eid, _changes(file)


def record_assessment(session: Session, procedure_id: str,
                      assessment: Assessment) -> tuple[str, Changes]:
    """A new immutable version of the Gefährdungseinschätzung (LR-08). Ratings are stored
    as given and never produce a result (LR-17)."""
    check_actor_role(session)
    clean = assessment.validated(session.clock.now())
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        _require_state(file, EntryKind.ASSESSMENT, "Gefährdungseinschätzung")
        known = {e.id for e in file.of(EntryKind.OBSERVATION)}
        if any(f not in known for f in clean.fact_ids):
            raise ValidationError("Tragende Tatsachen", "verweist auf einen unbekannten Eintrag.")
        workers = [p.worker_id for p in clean.participants if p.worker_id]
        if any(worker_store.get_worker(session.db, w) is None for w in workers):
            raise ValidationError("Beteiligte Fachkräfte", "enthält unbekannte Mitarbeitende.")
        eid = _add(session, file, EntryKind.ASSESSMENT, clean.to_payload())
    return eid, _changes(file)


def record_isef(session: Session, procedure_id: str,
                consultation: IsefConsultation) -> tuple[str, Changes]:
    """The iseF consultation (LR-03); the iseF cannot be the case-leading worker (LR-04)."""
    check_actor_role(session)
    clean = consultation.validated(local_today(session.clock))
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        _require_state(file, EntryKind.ISEF, "Beratung durch die iseF")
        check_isef_assignment(file, clean)
        check_not_isef(file, _actor(session), "die eigene Beratung")
        eid = _add(session, file, EntryKind.ISEF, clean.to_payload())
    return eid, _changes(file)


def skip_isef(session: Session, procedure_id: str, skip: IsefSkip) -> tuple[str, Changes]:
    """Acute path only: no iseF consultation before the result, with a reason (LR-03)."""
    check_actor_role(session)
    clean = skip.validated()
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        if not file.was_acute():
            raise ValidationError("Beratung durch die iseF",
                                  "kann nur im Akutfall entfallen (mit Begründung).")
        eid = _add(session, file, EntryKind.ISEF_SKIP, clean.to_payload())
    return eid, _changes(file)


def record_involvement(session: Session, procedure_id: str,
                       involvement: Involvement) -> tuple[str, Changes]:
    """Involvement of parents or child (LR-06). "Nicht erfolgt" goes to the Leitung."""
    check_actor_role(session)
    clean = involvement.validated(local_today(session.clock))
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        _require_state(file, EntryKind.INVOLVEMENT, f"Einbeziehung {clean.target.value}")
        _check_children(session, file.procedure.household_id, clean.person_ids)
        eid = _add(session, file, EntryKind.INVOLVEMENT, clean.to_payload())
        items: list[str] = []
        if not clean.done:
            items.append(review.ensure_item(session, _load(session, procedure_id),
                                            ReviewKind.NICHT_EINBEZOGEN, clean.target.value))
    return eid, _changes(file, *items)


def record_result(session: Session, procedure_id: str, result: Result) -> tuple[str, Changes]:
    """The result (S5): one of four categories, justification, linked facts (LR-07), only
    with two professionals (LR-02), the iseF consulted (LR-03), parents and child
    documented (LR-06), and not by the iseF (LR-04). Re-recording adds a version; the
    Leitung's approval of the previous version becomes stale."""
    check_actor_role(session)
    clean = result.validated()
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_result(file, clean, _actor(session))
        latest = file.latest(EntryKind.ASSESSMENT)
        assert latest is not None  # check_result requires one
        stored = Result(clean.category, clean.justification, clean.fact_ids, latest.id)
        eid = _add(session, file, EntryKind.RESULT, stored.to_payload())
        item = review.ensure_item(session, file, ReviewKind.ERGEBNIS, "")
    return eid, _changes(file, item)


def save_plan(session: Session, procedure_id: str, plan: SafetyPlan) -> tuple[str, Changes]:
    """A new version of the Schutzplan (LR-14); the review date is mandatory."""
    check_actor_role(session)
    clean = plan.validated(local_today(session.clock))
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        _require_state(file, EntryKind.PLAN, "Schutzplan")
        eid = _add(session, file, EntryKind.PLAN, clean.to_payload())
    return eid, _changes(file)


def record_mitteilung(session: Session, procedure_id: str,
                      mitteilung: Mitteilung) -> tuple[str, Changes]:
    """Mitteilung an das Jugendamt (LR-12): legal basis and prior notice are mandatory.
    With the deadline profile's "unverzüglich" policy it may be recorded from the weighty
    indications on, at any later step; otherwise in "Information an das Jugendamt" (and
    afterwards). It records the joint meeting and the responsibilities, if given."""
    check_actor_role(session)
    clean = mitteilung.validated(session.clock.now())
    profile = deadline_profile(session)
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        if not mitteilung_possible(file, profile):
            _require_state(file, EntryKind.MITTEILUNG, "Mitteilung an das Jugendamt")
        eid = _add(session, file, EntryKind.MITTEILUNG, clean.to_payload())
        item = review.ensure_item(session, _load(session, procedure_id),
                                  ReviewKind.MITTEILUNG, eid)
    return eid, _changes(file, item)


def record_call(session: Session, procedure_id: str, call: Call) -> tuple[str, Changes]:
    """Another call on the acute path (Jugendamt, Bereitschaftsdienst, Polizei …)."""
    check_actor_role(session)
    clean = call.validated(session.clock.now())
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        eid = _add(session, file, EntryKind.CALL, clean.to_payload())
    return eid, _changes(file)


def add_note(session: Session, procedure_id: str, note: Note) -> tuple[str, Changes]:
    """A free note, e.g. the Jugendamt's feedback after the report (S8)."""
    check_actor_role(session)
    clean = note.validated()
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        eid = _add(session, file, EntryKind.NOTE, clean.to_payload())
    return eid, _changes(file)


# --------------------------------------------------------------------------- transitions


def _move(session: Session, file: ProcedureFile, target: State, reason: str,
          details: Mapping[str, Any]) -> tuple[str, list[str]]:
    w = session.writer()
    tid = store.insert_transition(w, file.procedure, file.state, target, session.clock.now(),
                                  session.actor.data.role.value, reason.strip(), details)
    values: dict[str, Any] = {"state": target.value}
    if target is S.SA:
        values["acute"] = 1
    store.update_procedure(w, file.procedure, values)
    items: list[str] = []
    kind = needs_review_on_entering(target)
    if kind is not None:  # LR-15: entering S1 notifies the Leitung; closing is reviewed
        items.append(review.ensure_item(session, _load(session, file.procedure.id), kind, tid))
    return tid, items


def transition(session: Session, procedure_id: str, target: State, reason: str = "",
               details: Mapping[str, Any] | None = None) -> tuple[str, Changes]:
    """Move the procedure to `target` if the rules allow it (LR-01 … LR-15). Records who,
    role, when and the previous state. Use `acute` for SA and `close` for S9."""
    if target is S.SA:
        raise ValidationError("Nächster Schritt", "den Akutfall bitte über „Dringende Gefahr“ "
                                                  "festhalten.")
    if target is S.S9:
        raise ValidationError("Nächster Schritt", "bitte „Verfahren abschließen“ verwenden.")
    check_actor_role(session)
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_transition(file, target, _actor(session), reason,
                         result_review=review.result_status(session, procedure_id))
        tid, items = _move(session, file, target, reason, details or {})
    return tid, _changes(file, *items)


def blockers(session: Session, procedure_id: str) -> dict[State, str | None]:
    """For each next step of the current state: None if it is possible now, else the German
    reason why not (for disabled buttons and their tooltips). SA is always offered through
    `acute`; S9 needs a reason, which is not known yet, so only the other conditions count."""
    file = _load(session, procedure_id)
    actor = _actor(session)
    result_review = review.result_status(session, procedure_id)
    out: dict[State, str | None] = {}
    for target in sorted(TRANSITIONS[file.state], key=lambda s: list(State).index(s)):
        if target is S.SA:
            out[target] = None
            continue
        pending = review.open_count(session, procedure_id) if target is S.S9 else 0
        reason = "–" if target in (S.S0, S.S9) else ""
        try:
            check_transition(file, target, actor, reason, open_reviews=pending,
                             result_review=result_review)
        except UserError as error:
            out[target] = error.message
        else:
            out[target] = None
    return out


def hand_over(session: Session, procedure_id: str, *, auth: Authorization,
              kind: ReviewKind = ReviewKind.ERGEBNIS, subject: str = "",
              note: str = "") -> tuple[str, Changes]:
    """"An die Leitung geben": the worker hands the current version of the result to the
    Leitung (re-authenticated and signed like the other reserved acts). Until the Leitung
    approves it, the steps that build on the result wait; the acute path never waits."""
    from casework.services import persons

    check_actor_role(session)
    if kind not in HANDOVER_KINDS:
        raise ValidationError("An die Leitung geben", "ist für diesen Eintrag nicht vorgesehen.")
    persons.check_auth(session, auth)
    with session.db.transaction():
        file = _load(session, procedure_id)
        check_open(file)
        current = subject_of(file, kind, subject)
        if current is None:
            raise ValidationError("An die Leitung geben", "es gibt noch kein Ergebnis.")
        item_id = review.ensure_item(session, file, kind, subject)
        status = review.get(session, item_id).status
        if status is not ReviewStatus.IN_ARBEIT:
            raise ValidationError("An die Leitung geben",
                                  f"diese Fassung ist schon bei der Leitung ({status.value}).")
        handover = Handover(kind.value, subject, current.hash, note.strip()[:2000])
        eid = _add(session, file, EntryKind.HANDOVER, handover.to_payload())
        persons.sign_act(session, auth, "kinderschutz.handover", "ks_entry", eid,
                         {"procedure": procedure_id, **handover.to_payload()})
        session.audit("kinderschutz.handover", "ks_review_item", item_id)
    return eid, _changes(file, item_id)


def close(session: Session, procedure_id: str, reason: str,
          retention_class: str = "") -> tuple[str, Changes]:
    """Close the procedure (S9): reason mandatory, not by the iseF (LR-04), acute follow-ups
    done, every Leitung review approved; the closing itself goes to the Leitung."""
    check_actor_role(session)
    with session.db.transaction():
        file = _load(session, procedure_id)
        pending = review.open_count(session, procedure_id)
        check_transition(file, S.S9, _actor(session), reason, open_reviews=pending)
        tid, items = _move(session, file, S.S9, reason,
                           {"retention_class": retention_class.strip()})
    return tid, _changes(file, *items)


def acute(session: Session, household_id: HouseholdId, event: Acute, *,
          procedure_id: str | None = None,
          child_ids: tuple[PersonId, ...] = ()) -> tuple[str, Changes]:
    """"Dringende Gefahr" (LR-10): records the time of recognition, what was done and who
    was called, moves the procedure to SA (opening one if `procedure_id` is None), informs
    the Leitung (review item) and creates follow-up tasks to complete S2–S5, due after the
    deadline profile's `acute_followup_working_days`."""
    check_actor_role(session)
    now = session.clock.now()
    clean = event.validated(now)
    profile = deadline_profile(session)
    holidays = holidays_for(load_profile(session.profile_name).holiday_subdivision)
    with session.db.transaction():
        if procedure_id is None:
            file = _open(session, household_id, tuple(dict.fromkeys(child_ids)),
                         session.actor_id)
        else:
            file = _load(session, procedure_id)
            if file.procedure.household_id != household_id:
                raise ValidationError("Verfahren", "gehört nicht zu diesem Haushalt.")
        check_open(file)
        if S.SA not in TRANSITIONS[file.state]:
            raise ValidationError("Akutfall", f"ist im Schritt „{file.state.label}“ nicht "
                                              "mehr vorgesehen; bitte das Jugendamt informieren.")
        eid = _add(session, file, EntryKind.ACUTE, clean.to_payload())
        file = _load(session, file.procedure.id)
        check_transition(file, S.SA, _actor(session), "Dringende Gefahr")
        _tid, items = _move(session, file, S.SA, "Dringende Gefahr", {"acute_entry": eid})
        file = _load(session, file.procedure.id)
        items.append(review.ensure_item(session, file, ReviewKind.AKUT, eid))
        due = add_working_days(clean.recognised_at, profile.acute_followup_working_days,
                               profile.day_ends, holidays)
        for key in TaskKey:
            _add(session, file, EntryKind.TASK, Task(key, due).to_payload())
    return file.procedure.id, _changes(file, *items)
