"""What a worker needs to know next about a procedure, as German text (no Qt).

The services enforce every rule; these helpers only say *in advance* why a button is
disabled, so nobody fills a long form that the service then refuses.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from casework.clock import BERLIN
from casework.errors import UserError
from casework.models.contacts import NoteKind
from casework.models.kinderschutz.findings import Result
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.rules import ActorInfo, check_result
from casework.models.kinderschutz.vocabulary import FACTUAL_KINDS, EntryKind, ResultCategory, State

S = State

# Where each kind of entry may be recorded; mirrors `services.kinderschutz._ENTRY_STATES`
# (the service checks again; this only keeps buttons honest).
ENTRY_STATES: dict[EntryKind, frozenset[State]] = {
    EntryKind.ASSESSMENT: frozenset({S.S2, S.S3, S.S4, S.S5, S.S6B}),
    EntryKind.ISEF: frozenset({S.S2, S.S3, S.S4, S.S5, S.S6B}),
    EntryKind.INVOLVEMENT: frozenset({S.S2, S.S3, S.S4, S.S5, S.S6, S.S6B}),
    EntryKind.PLAN: frozenset({S.S5, S.S6, S.S6B, S.S8}),
    EntryKind.MITTEILUNG: frozenset({S.S7, S.S8}),
}
_ACUTE_FOLLOW_UP = frozenset({S.SA, S.S7, S.S8})

ENTRY_NAMES: dict[EntryKind, str] = {
    EntryKind.OBSERVATION: "Wahrnehmung",
    EntryKind.DISPUTE: "Bestritten",
    EntryKind.ASSESSMENT: "Gefährdungseinschätzung",
    EntryKind.ISEF: "Beratung iseF",
    EntryKind.ISEF_SKIP: "Verzicht auf iseF-Beratung",
    EntryKind.INVOLVEMENT: "Einbeziehung",
    EntryKind.RESULT: "Ergebnis",
    EntryKind.PLAN: "Schutzplan",
    EntryKind.MITTEILUNG: "Mitteilung an das Jugendamt",
    EntryKind.ACUTE: "Akutfall",
    EntryKind.CALL: "Anruf",
    EntryKind.TASK: "Nacharbeit",
    EntryKind.NOTE: "Notiz",
    EntryKind.PSEUDONYM_KEY: "iseF-Auszug erstellt",
    EntryKind.REPORT: "Meldung",
    EntryKind.HANDOVER: "An die Leitung gegeben",
}


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def when(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return f"{local(moment):%d.%m.%Y %H:%M}"
    return f"{moment:%d.%m.%Y}"


def entry_blocker(file: ProcedureFile, kind: EntryKind) -> str | None:
    """None if an entry of `kind` can be recorded now, else the German reason."""
    if file.state is S.S9:
        return "Das Verfahren ist abgeschlossen; es kann nur gelesen werden."
    allowed = ENTRY_STATES.get(kind)
    if allowed is None or file.state in allowed:
        return None
    if file.was_acute() and file.state in _ACUTE_FOLLOW_UP:
        return None
    return f"Im Schritt „{file.state.label}“ nicht vorgesehen."


def result_blocker(file: ProcedureFile, actor: ActorInfo) -> str | None:
    """Why no result can be recorded now (None: it can). Missing prerequisites (two
    professionals, iseF, involvement, a factual entry) are named before the step, so
    the worker sees what to do, not only where she is."""
    if file.state is S.S9:
        return "Das Verfahren ist abgeschlossen; es kann nur gelesen werden."
    facts = tuple(e.id for e in file.observations() if e.data.kind in FACTUAL_KINDS)
    probe = Result(ResultCategory.HILFEBEDARF, "–", facts or ("",))
    as_s5 = dataclasses.replace(file, procedure=dataclasses.replace(file.procedure,
                                                                    state=S.S5))
    for candidate in (as_s5, file):
        try:
            check_result(candidate, probe, actor)
        except UserError as error:
            if not facts and candidate is as_s5 and "Tatsachen" in getattr(error, "field", ""):
                return ("Tragende Tatsachen: zuerst mindestens einen Fakt, eine Beobachtung "
                        "oder eine Aussage Dritter festhalten.")
            return error.message
    return None


def observation_text(kind: NoteKind, text: str, source: str, disputed: bool) -> str:
    head = kind.value + (f" (Quelle: {source})" if source else "")
    return ("[bestritten] " if disputed else "") + f"{head}: {text}"


def entry_summary(entry: Any) -> str:
    """One line describing an entry for the entries table."""
    d = entry.data
    k = entry.kind
    if k is EntryKind.OBSERVATION:
        return observation_text(d.kind, d.text, d.source, d.disputed)
    if k is EntryKind.DISPUTE:
        return f"Eintrag bestritten von {d.by_whom}" + (f": {d.note}" if d.note else "")
    if k is EntryKind.REPORT:
        return (f"Meldung eingegangen {when(d.received_at)}: {d.content} "
                "(Angaben zur meldenden Person geschützt)")
    if k is EntryKind.ASSESSMENT:
        who = ", ".join(p.name for p in d.participants)
        return f"Beteiligte: {who}. {d.summary}"
    if k is EntryKind.ISEF:
        pseudo = "pseudonymisiert" if d.pseudonymised else "nicht pseudonymisiert"
        return (f"{d.isef_name} ({d.isef_organisation}), {when(d.consulted_on)}, {pseudo}: "
                f"{d.recommendation}" + (f" – Dissens: {d.dissent}" if d.dissent else ""))
    if k is EntryKind.ISEF_SKIP:
        return f"Grund: {d.reason}"
    if k is EntryKind.INVOLVEMENT:
        if d.done:
            return f"{d.target.value}: am {when(d.on)} – {d.content}"
        return f"{d.target.value}: nicht erfolgt – {d.reason}"
    if k is EntryKind.RESULT:
        return f"{d.category.value}. {d.justification}"
    if k is EntryKind.PLAN:
        return (f"{len(d.measures)} Maßnahme(n), nächste Überprüfung "
                f"{when(d.review_date)}")
    if k is EntryKind.MITTEILUNG:
        text = (f"{when(d.informed_at)} an {d.office} ({d.person}), {d.channel.value}; "
                f"Rechtsgrundlage: {d.legal_basis.value}")
        if d.meeting_on:
            text += f" · gemeinsames Gespräch am {when(d.meeting_on)}"
        return text
    if k is EntryKind.ACUTE:
        text = f"Erkannt {when(d.recognised_at)}: {d.description}"
        if d.immediate_measures:
            text += f" · Sofortmaßnahmen: {d.immediate_measures}"
        if d.calls:
            text += " · Anrufe: " + "; ".join(
                f"{local(c.at):%H:%M} {c.whom} ({c.channel.value})" for c in d.calls)
        return text
    if k is EntryKind.CALL:
        return f"{when(d.at)} {d.whom} ({d.channel.value})" + (f": {d.note}" if d.note else "")
    if k is EntryKind.TASK:
        return f"{d.key.label} – fällig {when(d.due_at)}"
    if k is EntryKind.NOTE:
        return (f"{d.topic}: " if d.topic else "") + str(d.text)
    if k is EntryKind.PSEUDONYM_KEY:
        return "Pseudonymisierter Auszug für die iseF (Zuordnung bleibt in der Akte)"
    if k is EntryKind.HANDOVER:
        return "Ergebnis zur Prüfung an die Leitung gegeben (signiert)" + (
            f": {d.note}" if d.note else "")
    return ""
