"""The life of a family case: closure (Abschluss) with its reason, reopening, and the
hand-over (Übergabe) of a family to a colleague.

Closure events and hand-overs are records of their own (migration m0070); the household's
`status` and `assigned_worker_id` follow them in the same transaction, so the retention
engine (which starts a closed case's period at the change log's last change to
„abgeschlossen“) and the hub's entitlement (which follows `assigned_worker_id`) need no
second source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from casework.errors import ValidationError

MIN_TEXT = 3
MAX_TEXT = 2000


class ClosureReason(StrEnum):
    """Why a family case ends (Primero/OSCaR closure reasons, in the Fachverfahren's words)."""

    ZIELE_ERREICHT = "Ziele erreicht"
    UMZUG = "Umzug"
    KEIN_KONTAKT = "kein Kontakt mehr"
    UEBERGEBEN = "an andere Stelle übergeben"
    BEENDET_FAMILIE = "auf Wunsch der Familie beendet"
    KEIN_BEDARF = "kein Unterstützungsbedarf mehr"
    SONSTIGES = "sonstiger Grund"


# Reasons where the note must say more (to whom, why).
NOTE_REQUIRED = frozenset({ClosureReason.UEBERGEBEN, ClosureReason.SONSTIGES})


class ClosureEventKind(StrEnum):
    BEANTRAGT = "Abschluss beantragt"  # waits for the Leitung (profile setting)
    ABGESCHLOSSEN = "abgeschlossen"
    ABGELEHNT = "Abschluss nicht freigegeben"
    WIEDERAUFGENOMMEN = "wieder aufgenommen"


@dataclass(frozen=True, slots=True)
class ClosureEvent:
    id: str
    household_id: str
    kind: ClosureEventKind
    reason: ClosureReason | None
    note: str
    on: date
    at: datetime
    by_id: str
    by_name: str
    request_id: str = ""  # an approval/refusal names the request it decides


def clean_text(label: str, text: str, *, required: bool) -> str:
    value = text.strip()
    if required and len(value) < MIN_TEXT:
        raise ValidationError(label, "bitte angeben.")
    if len(value) > MAX_TEXT:
        raise ValidationError(label, f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
    return value


def validated_closure(reason: ClosureReason | str | None, note: str) -> tuple[ClosureReason,
                                                                              str]:
    if not reason:
        raise ValidationError("Grund des Abschlusses", "bitte auswählen.")
    try:
        clean_reason = ClosureReason(reason)
    except ValueError:
        raise ValidationError("Grund des Abschlusses", "ist unbekannt.") from None
    return clean_reason, clean_text("Notiz", note, required=clean_reason in NOTE_REQUIRED)


def pending_request(events: list[ClosureEvent]) -> ClosureEvent | None:
    """The request for closure still waiting for the Leitung, if any (events oldest first)."""
    pending: ClosureEvent | None = None
    for event in events:
        if event.kind is ClosureEventKind.BEANTRAGT:
            pending = event
        elif pending is not None and event.kind in (
                ClosureEventKind.ABGESCHLOSSEN, ClosureEventKind.ABGELEHNT):
            pending = None
    return pending


# --------------------------------------------------------------------------- hand-over


class HandoverState(StrEnum):
    OFFEN = "wartet auf Annahme"
    ANGENOMMEN = "angenommen"
    ABGELEHNT = "abgelehnt"
    ZURUECKGEZOGEN = "zurückgezogen"
    UMVERTEILT = "durch Leitung umverteilt"  # bulk reassignment: effective at once


FINAL_HANDOVER_STATES = frozenset(HandoverState) - {HandoverState.OFFEN}


@dataclass(frozen=True, slots=True)
class Handover:
    id: str
    household_id: str
    household_name: str
    from_worker_id: str
    from_name: str
    to_worker_id: str
    to_name: str
    note: str
    state: HandoverState
    created_at: datetime
    created_by: str
    decided_at: datetime | None
    decision_note: str
    batch_id: str = ""  # several families reassigned at once by the Leitung

    @property
    def is_open(self) -> bool:
        return self.state is HandoverState.OFFEN


def check_decision(handover: Handover, target: HandoverState) -> None:
    if not handover.is_open:
        raise ValidationError("Übergabe", f"ist bereits „{handover.state.value}“.")
    if target not in (HandoverState.ANGENOMMEN, HandoverState.ABGELEHNT,
                      HandoverState.ZURUECKGEZOGEN):
        raise ValidationError("Übergabe", "diese Entscheidung gibt es nicht.")
