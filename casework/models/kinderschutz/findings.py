"""Entries of the assessment phase of a § 8a procedure: observations and disputes,
assessment versions with module ratings, consultation of the insoweit erfahrene Fachkraft,
involvement of parents and child, and result versions. Append-only; corrections are new
entries. Pure: no Qt, no SQL, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from casework.errors import ValidationError
from casework.models.contacts import NoteKind
from casework.models.ids import PersonId, WorkerId
from casework.models.kinderschutz.vocabulary import (
    InvolvementTarget,
    Rating,
    ResultCategory,
    aware_field,
    iso_or_none,
    need_datetime,
    parse_date,
    text_field,
)


@dataclass(frozen=True, slots=True)
class Observation:
    """One typed observation entry (LR-09). `disputed` = "bestritten" (§ 84 Abs. 2 SGB X)."""

    observed_at: datetime
    kind: NoteKind
    text: str
    source: str = ""  # required for Aussage Dritter
    disputed: bool = False

    def validated(self, now: datetime) -> Observation:
        observed = aware_field(self.observed_at, "Zeitpunkt der Wahrnehmung")
        if observed > now:
            raise ValidationError("Zeitpunkt der Wahrnehmung", "liegt in der Zukunft.")
        if self.kind not in tuple(NoteKind):  # no default: fact or hypothesis is a judgement
            raise ValidationError("Art des Eintrags",
                                  "bitte wählen (Fakt, Beobachtung, Aussage Dritter, "
                                  "Hypothese oder Bewertung).")
        kind = NoteKind(self.kind)
        source = text_field(self.source, "Quelle", required=kind is NoteKind.AUSSAGE_DRITTER)
        return Observation(observed, kind, text_field(self.text, "Beobachtung"), source,
                           self.disputed)

    def to_payload(self) -> dict[str, Any]:
        return {"observed_at": iso_or_none(self.observed_at), "kind": self.kind.value,
                "text": self.text, "source": self.source, "disputed": self.disputed}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Observation:
        return Observation(need_datetime(p["observed_at"]), NoteKind(p["kind"]), p["text"],
                           p.get("source", ""), bool(p.get("disputed", False)))

    def label(self) -> str:
        label = self.kind.value
        if self.source:
            label += f" ({self.source})"
        if self.disputed:
            label += " – bestritten"
        return label


@dataclass(frozen=True, slots=True)
class Dispute:
    """Marks an observation as "bestritten" later (append-only; LR-09)."""

    observation_id: str
    by_whom: str  # e.g. "Mutter", "Vater" — who disputes it
    note: str = ""

    def validated(self) -> Dispute:
        return Dispute(text_field(self.observation_id, "Eintrag"),
                       text_field(self.by_whom, "Bestritten von"),
                       text_field(self.note, "Anmerkung", required=False))

    def to_payload(self) -> dict[str, Any]:
        return {"observation_id": self.observation_id, "by_whom": self.by_whom, "note": self.note}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Dispute:
        return Dispute(p["observation_id"], p["by_whom"], p.get("note", ""))


@dataclass(frozen=True, slots=True)
class Participant:
    """A professional taking part in an assessment (LR-02)."""

    name: str
    function: str = ""  # "fallführende Fachkraft", "Leitung", "Kollegin Team Süd" …
    worker_id: WorkerId | None = None  # set when the person works in this vault

    def key(self) -> str:
        return f"w:{self.worker_id}" if self.worker_id else f"n:{self.name.casefold().strip()}"


@dataclass(frozen=True, slots=True)
class ModuleRating:
    module: str
    rating: Rating


@dataclass(frozen=True, slots=True)
class Assessment:
    """One immutable version of the Gefährdungseinschätzung (LR-08). It carries no result:
    instrument ratings never fill in the result (LR-17)."""

    assessed_at: datetime
    participants: tuple[Participant, ...]
    summary: str  # fachliche Einschätzung in words
    instrument: str = ""
    instrument_version: str = ""
    ratings: tuple[ModuleRating, ...] = ()
    resources: str = ""  # Ressourcen / Schutzfaktoren
    risks: str = ""  # Risikofaktoren
    cooperation: str = ""  # Kooperations- und Veränderungsbereitschaft
    safety: str = ""  # Sicherheitseinschätzung
    fact_ids: tuple[str, ...] = ()
    child_ids: tuple[PersonId, ...] = ()

    def validated(self, now: datetime) -> Assessment:
        at = aware_field(self.assessed_at, "Datum der Einschätzung")
        if at > now:
            raise ValidationError("Datum der Einschätzung", "liegt in der Zukunft.")
        participants = []
        for p in self.participants:
            name = text_field(p.name, "Beteiligte Fachkraft")
            participants.append(Participant(name, p.function.strip(), p.worker_id))
        if not participants:
            raise ValidationError("Beteiligte Fachkräfte", "mindestens eine Person angeben.")
        modules = [r.module.strip() for r in self.ratings]
        if any(not m for m in modules):
            raise ValidationError("Modul", "darf nicht leer sein.")
        if len(set(modules)) != len(modules):
            raise ValidationError("Modul", "ist doppelt bewertet.")
        if any(r.rating not in tuple(Rating) for r in self.ratings):  # never a default
            raise ValidationError("Modul", "für jedes Modul eine Bewertung ausdrücklich "
                                           "wählen.")
        if (self.instrument_version or self.ratings) and not self.instrument.strip():
            raise ValidationError("Instrument", "bei Bewertungen ist das Instrument anzugeben.")
        return Assessment(
            at, tuple(participants), text_field(self.summary, "Fachliche Einschätzung"),
            self.instrument.strip(), self.instrument_version.strip(),
            tuple(ModuleRating(r.module.strip(), Rating(r.rating)) for r in self.ratings),
            self.resources.strip(), self.risks.strip(), self.cooperation.strip(),
            self.safety.strip(), tuple(dict.fromkeys(self.fact_ids)),
            tuple(dict.fromkeys(self.child_ids)),
        )

    def distinct_professionals(self) -> int:
        return len({p.key() for p in self.participants})

    def to_payload(self) -> dict[str, Any]:
        return {
            "assessed_at": iso_or_none(self.assessed_at),
            "participants": [{"name": p.name, "function": p.function, "worker_id": p.worker_id}
                             for p in self.participants],
            "summary": self.summary, "instrument": self.instrument,
            "instrument_version": self.instrument_version,
            "ratings": [[r.module, r.rating.value] for r in self.ratings],
            "resources": self.resources, "risks": self.risks, "cooperation": self.cooperation,
            "safety": self.safety, "fact_ids": list(self.fact_ids),
            "child_ids": list(self.child_ids),
        }

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Assessment:
        return Assessment(
            need_datetime(p["assessed_at"]),
            tuple(Participant(x["name"], x.get("function", ""),
                              WorkerId(x["worker_id"]) if x.get("worker_id") else None)
                  for x in p["participants"]),
            p["summary"], p.get("instrument", ""), p.get("instrument_version", ""),
            tuple(ModuleRating(m, Rating(r)) for m, r in p.get("ratings", [])),
            p.get("resources", ""), p.get("risks", ""), p.get("cooperation", ""),
            p.get("safety", ""), tuple(p.get("fact_ids", [])),
            tuple(PersonId(c) for c in p.get("child_ids", [])),
        )


@dataclass(frozen=True, slots=True)
class IsefConsultation:
    """Beratung durch die insoweit erfahrene Fachkraft (LR-03, LR-04, LR-05)."""

    consulted_on: date
    isef_name: str
    isef_organisation: str
    pseudonymised: bool
    recommendation: str
    dissent: str = ""  # Dissens; empty = none
    questions: str = ""
    not_pseudonymised_reason: str = ""  # LR-05: opting out needs a documented reason
    isef_worker_id: WorkerId | None = None  # internal iseF working in this vault

    def validated(self, today: date) -> IsefConsultation:
        if self.consulted_on is None:
            raise ValidationError("Datum der Beratung", "muss angegeben werden.")
        if self.consulted_on > today:
            raise ValidationError("Datum der Beratung", "liegt in der Zukunft.")
        reason = text_field(self.not_pseudonymised_reason,
                            "Grund für nicht pseudonymisierte Beratung",
                            required=not self.pseudonymised)
        return IsefConsultation(
            self.consulted_on, text_field(self.isef_name, "Insoweit erfahrene Fachkraft"),
            text_field(self.isef_organisation, "Organisation der iseF"), bool(self.pseudonymised),
            text_field(self.recommendation, "Empfehlung der iseF"),
            text_field(self.dissent, "Dissens", required=False),
            text_field(self.questions, "Fragestellung", required=False),
            reason if not self.pseudonymised else "", self.isef_worker_id,
        )

    def to_payload(self) -> dict[str, Any]:
        return {"consulted_on": iso_or_none(self.consulted_on), "isef_name": self.isef_name,
                "isef_organisation": self.isef_organisation,
                "pseudonymised": self.pseudonymised, "recommendation": self.recommendation,
                "dissent": self.dissent, "questions": self.questions,
                "not_pseudonymised_reason": self.not_pseudonymised_reason,
                "isef_worker_id": self.isef_worker_id}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> IsefConsultation:
        consulted = parse_date(p["consulted_on"])
        assert consulted is not None
        return IsefConsultation(
            consulted, p["isef_name"], p["isef_organisation"], bool(p["pseudonymised"]),
            p["recommendation"], p.get("dissent", ""), p.get("questions", ""),
            p.get("not_pseudonymised_reason", ""),
            WorkerId(p["isef_worker_id"]) if p.get("isef_worker_id") else None)


@dataclass(frozen=True, slots=True)
class IsefSkip:
    """No iseF consultation before the result: acute path only, reason mandatory (LR-03)."""

    reason: str

    def validated(self) -> IsefSkip:
        return IsefSkip(text_field(self.reason, "Grund für den Verzicht auf die iseF-Beratung"))

    def to_payload(self) -> dict[str, Any]:
        return {"reason": self.reason}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> IsefSkip:
        return IsefSkip(p["reason"])


@dataclass(frozen=True, slots=True)
class Involvement:
    """Einbeziehung der Eltern / des Kindes (LR-06): documented (date + content) or
    "nicht erfolgt" with the mandatory reason (§ 8a Abs. 4 S. 1 Nr. 3)."""

    target: InvolvementTarget
    done: bool
    on: date | None = None
    content: str = ""  # what was discussed, the views of parents / the child
    reason: str = ""  # why not: "wirksamer Schutz in Frage gestellt: …"
    person_ids: tuple[PersonId, ...] = ()

    def validated(self, today: date) -> Involvement:
        target = InvolvementTarget(self.target)
        label = f"Einbeziehung {target.value}"
        if self.done:
            if self.on is None:
                raise ValidationError(f"{label} – Datum", "muss angegeben werden.")
            if self.on > today:
                raise ValidationError(f"{label} – Datum", "liegt in der Zukunft.")
            return Involvement(target, True, self.on, text_field(self.content, f"{label} – Inhalt"),
                               "", tuple(dict.fromkeys(self.person_ids)))
        return Involvement(target, False, None, "",
                           text_field(self.reason, f"{label} – Grund, warum sie nicht erfolgt ist"),
                           tuple(dict.fromkeys(self.person_ids)))

    def to_payload(self) -> dict[str, Any]:
        return {"target": self.target.value, "done": self.done, "on": iso_or_none(self.on),
                "content": self.content, "reason": self.reason,
                "person_ids": list(self.person_ids)}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Involvement:
        return Involvement(InvolvementTarget(p["target"]), bool(p["done"]), parse_date(p.get("on")),
                           p.get("content", ""), p.get("reason", ""),
                           tuple(PersonId(x) for x in p.get("person_ids", [])))


@dataclass(frozen=True, slots=True)
class Result:
    """Ergebnis (S5): exactly one category, justification, linked facts (LR-07)."""

    category: ResultCategory
    justification: str
    fact_ids: tuple[str, ...]
    assessment_id: str = ""  # the assessment version it rests on (set by the service)

    def validated(self) -> Result:
        if self.category is None or self.category not in set(ResultCategory):
            raise ValidationError("Ergebnis", "bitte genau eine der vier Kategorien wählen.")
        facts = tuple(dict.fromkeys(f for f in self.fact_ids if f))
        if not facts:
            raise ValidationError("Tragende Tatsachen",
                                  "mindestens einen Fakt-Eintrag mit dem Ergebnis verknüpfen.")
        return Result(ResultCategory(self.category),
                      text_field(self.justification, "Begründung des Ergebnisses"), facts,
                      self.assessment_id)

    def to_payload(self) -> dict[str, Any]:
        return {"category": self.category.value, "justification": self.justification,
                "fact_ids": list(self.fact_ids), "assessment_id": self.assessment_id}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Result:
        return Result(ResultCategory(p["category"]), p["justification"], tuple(p["fact_ids"]),
                      p.get("assessment_id", ""))
