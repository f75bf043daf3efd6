"""Clients of the Teilhabemanagement, caseload arithmetic (clients per full-time post)
and the fair assignment of the waiting list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from casework.errors import ValidationError
from casework.models.households.person import BirthInfo
from casework.models.teilhabe.eligibility import (
    ClientState,
    EligibilityResult,
    Exclusion,
    ResidenceRecord,
    eligibility,
)


@dataclass(frozen=True, slots=True)
class ClientDraft:
    """Programme-specific data of a client (the person lives in `persons`)."""

    intake_on: date  # Aufnahme-/Anfragedatum: orders the waiting list
    exclusions: frozenset[Exclusion] = frozenset()
    benefit_basis: str = "AsylbLG"
    age_exception: str = ""
    note: str = ""

    def validated(self, today: date) -> ClientDraft:
        if self.intake_on > today:
            raise ValidationError("Aufnahmedatum", "liegt in der Zukunft.")
        return ClientDraft(
            self.intake_on,
            frozenset(Exclusion(e) for e in self.exclusions),
            self.benefit_basis.strip(),
            self.age_exception.strip(),
            self.note.strip(),
        )


@dataclass(frozen=True, slots=True)
class Client:
    id: str
    person_id: str
    household_id: str
    display_name: str
    birth: BirthInfo
    gender: str
    data: ClientDraft
    state: ClientState
    worker_id: str | None
    residence: tuple[ResidenceRecord, ...] = ()
    closed_on: date | None = None

    def eligibility(self, on: date) -> EligibilityResult:
        return eligibility(
            self.birth,
            self.residence,
            self.data.exclusions,
            on,
            age_exception=self.data.age_exception,
        )


# --------------------------------------------------------------------------- caseload


@dataclass(frozen=True, slots=True)
class Capacity:
    """Capacity of one worker in one programme: FTE × key (clients per FTE)."""

    fte: float
    clients_per_fte: int
    warn_above: float
    active: int

    @property
    def places(self) -> int:
        # round half up: 0.75 × 100 = 75, 0.333 × 100 = 33
        return int(self.fte * self.clients_per_fte + 0.5 + 1e-9)

    @property
    def utilisation(self) -> float:
        return self.active / self.places if self.places else float("inf") if self.active else 0.0

    @property
    def warning(self) -> bool:
        return self.utilisation > self.warn_above

    @property
    def free(self) -> int:
        return max(self.places - self.active, 0)

    def text(self) -> str:
        """'87/100 (87 %)'"""
        if not self.places:
            return f"{self.active}/0"
        return f"{self.active}/{self.places} ({round(self.utilisation * 100)} %)"


def fair_assignment(
    waiting: Sequence[str], capacities: Mapping[str, Capacity]
) -> list[tuple[str, str]]:
    """Distribute waiting clients (in waiting-list order) to the workers with the most
    free places (then lowest utilisation), never beyond capacity (sources 000:308,
    "möglichst gerecht"). Returns (client_id, worker_id) pairs."""
    state = {wid: [cap.active, cap.places] for wid, cap in capacities.items()}
    result: list[tuple[str, str]] = []
    for client in waiting:
        candidates = [
            (places - active, -(active / places if places else 1), wid)
            for wid, (active, places) in state.items()
            if active < places
        ]
        if not candidates:
            break
        _, _, chosen = max(candidates)
        state[chosen][0] += 1
        result.append((client, chosen))
    return result




@dataclass(frozen=True, slots=True)
class Assignment:
    at: str
    on: date
    from_worker: str
    to_worker: str
    reason: str
    by: str


