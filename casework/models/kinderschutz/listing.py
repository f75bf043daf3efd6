"""Lines of the § 8a procedure lists (Kinderschutz screen and family tab)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.vocabulary import State


@dataclass(frozen=True, slots=True)
class ProcedureRow:
    """One line of a procedure list."""

    id: str
    household_id: HouseholdId
    household_name: str
    state: State
    acute: bool
    opened_at: datetime
    lead_worker_id: WorkerId
    lead_worker_name: str
    child_ids: tuple[PersonId, ...]
