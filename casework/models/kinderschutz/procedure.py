"""§ 8a SGB VIII child-protection procedure, profile "freier Träger" (legal-reference §1.2).

A procedure (`Procedure`) is its own record, linked to a household and the child(ren)
concerned. Everything professional that happens in it is an append-only, dated entry
(`Entry[...]`): observations (LR-09), assessment versions (LR-08), iseF consultations
(LR-03), involvement of parents and child (LR-06), result versions (LR-07), protection-plan
versions (LR-14), notifications to the Jugendamt (LR-12), acute records (LR-10).
Corrections are new entries, never overwrites. `ProcedureFile` bundles a procedure with all
its entries and transitions; the rules in `casework.models.kinderschutz.rules` work on it.

Payloads are JSON-able dicts (`to_payload` / `*.from_payload`) so storage keeps one
append-only entries table. This module is pure: no Qt, no SQL, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.contacts import NoteKind
from casework.models.ids import HouseholdId, PersonId, WorkerId

# --------------------------------------------------------------------------- enums


class State(StrEnum):
    """States of the freier-Träger machine (legal-reference §1.2)."""

    S0 = "S0"
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"
    S5 = "S5"
    S6 = "S6"
    S6B = "S6b"
    S7 = "S7"
    S8 = "S8"
    S9 = "S9"
    SA = "SA"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.S0: "Wahrnehmung",
    State.S1: "Gewichtige Anhaltspunkte",
    State.S2: "Gefährdungseinschätzung",
    State.S3: "Beratung durch die insoweit erfahrene Fachkraft",
    State.S4: "Einbeziehung Eltern/Kind",
    State.S5: "Ergebnis",
    State.S6: "Hinwirken auf Hilfen / Schutzplan",
    State.S6B: "Überprüfung",
    State.S7: "Information an das Jugendamt",
    State.S8: "Nach der Meldung",
    State.S9: "Abschluss",
    State.SA: "Akut – dringende Gefahr",
}


class ResultCategory(StrEnum):
    """The four outcomes of the official § 8a statistics (LR-07, legal-reference §2.3)."""

    AKUT = "akute Kindeswohlgefährdung"
    LATENT = "latente Kindeswohlgefährdung"
    HILFEBEDARF = "keine Kindeswohlgefährdung, aber Hilfe-/Unterstützungsbedarf"
    KEIN_BEDARF = "keine Kindeswohlgefährdung und kein (weiterer) Hilfebedarf"


class LegalBasis(StrEnum):
    """Rechtsgrundlage der Übermittlung an das Jugendamt (LR-12, legal-reference §1.6)."""

    VEREINBARUNG = "Vereinbarung nach § 8a Abs. 4 SGB VIII"
    KKG_4_3 = "§ 4 Abs. 3 KKG"
    EINWILLIGUNG = "Einwilligung"
    SGB8_65_1_5 = "§ 65 Abs. 1 Nr. 5 SGB VIII"
    STGB_34 = "§ 34 StGB"


class Channel(StrEnum):
    TELEFON = "Telefon"
    PERSOENLICH = "persönlich"
    SCHRIFTLICH = "schriftlich"
    EMAIL = "E-Mail"
    FAX = "Fax"
    NOTRUF = "Notruf"
    SONSTIGES = "sonstiger Weg"


class Rating(StrEnum):
    """Four-point module scale of the Stuttgart/Düsseldorf instruments (LR-16)."""

    SEHR_SCHLECHT = "sehr schlecht"
    SCHLECHT = "schlecht"
    AUSREICHEND = "ausreichend"
    GUT = "gut"


class MeasureStatus(StrEnum):
    OFFEN = "offen"
    ERLEDIGT = "erledigt"
    NICHT_EINGEHALTEN = "nicht eingehalten"


class InvolvementTarget(StrEnum):
    ELTERN = "Eltern"
    KIND = "Kind"


class EntryKind(StrEnum):
    OBSERVATION = "observation"
    DISPUTE = "dispute"
    ASSESSMENT = "assessment"
    ISEF = "isef"
    ISEF_SKIP = "isef_skip"
    INVOLVEMENT = "involvement"
    RESULT = "result"
    PLAN = "plan"
    MITTEILUNG = "mitteilung"
    ACUTE = "acute"
    CALL = "call"
    TASK = "task"
    NOTE = "note"
    PSEUDONYM_KEY = "pseudonym_key"
    REPORT = "report"
    HANDOVER = "handover"


class TaskKey(StrEnum):
    """Follow-up tasks of the acute path: complete S2–S5 afterwards (LR-10)."""

    EINSCHAETZUNG = "einschaetzung"
    ISEF = "isef"
    EINBEZIEHUNG = "einbeziehung"
    ERGEBNIS = "ergebnis"

    @property
    def label(self) -> str:
        return {
            TaskKey.EINSCHAETZUNG: "Gefährdungseinschätzung mit zwei Fachkräften nachholen",
            TaskKey.ISEF: "Beratung durch die iseF nachholen oder Verzicht begründen",
            TaskKey.EINBEZIEHUNG: "Einbeziehung von Eltern und Kind dokumentieren",
            TaskKey.ERGEBNIS: "Ergebnis der Gefährdungseinschätzung festhalten",
        }[self]


# Factual kinds a result may rest on (LR-07 "links to at least one fact entry").
FACTUAL_KINDS = frozenset({NoteKind.FAKT, NoteKind.BEOBACHTUNG, NoteKind.AUSSAGE_DRITTER})

# Shown next to instrument ratings (LR-17, Sachsen form note).
INSTRUMENT_NOTE = (
    "Einschätzungsbögen sind nicht schematisch anzuwenden und ersetzen nicht das "
    "Fachgespräch; das Ergebnis ist eine fachliche Entscheidung."
)

# --------------------------------------------------------------------------- helpers


def _text(value: str, label: str, *, required: bool = True, limit: int = 20000) -> str:
    clean = value.strip()
    if required and not clean:
        raise ValidationError(label, "muss ausgefüllt werden.")
    if len(clean) > limit:
        raise ValidationError(label, f"ist zu lang (höchstens {limit} Zeichen).")
    return clean


def _aware(value: datetime | None, label: str) -> datetime:
    if value is None:
        raise ValidationError(label, "muss angegeben werden.")
    if value.tzinfo is None:
        raise ValidationError(label, "ohne Zeitzone.")
    return value


def _dt(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value)


def _d(value: str | None) -> date | None:
    return None if not value else date.fromisoformat(value)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _need_dt(value: str | None) -> datetime:
    result = _dt(value)
    assert result is not None
    return result


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class Observation:
    """One typed observation entry (LR-09). `disputed` = "bestritten" (§ 84 Abs. 2 SGB X)."""

    observed_at: datetime
    kind: NoteKind
    text: str
    source: str = ""  # required for Aussage Dritter
    disputed: bool = False

    def validated(self, now: datetime) -> Observation:
        observed = _aware(self.observed_at, "Zeitpunkt der Wahrnehmung")
        if observed > now:
            raise ValidationError("Zeitpunkt der Wahrnehmung", "liegt in der Zukunft.")
        if self.kind not in tuple(NoteKind):  # no default: fact or hypothesis is a judgement
            raise ValidationError("Art des Eintrags",
                                  "bitte wählen (Fakt, Beobachtung, Aussage Dritter, "
                                  "Hypothese oder Bewertung).")
        kind = NoteKind(self.kind)
        source = _text(self.source, "Quelle", required=kind is NoteKind.AUSSAGE_DRITTER)
        return Observation(observed, kind, _text(self.text, "Beobachtung"), source,
                           self.disputed)

    def to_payload(self) -> dict[str, Any]:
        return {"observed_at": _iso(self.observed_at), "kind": self.kind.value,
                "text": self.text, "source": self.source, "disputed": self.disputed}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Observation:
        return Observation(_need_dt(p["observed_at"]), NoteKind(p["kind"]), p["text"],
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
        return Dispute(_text(self.observation_id, "Eintrag"), _text(self.by_whom, "Bestritten von"),
                       _text(self.note, "Anmerkung", required=False))

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
        at = _aware(self.assessed_at, "Datum der Einschätzung")
        if at > now:
            raise ValidationError("Datum der Einschätzung", "liegt in der Zukunft.")
        participants = []
        for p in self.participants:
            name = _text(p.name, "Beteiligte Fachkraft")
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
            at, tuple(participants), _text(self.summary, "Fachliche Einschätzung"),
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
            "assessed_at": _iso(self.assessed_at),
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
            _need_dt(p["assessed_at"]),
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
        reason = _text(self.not_pseudonymised_reason, "Grund für nicht pseudonymisierte Beratung",
                       required=not self.pseudonymised)
        return IsefConsultation(
            self.consulted_on, _text(self.isef_name, "Insoweit erfahrene Fachkraft"),
            _text(self.isef_organisation, "Organisation der iseF"), bool(self.pseudonymised),
            _text(self.recommendation, "Empfehlung der iseF"),
            _text(self.dissent, "Dissens", required=False),
            _text(self.questions, "Fragestellung", required=False),
            reason if not self.pseudonymised else "", self.isef_worker_id,
        )

    def to_payload(self) -> dict[str, Any]:
        return {"consulted_on": _iso(self.consulted_on), "isef_name": self.isef_name,
                "isef_organisation": self.isef_organisation,
                "pseudonymised": self.pseudonymised, "recommendation": self.recommendation,
                "dissent": self.dissent, "questions": self.questions,
                "not_pseudonymised_reason": self.not_pseudonymised_reason,
                "isef_worker_id": self.isef_worker_id}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> IsefConsultation:
        consulted = _d(p["consulted_on"])
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
        return IsefSkip(_text(self.reason, "Grund für den Verzicht auf die iseF-Beratung"))

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
            return Involvement(target, True, self.on, _text(self.content, f"{label} – Inhalt"),
                               "", tuple(dict.fromkeys(self.person_ids)))
        return Involvement(target, False, None, "",
                           _text(self.reason, f"{label} – Grund, warum sie nicht erfolgt ist"),
                           tuple(dict.fromkeys(self.person_ids)))

    def to_payload(self) -> dict[str, Any]:
        return {"target": self.target.value, "done": self.done, "on": _iso(self.on),
                "content": self.content, "reason": self.reason,
                "person_ids": list(self.person_ids)}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Involvement:
        return Involvement(InvolvementTarget(p["target"]), bool(p["done"]), _d(p.get("on")),
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
                      _text(self.justification, "Begründung des Ergebnisses"), facts,
                      self.assessment_id)

    def to_payload(self) -> dict[str, Any]:
        return {"category": self.category.value, "justification": self.justification,
                "fact_ids": list(self.fact_ids), "assessment_id": self.assessment_id}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Result:
        return Result(ResultCategory(p["category"]), p["justification"], tuple(p["fact_ids"]),
                      p.get("assessment_id", ""))


@dataclass(frozen=True, slots=True)
class Measure:
    measure: str
    responsible: str
    due: date
    verification: str  # how it is checked
    consequence: str  # what happens if it is not kept (e.g. informing the Jugendamt)
    status: MeasureStatus = MeasureStatus.OFFEN


@dataclass(frozen=True, slots=True)
class SafetyPlan:
    """Schutzplan / Vereinbarung mit den Sorgeberechtigten (LR-14); each save is a version."""

    measures: tuple[Measure, ...]
    review_date: date | None
    agreed_with: str = ""  # with whom it was agreed (e.g. "Mutter")
    agreed_on: date | None = None
    notes: str = ""

    def validated(self, today: date) -> SafetyPlan:
        if not self.measures:
            raise ValidationError("Maßnahmen", "mindestens eine Maßnahme angeben.")
        if self.review_date is None:
            raise ValidationError("Nächste Überprüfung", "ein Datum ist Pflicht.")
        measures = []
        for number, m in enumerate(self.measures, start=1):
            label = f"Maßnahme {number}"
            if m.due is None:
                raise ValidationError(f"{label} – bis wann", "muss angegeben werden.")
            measures.append(Measure(
                _text(m.measure, f"{label} – was"), _text(m.responsible, f"{label} – wer"),
                m.due, _text(m.verification, f"{label} – Überprüfung"),
                _text(m.consequence, f"{label} – Folge bei Nichteinhaltung"),
                MeasureStatus(m.status)))
        return SafetyPlan(tuple(measures), self.review_date, self.agreed_with.strip(),
                          self.agreed_on, self.notes.strip())

    def to_payload(self) -> dict[str, Any]:
        return {
            "measures": [{"measure": m.measure, "responsible": m.responsible,
                          "due": _iso(m.due), "verification": m.verification,
                          "consequence": m.consequence, "status": m.status.value}
                         for m in self.measures],
            "review_date": _iso(self.review_date), "agreed_with": self.agreed_with,
            "agreed_on": _iso(self.agreed_on), "notes": self.notes,
        }

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> SafetyPlan:
        measures = []
        for m in p["measures"]:
            due = _d(m["due"])
            assert due is not None
            measures.append(Measure(m["measure"], m["responsible"], due, m["verification"],
                                    m["consequence"], MeasureStatus(m["status"])))
        return SafetyPlan(tuple(measures), _d(p["review_date"]), p.get("agreed_with", ""),
                          _d(p.get("agreed_on")), p.get("notes", ""))


@dataclass(frozen=True, slots=True)
class Mitteilung:
    """Mitteilung an das Jugendamt (LR-12; legal-reference §1.6, §2.1 G)."""

    informed_at: datetime | None
    office: str  # Jugendamt / ASD-Bezirk / Bereitschaftsdienst
    person: str  # who received it
    channel: Channel | None
    content: str  # content sent or name of the attachment
    legal_basis: LegalBasis | None
    prior_notice_on: date | None = None  # Betroffene vorab informiert am …
    no_prior_notice_reason: str = ""  # … / nicht, weil …
    reason: str = ""  # why (help not used, not sufficient, uncertainty …)
    attachment: str = ""
    # The joint meeting of all involved, if one was held, and who takes on which
    # responsibility from now on (the § 8a agreement's step 4, sources 000:2132).
    meeting_on: date | None = None
    meeting_participants: str = ""
    responsibilities: str = ""

    def validated(self, now: datetime) -> Mitteilung:
        at = _aware(self.informed_at, "Datum/Uhrzeit der Mitteilung")
        if at > now:
            raise ValidationError("Datum/Uhrzeit der Mitteilung", "liegt in der Zukunft.")
        if self.channel is None:
            raise ValidationError("Übermittlungsweg", "muss gewählt werden.")
        if self.legal_basis is None:
            raise ValidationError("Rechtsgrundlage der Übermittlung", "muss gewählt werden.")
        content = self.content.strip()
        attachment = self.attachment.strip()
        if not content and not attachment:
            raise ValidationError("Inhalt der Mitteilung", "Inhalt oder Anlage angeben.")
        no_notice = self.no_prior_notice_reason.strip()
        if (self.prior_notice_on is None) == (not no_notice):
            raise ValidationError(
                "Betroffene vorab informiert",
                "entweder das Datum der Information oder den Grund angeben, warum nicht.")
        participants = self.meeting_participants.strip()
        if self.meeting_on is not None:
            if self.meeting_on > now.astimezone(BERLIN).date():
                raise ValidationError("Gemeinsames Gespräch – Datum", "liegt in der Zukunft.")
            if not participants:
                raise ValidationError("Gemeinsames Gespräch – Beteiligte",
                                      "bitte angeben, wer teilgenommen hat.")
        elif participants:
            raise ValidationError("Gemeinsames Gespräch – Datum",
                                  "bitte das Datum des Gesprächs angeben.")
        return Mitteilung(at, _text(self.office, "Jugendamt / Stelle"),
                          _text(self.person, "Ansprechperson beim Jugendamt"),
                          Channel(self.channel), content, LegalBasis(self.legal_basis),
                          self.prior_notice_on, no_notice, self.reason.strip(), attachment,
                          self.meeting_on, participants,
                          _text(self.responsibilities, "Verantwortlichkeiten", required=False))

    def to_payload(self) -> dict[str, Any]:
        assert self.channel is not None and self.legal_basis is not None
        return {"informed_at": _iso(self.informed_at), "office": self.office,
                "person": self.person, "channel": self.channel.value, "content": self.content,
                "legal_basis": self.legal_basis.value,
                "prior_notice_on": _iso(self.prior_notice_on),
                "no_prior_notice_reason": self.no_prior_notice_reason, "reason": self.reason,
                "attachment": self.attachment, "meeting_on": _iso(self.meeting_on),
                "meeting_participants": self.meeting_participants,
                "responsibilities": self.responsibilities}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Mitteilung:
        return Mitteilung(_dt(p["informed_at"]), p["office"], p["person"], Channel(p["channel"]),
                          p["content"], LegalBasis(p["legal_basis"]), _d(p.get("prior_notice_on")),
                          p.get("no_prior_notice_reason", ""), p.get("reason", ""),
                          p.get("attachment", ""), _d(p.get("meeting_on")),
                          p.get("meeting_participants", ""), p.get("responsibilities", ""))


@dataclass(frozen=True, slots=True)
class Call:
    """Who was called on the acute path and when (LR-10)."""

    at: datetime
    whom: str  # person or office: "Jugendamt Notdienst", "Polizei 110" …
    channel: Channel = Channel.TELEFON
    note: str = ""

    def validated(self, now: datetime) -> Call:
        at = _aware(self.at, "Uhrzeit des Anrufs")
        if at > now:
            raise ValidationError("Uhrzeit des Anrufs", "liegt in der Zukunft.")
        return Call(at, _text(self.whom, "Angerufene Person/Stelle"), Channel(self.channel),
                    self.note.strip())

    def to_payload(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "whom": self.whom, "channel": self.channel.value,
                "note": self.note}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Call:
        return Call(_need_dt(p["at"]), p["whom"], Channel(p["channel"]), p.get("note", ""))


@dataclass(frozen=True, slots=True)
class Acute:
    """"Dringende Gefahr" (SA, LR-10): when it was recognised, what was done, who was called."""

    recognised_at: datetime
    description: str
    immediate_measures: str = ""
    calls: tuple[Call, ...] = ()

    def validated(self, now: datetime) -> Acute:
        at = _aware(self.recognised_at, "Zeitpunkt des Erkennens")
        if at > now:
            raise ValidationError("Zeitpunkt des Erkennens", "liegt in der Zukunft.")
        return Acute(at, _text(self.description, "Was ist passiert?"),
                     self.immediate_measures.strip(), tuple(c.validated(now) for c in self.calls))

    def to_payload(self) -> dict[str, Any]:
        return {"recognised_at": _iso(self.recognised_at), "description": self.description,
                "immediate_measures": self.immediate_measures,
                "calls": [c.to_payload() for c in self.calls]}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Acute:
        return Acute(_need_dt(p["recognised_at"]), p["description"],
                     p.get("immediate_measures", ""),
                     tuple(Call.from_payload(c) for c in p.get("calls", [])))


@dataclass(frozen=True, slots=True)
class Task:
    key: TaskKey
    due_at: datetime

    def to_payload(self) -> dict[str, Any]:
        return {"key": self.key.value, "due_at": _iso(self.due_at)}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Task:
        return Task(TaskKey(p["key"]), _need_dt(p["due_at"]))


@dataclass(frozen=True, slots=True)
class Note:
    """A free note in the procedure (e.g. Jugendamt feedback after the report, S8)."""

    text: str
    topic: str = ""

    def validated(self) -> Note:
        return Note(_text(self.text, "Notiz"), self.topic.strip())

    def to_payload(self) -> dict[str, Any]:
        return {"text": self.text, "topic": self.topic}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Note:
        return Note(p["text"], p.get("topic", ""))


@dataclass(frozen=True, slots=True)
class Report:
    """Meldung / Anlass (legal-reference §2.1 A, sources-reference §3.10): a concern
    reported by someone else. The reporter's identity lives only in the `reporter_*` keys,
    which disclosure outputs withhold until an Interessenabwägung releases them (LR-19) and
    the iseF extract never contains."""

    received_at: datetime
    content: str  # what exactly was reported (who, what, when, how often)
    anonymous: bool = False
    reporter_name: str = ""
    reporter_contact: str = ""
    reporter_relation: str = ""  # relationship to the family, e.g. "Nachbarin", "Kita"
    reporter_knowledge: str = ""  # where the reporter's information comes from
    reporter_reason_now: str = ""  # why the report is made now

    def validated(self, now: datetime) -> Report:
        at = _aware(self.received_at, "Eingang der Meldung")
        if at > now:
            raise ValidationError("Eingang der Meldung", "liegt in der Zukunft.")
        name = self.reporter_name.strip()
        if self.anonymous and (name or self.reporter_contact.strip()):
            raise ValidationError("Meldende Person",
                                  "bei einer anonymen Meldung keinen Namen/Kontakt angeben.")
        if not self.anonymous and not name:
            raise ValidationError("Meldende Person", "Namen angeben oder „anonym“ wählen.")
        return Report(at, _text(self.content, "Inhalt der Meldung"), self.anonymous, name,
                      self.reporter_contact.strip(), self.reporter_relation.strip(),
                      self.reporter_knowledge.strip(), self.reporter_reason_now.strip())

    def to_payload(self) -> dict[str, Any]:
        return {"received_at": _iso(self.received_at), "content": self.content,
                "anonymous": self.anonymous, "reporter_name": self.reporter_name,
                "reporter_contact": self.reporter_contact,
                "reporter_relation": self.reporter_relation,
                "reporter_knowledge": self.reporter_knowledge,
                "reporter_reason_now": self.reporter_reason_now}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Report:
        return Report(_need_dt(p["received_at"]), p["content"], bool(p.get("anonymous")),
                      p.get("reporter_name", ""), p.get("reporter_contact", ""),
                      p.get("reporter_relation", ""), p.get("reporter_knowledge", ""),
                      p.get("reporter_reason_now", ""))


@dataclass(frozen=True, slots=True)
class PseudonymKey:
    """Re-identification key of a pseudonymised iseF extract (LR-05): pseudonym → person
    id. Stays in the vault; the extract itself never contains it."""

    key: Mapping[str, str]
    document: str = "isef"

    def to_payload(self) -> dict[str, Any]:
        return {"key": dict(self.key), "document": self.document}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> PseudonymKey:
        return PseudonymKey(dict(p["key"]), p.get("document", "isef"))


@dataclass(frozen=True, slots=True)
class Handover:
    """"An die Leitung geben": the worker hands one version of a reviewed subject (its
    content hash) to the Leitung. Signed with the worker's key like other reserved acts."""

    review_kind: str  # ReviewKind value (kept as text: review imports this module)
    subject: str
    content_hash: str
    note: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {"review_kind": self.review_kind, "subject": self.subject,
                "content_hash": self.content_hash, "note": self.note}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Handover:
        return Handover(p["review_kind"], p.get("subject", ""), p["content_hash"],
                        p.get("note", ""))


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
