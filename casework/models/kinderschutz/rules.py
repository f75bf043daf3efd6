"""The rules of the freier-Träger § 8a machine (legal-reference §1.2 and §6.1, LR-01…LR-17).

Pure functions on a `ProcedureFile`: they return nothing and raise `ValidationError`
(missing or wrong documentation; names the field) or `PermissionDenied` (who may not do
this). The services call them inside the transaction that writes the step.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.errors import PermissionDenied, ValidationError
from casework.models.kinderschutz.findings import IsefConsultation, Result
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.review import ReviewStatus
from casework.models.kinderschutz.vocabulary import (
    FACTUAL_KINDS,
    EntryKind,
    InvolvementTarget,
    ResultCategory,
    State,
    TaskKey,
)
from casework.models.persons.worker import WorkerRole

S = State

# Allowed transitions (legal-reference §1.2 mermaid diagram). Acute danger can surface at
# any point before the Jugendamt has been informed, so SA is reachable from every open
# state up to the review (the diagram draws only S1 → SA; the acute button must work
# wherever the worker is).
TRANSITIONS: dict[State, frozenset[State]] = {
    S.S0: frozenset({S.S1, S.SA}),
    S.S1: frozenset({S.S0, S.S2, S.SA}),
    S.S2: frozenset({S.S3, S.SA}),
    S.S3: frozenset({S.S4, S.SA}),
    S.S4: frozenset({S.S5, S.SA}),
    S.S5: frozenset({S.S6, S.S7, S.S9, S.SA}),
    S.S6: frozenset({S.S6B, S.SA}),
    S.S6B: frozenset({S.S6, S.S2, S.S7, S.S9, S.SA}),
    S.SA: frozenset({S.S7}),
    S.S7: frozenset({S.S8}),
    S.S8: frozenset({S.S9}),
    S.S9: frozenset(),
}

# What the freier Träger may do next, as German action labels. There is deliberately no
# "Inobhutnahme" and no "Familiengericht anrufen": only the Jugendamt can (LR-11).
ACTION_LABELS: dict[State, str] = {
    S.S0: "Zurück zur Wahrnehmung (keine gewichtigen Anhaltspunkte)",
    S.S1: "Gewichtige Anhaltspunkte festhalten (Leitung wird informiert)",
    S.S2: "Gefährdungseinschätzung beginnen",
    S.S3: "Beratung durch die insoweit erfahrene Fachkraft",
    S.S4: "Eltern und Kind einbeziehen",
    S.S5: "Ergebnis festhalten",
    S.S6: "Auf Hilfen hinwirken / Schutzplan",
    S.S6B: "Schutzplan überprüfen",
    S.S7: "Jugendamt / Polizei informieren",
    S.S8: "Nach der Meldung: Zusammenarbeit mit dem Jugendamt",
    S.S9: "Verfahren abschließen",
    S.SA: "Dringende Gefahr – Akutfall",
}

# Where each result category may lead (legal-reference §1.2: S5 → S9 / S6 / S7).
RESULT_TARGETS: dict[ResultCategory, frozenset[State]] = {
    ResultCategory.AKUT: frozenset({S.S7}),
    ResultCategory.LATENT: frozenset({S.S6, S.S7}),
    ResultCategory.HILFEBEDARF: frozenset({S.S6}),
    ResultCategory.KEIN_BEDARF: frozenset({S.S9}),
}

ACTING_ROLES = frozenset({WorkerRole.FACHKRAFT, WorkerRole.LEITUNG,
                          WorkerRole.TEILHABEMANAGEMENT})

# A result may be recorded in S5, and on the acute path afterwards (LR-10 follow-up).
_RESULT_STATES_ACUTE = frozenset({S.SA, S.S7, S.S8})


@dataclass(frozen=True, slots=True)
class ActorInfo:
    worker_id: str
    role: WorkerRole


def actions(file: ProcedureFile) -> list[tuple[State, str]]:
    """The next steps offered in the current state, with their German labels."""
    return [(t, ACTION_LABELS[t]) for t in sorted(TRANSITIONS[file.state], key=_order)]


def _order(state: State) -> int:
    return list(State).index(state)


def check_actor(file: ProcedureFile, actor: ActorInfo) -> None:
    if actor.role not in ACTING_ROLES:
        raise PermissionDenied("Diese Rolle kann im § 8a-Verfahren keine Schritte festhalten.")


def check_not_isef(file: ProcedureFile, actor: ActorInfo, what: str) -> None:
    """LR-04: the iseF advises only; it cannot set the result or close the case."""
    if actor.worker_id in file.isef_worker_ids():
        raise PermissionDenied(
            f"Die insoweit erfahrene Fachkraft berät nur und kann {what} nicht festhalten.")


def check_isef_assignment(file: ProcedureFile, consultation: IsefConsultation) -> None:
    """LR-04: the case-leading worker cannot be the iseF of the same case."""
    if consultation.isef_worker_id and consultation.isef_worker_id == file.procedure.lead_worker_id:
        raise ValidationError(
            "Insoweit erfahrene Fachkraft",
            "die fallführende Fachkraft kann nicht zugleich iseF in diesem Verfahren sein.")


def check_lead(file: ProcedureFile, worker_id: str) -> None:
    """LR-04 the other way round: a worker who advised as iseF cannot lead the case."""
    if worker_id in file.isef_worker_ids():
        raise ValidationError(
            "Fallführende Fachkraft",
            "wer in diesem Verfahren als iseF beraten hat, kann den Fall nicht führen.")


def check_open(file: ProcedureFile) -> None:
    if file.state is S.S9:
        raise ValidationError("Verfahren", "ist abgeschlossen; es kann nur gelesen werden.")


# --------------------------------------------------------------------------- result


def professionals_ok(file: ProcedureFile) -> bool:
    latest = file.latest(EntryKind.ASSESSMENT)
    return latest is not None and latest.data.distinct_professionals() >= 2


def isef_ok(file: ProcedureFile) -> bool:
    if file.of(EntryKind.ISEF):
        return True
    return file.was_acute() and bool(file.of(EntryKind.ISEF_SKIP))


def involvement_ok(file: ProcedureFile) -> bool:
    return all(file.involvement(t) is not None for t in InvolvementTarget)


def check_result(file: ProcedureFile, result: Result, actor: ActorInfo) -> None:
    """Everything a result (S5) needs: LR-02, LR-03, LR-04, LR-06, LR-07."""
    check_actor(file, actor)
    check_open(file)
    if not (file.state is S.S5 or (file.was_acute() and file.state in _RESULT_STATES_ACUTE)):
        raise ValidationError("Ergebnis",
                              f"kann im Schritt „{file.state.label}“ nicht festgehalten werden.")
    check_not_isef(file, actor, "das Ergebnis")
    if not professionals_ok(file):  # LR-02
        raise ValidationError(
            "Beteiligte Fachkräfte",
            "an der Gefährdungseinschätzung müssen mindestens zwei verschiedene Fachkräfte "
            "beteiligt sein.")
    if not isef_ok(file):  # LR-03
        raise ValidationError(
            "Beratung durch die iseF",
            "vor dem Ergebnis muss die Beratung durch die insoweit erfahrene Fachkraft "
            "dokumentiert sein (nur im Akutfall mit Begründung verzichtbar).")
    for target in InvolvementTarget:  # LR-06
        if file.involvement(target) is None:
            raise ValidationError(
                f"Einbeziehung {target.value}",
                "dokumentieren: Datum und Inhalt, oder „nicht erfolgt“ mit Grund.")
    facts = {e.id: e.data for e in file.observations()}
    for fact_id in result.fact_ids:  # LR-07
        observation = facts.get(fact_id)
        if observation is None:
            raise ValidationError("Tragende Tatsachen", "verweist auf einen unbekannten Eintrag.")
    if not any(facts[f].kind in FACTUAL_KINDS for f in result.fact_ids):
        raise ValidationError(
            "Tragende Tatsachen",
            "mindestens ein verknüpfter Eintrag muss ein Fakt, eine Beobachtung oder eine "
            "Aussage Dritter sein (keine Hypothese oder Bewertung).")


# --------------------------------------------------------------------------- transitions


def open_tasks(file: ProcedureFile) -> list[TaskKey]:
    """Acute-path follow-ups (LR-10) that are not yet done, derived from the content."""
    done = {
        TaskKey.EINSCHAETZUNG: professionals_ok(file),
        TaskKey.ISEF: isef_ok(file),
        TaskKey.EINBEZIEHUNG: involvement_ok(file),
        TaskKey.ERGEBNIS: file.current_result() is not None,
    }
    keys = [e.data.key for e in file.of(EntryKind.TASK)]
    return [k for k in dict.fromkeys(keys) if not done[k]]


# Steps that build on the result and therefore wait for the Leitung's approval of it.
GATED_BY_RESULT_REVIEW = frozenset({S.S6, S.S7})


def result_review_blocker(status: ReviewStatus | None) -> str | None:
    """Why the steps after the result are not possible yet (None: the Leitung approved)."""
    if status is ReviewStatus.FREIGEGEBEN:
        return None
    if status is ReviewStatus.IN_ARBEIT or status is None:
        return ("das Ergebnis zuerst „An die Leitung geben“; weiter geht es nach ihrer "
                "Freigabe (bei dringender Gefahr: „Akut“).")
    if status is ReviewStatus.ZURUECKGEGEBEN:
        return ("die Leitung hat das Ergebnis zurückgegeben: bitte überarbeiten und erneut "
                "an die Leitung geben.")
    return ("die Prüfung des Ergebnisses durch die Leitung ist noch offen (bei dringender "
            "Gefahr: „Akut“).")


def check_transition(file: ProcedureFile, target: State, actor: ActorInfo, reason: str = "",
                     *, open_reviews: int = 0,
                     result_review: ReviewStatus | None = None) -> None:
    """Raise unless `actor` may move `file` to `target` now. `open_reviews` is the number of
    Leitung review items not yet approved (closing needs none); `result_review` is the
    status of the Leitung's review of the current result: the steps that build on the
    result (helps, informing the Jugendamt) wait for her approval. The acute path (SA)
    never waits."""
    check_actor(file, actor)
    check_open(file)
    source = file.state
    if target not in TRANSITIONS[source]:
        raise ValidationError(
            "Nächster Schritt",
            f"von „{source.label}“ geht es nicht direkt zu „{target.label}“.")
    if target is S.S0 and not reason.strip():
        raise ValidationError("Begründung",
                              "warum keine gewichtigen Anhaltspunkte vorliegen, angeben.")
    if target is S.S1 and not file.of(EntryKind.OBSERVATION):
        raise ValidationError("Wahrnehmung", "zuerst mindestens eine Beobachtung festhalten.")
    if target is S.SA and not file.since(EntryKind.ACUTE, source):
        raise ValidationError("Akutfall", "Zeitpunkt und Geschehen des Akutfalls festhalten.")
    if target is S.S3 and not file.since(EntryKind.ASSESSMENT, S.S2):
        raise ValidationError("Gefährdungseinschätzung",
                              "zuerst eine Einschätzung (mit Beteiligten) festhalten.")
    if target is S.S4 and not isef_ok(file):
        raise ValidationError("Beratung durch die iseF",
                              "Datum, iseF, Pseudonymisierung und Empfehlung dokumentieren.")
    if target is S.S5:
        for who in InvolvementTarget:
            if file.involvement(who) is None:
                raise ValidationError(
                    f"Einbeziehung {who.value}",
                    "dokumentieren: Datum und Inhalt, oder „nicht erfolgt“ mit Grund.")
    if source is S.S5 and target is not S.SA:
        current = file.current_result()
        if current is None:
            raise ValidationError("Ergebnis", "zuerst das Ergebnis festhalten.")
        if target not in RESULT_TARGETS[current.data.category]:
            raise ValidationError(
                "Nächster Schritt",
                f"passt nicht zum Ergebnis „{current.data.category.value}“.")
        if target in GATED_BY_RESULT_REVIEW:
            blocked = result_review_blocker(result_review)
            if blocked is not None:
                raise ValidationError("Leitung", blocked)
    if target is S.S6B and file.current_plan() is None:
        raise ValidationError("Schutzplan", "zuerst einen Schutzplan festhalten.")
    if target is S.S6 and file.current_plan() is None and source is S.S6B:
        raise ValidationError("Schutzplan", "zuerst einen Schutzplan festhalten.")
    if source is S.S6B and target is not S.SA and not file.since(EntryKind.ASSESSMENT, S.S6B):
        raise ValidationError("Überprüfung",
                              "das Ergebnis der Überprüfung als neue Einschätzung festhalten.")
    if target is S.S8 and not file.since(EntryKind.MITTEILUNG, S.S7):
        raise ValidationError("Mitteilung an das Jugendamt",
                              "zuerst die Mitteilung an das Jugendamt dokumentieren.")
    if target is S.S9:
        check_not_isef(file, actor, "den Abschluss")
        if not reason.strip():
            raise ValidationError("Grund des Abschlusses", "muss angegeben werden.")
        if not file.procedure.child_ids:  # an acute start may have skipped the selection
            raise ValidationError("Betroffene Kinder", "vor dem Abschluss zuordnen.")
        pending = open_tasks(file)
        if pending:
            raise ValidationError("Offene Nacharbeiten",
                                  "; ".join(k.label for k in pending) + ".")
        if open_reviews:
            raise ValidationError(
                "Leitung",
                f"{open_reviews} Prüfung(en) durch die Leitung sind noch nicht freigegeben.")
