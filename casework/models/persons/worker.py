"""Worker profile (Fachkraft, Leitung, Teilhabemanagement, Admin)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from casework.errors import ValidationError
from casework.models.ids import WorkerId


class WorkerRole(StrEnum):
    FACHKRAFT = "Fachkraft"
    LEITUNG = "Leitung"
    TEILHABEMANAGEMENT = "Teilhabemanagement"
    ADMIN = "Admin"


@dataclass(frozen=True, slots=True)
class WorkerDraft:
    name: str
    role: WorkerRole = WorkerRole.FACHKRAFT
    team: str = ""
    fte: float = 1.0  # Vollzeitäquivalent (VZÄ) share

    def validated(self) -> WorkerDraft:
        name = self.name.strip()
        if not name:
            raise ValidationError("Name", "darf nicht leer sein.")
        if not 0 < self.fte <= 1.0:
            raise ValidationError("Stellenanteil (VZÄ)", "muss größer als 0 und höchstens 1 sein.")
        return WorkerDraft(name, WorkerRole(self.role), self.team.strip(), round(self.fte, 3))


@dataclass(frozen=True, slots=True)
class Worker:
    id: WorkerId
    data: WorkerDraft
    created_at: str
    version: str

    @property
    def name(self) -> str:
        return self.data.name
