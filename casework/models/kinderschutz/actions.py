"""Entries of the protection phase and the procedure's working records: protection-plan
measures and versions, the Mitteilung to the Jugendamt, calls and acute records, tasks,
notes, reports, pseudonym keys and hand-overs to the Leitung. Pure: no Qt, no SQL, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.kinderschutz.vocabulary import (
    Channel,
    LegalBasis,
    MeasureStatus,
    TaskKey,
    aware_field,
    iso_or_none,
    need_datetime,
    parse_date,
    parse_datetime,
    text_field,
)


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
                text_field(m.measure, f"{label} – was"),
                text_field(m.responsible, f"{label} – wer"),
                m.due, text_field(m.verification, f"{label} – Überprüfung"),
                text_field(m.consequence, f"{label} – Folge bei Nichteinhaltung"),
                MeasureStatus(m.status)))
        return SafetyPlan(tuple(measures), self.review_date, self.agreed_with.strip(),
                          self.agreed_on, self.notes.strip())

    def to_payload(self) -> dict[str, Any]:
        return {
            "measures": [{"measure": m.measure, "responsible": m.responsible,
                          "due": iso_or_none(m.due), "verification": m.verification,
                          "consequence": m.consequence, "status": m.status.value}
                         for m in self.measures],
            "review_date": iso_or_none(self.review_date), "agreed_with": self.agreed_with,
            "agreed_on": iso_or_none(self.agreed_on), "notes": self.notes,
        }

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> SafetyPlan:
        measures = []
        for m in p["measures"]:
            due = parse_date(m["due"])
            assert due is not None
            measures.append(Measure(m["measure"], m["responsible"], due, m["verification"],
                                    m["consequence"], MeasureStatus(m["status"])))
        return SafetyPlan(tuple(measures), parse_date(p["review_date"]), p.get("agreed_with", ""),
                          parse_date(p.get("agreed_on")), p.get("notes", ""))


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
        at = aware_field(self.informed_at, "Datum/Uhrzeit der Mitteilung")
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
        return Mitteilung(at, text_field(self.office, "Jugendamt / Stelle"),
                          text_field(self.person, "Ansprechperson beim Jugendamt"),
                          Channel(self.channel), content, LegalBasis(self.legal_basis),
                          self.prior_notice_on, no_notice, self.reason.strip(), attachment,
                          self.meeting_on, participants,
                          text_field(self.responsibilities, "Verantwortlichkeiten", required=False))

    def to_payload(self) -> dict[str, Any]:
        assert self.channel is not None and self.legal_basis is not None
        return {"informed_at": iso_or_none(self.informed_at), "office": self.office,
                "person": self.person, "channel": self.channel.value, "content": self.content,
                "legal_basis": self.legal_basis.value,
                "prior_notice_on": iso_or_none(self.prior_notice_on),
                "no_prior_notice_reason": self.no_prior_notice_reason, "reason": self.reason,
                "attachment": self.attachment, "meeting_on": iso_or_none(self.meeting_on),
                "meeting_participants": self.meeting_participants,
                "responsibilities": self.responsibilities}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Mitteilung:
        return Mitteilung(parse_datetime(p["informed_at"]), p["office"], p["person"],
                          Channel(p["channel"]), p["content"], LegalBasis(p["legal_basis"]),
                          parse_date(p.get("prior_notice_on")),
                          p.get("no_prior_notice_reason", ""), p.get("reason", ""),
                          p.get("attachment", ""), parse_date(p.get("meeting_on")),
                          p.get("meeting_participants", ""), p.get("responsibilities", ""))


@dataclass(frozen=True, slots=True)
class Call:
    """Who was called on the acute path and when (LR-10)."""

    at: datetime
    whom: str  # person or office: "Jugendamt Notdienst", "Polizei 110" …
    channel: Channel = Channel.TELEFON
    note: str = ""

    def validated(self, now: datetime) -> Call:
        at = aware_field(self.at, "Uhrzeit des Anrufs")
        if at > now:
            raise ValidationError("Uhrzeit des Anrufs", "liegt in der Zukunft.")
        return Call(at, text_field(self.whom, "Angerufene Person/Stelle"), Channel(self.channel),
                    self.note.strip())

    def to_payload(self) -> dict[str, Any]:
        return {"at": iso_or_none(self.at), "whom": self.whom, "channel": self.channel.value,
                "note": self.note}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Call:
        return Call(need_datetime(p["at"]), p["whom"], Channel(p["channel"]), p.get("note", ""))


@dataclass(frozen=True, slots=True)
class Acute:
    """"Dringende Gefahr" (SA, LR-10): when it was recognised, what was done, who was called."""

    recognised_at: datetime
    description: str
    immediate_measures: str = ""
    calls: tuple[Call, ...] = ()

    def validated(self, now: datetime) -> Acute:
        at = aware_field(self.recognised_at, "Zeitpunkt des Erkennens")
        if at > now:
            raise ValidationError("Zeitpunkt des Erkennens", "liegt in der Zukunft.")
        return Acute(at, text_field(self.description, "Was ist passiert?"),
                     self.immediate_measures.strip(), tuple(c.validated(now) for c in self.calls))

    def to_payload(self) -> dict[str, Any]:
        return {"recognised_at": iso_or_none(self.recognised_at), "description": self.description,
                "immediate_measures": self.immediate_measures,
                "calls": [c.to_payload() for c in self.calls]}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Acute:
        return Acute(need_datetime(p["recognised_at"]), p["description"],
                     p.get("immediate_measures", ""),
                     tuple(Call.from_payload(c) for c in p.get("calls", [])))


@dataclass(frozen=True, slots=True)
class Task:
    key: TaskKey
    due_at: datetime

    def to_payload(self) -> dict[str, Any]:
        return {"key": self.key.value, "due_at": iso_or_none(self.due_at)}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Task:
        return Task(TaskKey(p["key"]), need_datetime(p["due_at"]))


@dataclass(frozen=True, slots=True)
class Note:
    """A free note in the procedure (e.g. Jugendamt feedback after the report, S8)."""

    text: str
    topic: str = ""

    def validated(self) -> Note:
        return Note(text_field(self.text, "Notiz"), self.topic.strip())

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
        at = aware_field(self.received_at, "Eingang der Meldung")
        if at > now:
            raise ValidationError("Eingang der Meldung", "liegt in der Zukunft.")
        name = self.reporter_name.strip()
        if self.anonymous and (name or self.reporter_contact.strip()):
            raise ValidationError("Meldende Person",
                                  "bei einer anonymen Meldung keinen Namen/Kontakt angeben.")
        if not self.anonymous and not name:
            raise ValidationError("Meldende Person", "Namen angeben oder „anonym“ wählen.")
        return Report(at, text_field(self.content, "Inhalt der Meldung"), self.anonymous, name,
                      self.reporter_contact.strip(), self.reporter_relation.strip(),
                      self.reporter_knowledge.strip(), self.reporter_reason_now.strip())

    def to_payload(self) -> dict[str, Any]:
        return {"received_at": iso_or_none(self.received_at), "content": self.content,
                "anonymous": self.anonymous, "reporter_name": self.reporter_name,
                "reporter_contact": self.reporter_contact,
                "reporter_relation": self.reporter_relation,
                "reporter_knowledge": self.reporter_knowledge,
                "reporter_reason_now": self.reporter_reason_now}

    @staticmethod
    def from_payload(p: Mapping[str, Any]) -> Report:
        return Report(need_datetime(p["received_at"]), p["content"], bool(p.get("anonymous")),
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
