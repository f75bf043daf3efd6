"""§ 8a SGB VIII child-protection procedure, profile "freier Träger" (legal-reference §1.2).

A procedure (`Procedure`) is its own record, linked to a household and the child(ren)
concerned. Everything professional that happens in it is an append-only, dated entry
(`Entry[...]`): observations (LR-09), assessment versions (LR-08), iseF consultations
(LR-03), involvement of parents and child (LR-06), result versions (LR-07), protection-plan
versions (LR-14), notifications to the Jugendamt (LR-12), acute records (LR-10).
Corrections are new entries, never overwrites. `ProcedureFile` bundles a procedure with all
its entries and transitions; the rules in `casework.models.kinderschutz.rules` work on it.

The vocabulary (states, kinds, categories) is in `vocabulary`, the entry payloads in
`findings` (assessment phase) and `actions` (protection phase and working records).
Payloads are JSON-able dicts (`to_payload` / `*.from_payload`) so storage keeps one
append-only entries table. This module is pure: no Qt, no SQL, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

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
from casework.models.kinderschutz.findings import (
    Assessment,
    Dispute,
    Involvement,
    IsefConsultation,
    IsefSkip,
    Observation,
    Result,
)
from casework.models.kinderschutz.vocabulary import EntryKind, InvolvementTarget, State

PAYLOAD_TYPES: dict[EntryKind, Any] = {
    EntryKind.OBSERVATION: Observation,
    EntryKind.DISPUTE: Dispute,
    EntryKind.ASSESSMENT: Assessment,
    EntryKind.ISEF: IsefConsultation,
    EntryKind.ISEF_SKIP: IsefSkip,
    EntryKind.INVOLVEMENT: Involvement,
    EntryKind.RESULT: Result,
    EntryKind.PLAN: SafetyPlan,
    EntryKind.MITTEILUNG: Mitteilung,
    EntryKind.ACUTE: Acute,
    EntryKind.CALL: Call,
    EntryKind.TASK: Task,
    EntryKind.NOTE: Note,
    EntryKind.PSEUDONYM_KEY: PseudonymKey,
    EntryKind.REPORT: Report,
    EntryKind.HANDOVER: Handover,
}


def payload_from(kind: EntryKind, payload: Mapping[str, Any]) -> Any:
    return PAYLOAD_TYPES[kind].from_payload(payload)


# --------------------------------------------------------------------------- records

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    """An append-only entry of a procedure. `seq` orders entries and transitions of one
    procedure together ("after entering S6b" = a larger seq)."""

    id: str
    seq: int
    kind: EntryKind
    data: T
    created_at: datetime
    created_by: WorkerId


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of the state machine (LR-01): who, role, when, previous state."""

    id: str
    seq: int
    from_state: State | None  # None for the opening of the procedure
    to_state: State
    at: datetime
    actor_id: WorkerId
    actor_role: str
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Procedure:
    id: str
    household_id: HouseholdId
    child_ids: tuple[PersonId, ...]
    lead_worker_id: WorkerId
    state: State
    acute: bool
    opened_at: datetime
    created_by: WorkerId


@dataclass(frozen=True, slots=True)
class ProcedureFile:
    """A procedure with its whole append-only history, oldest first."""

    procedure: Procedure
    transitions: tuple[Transition, ...]
    entries: tuple[Entry[Any], ...]

    @property
    def state(self) -> State:
        return self.procedure.state

    def of(self, kind: EntryKind) -> list[Entry[Any]]:
        return [e for e in self.entries if e.kind is kind]

    def latest(self, kind: EntryKind) -> Entry[Any] | None:
        found = self.of(kind)
        return found[-1] if found else None

    def entry(self, entry_id: str) -> Entry[Any] | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def observations(self) -> list[Entry[Observation]]:
        """Observations with their "bestritten" marker folded in from later disputes."""
        disputed = {e.data.observation_id for e in self.of(EntryKind.DISPUTE)}
        out: list[Entry[Observation]] = []
        for e in self.of(EntryKind.OBSERVATION):
            obs: Observation = e.data
            if e.id in disputed and not obs.disputed:
                obs = Observation(obs.observed_at, obs.kind, obs.text, obs.source, True)
            out.append(Entry(e.id, e.seq, e.kind, obs, e.created_at, e.created_by))
        return out

    def assessments(self) -> list[Entry[Assessment]]:
        return self.of(EntryKind.ASSESSMENT)

    def results(self) -> list[Entry[Result]]:
        return self.of(EntryKind.RESULT)

    def current_result(self) -> Entry[Result] | None:
        return self.latest(EntryKind.RESULT)

    def current_plan(self) -> Entry[SafetyPlan] | None:
        return self.latest(EntryKind.PLAN)

    def involvement(self, target: InvolvementTarget) -> Entry[Involvement] | None:
        found = [e for e in self.of(EntryKind.INVOLVEMENT) if e.data.target is target]
        return found[-1] if found else None

    def isef_worker_ids(self) -> frozenset[str]:
        return frozenset(e.data.isef_worker_id for e in self.of(EntryKind.ISEF)
                         if e.data.isef_worker_id)

    def entered(self, state: State) -> Transition | None:
        """The latest transition into `state`."""
        found = [t for t in self.transitions if t.to_state is state]
        return found[-1] if found else None

    def since(self, kind: EntryKind, state: State) -> list[Entry[Any]]:
        """Entries of `kind` recorded after the latest entry into `state`."""
        start = self.entered(state)
        floor = start.seq if start is not None else -1
        return [e for e in self.of(kind) if e.seq > floor]

    def was_acute(self) -> bool:
        return self.procedure.acute or any(t.to_state is State.SA for t in self.transitions)
