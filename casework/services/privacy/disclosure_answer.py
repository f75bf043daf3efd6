"""Auskunft nach Art. 15 DSGVO: gathering the package for one request (`build`) and the
answer as PDF + JSON, recorded with its checksum (`answer`, `export`); requests and
decisions in `disclosure`.

What is gathered: the person's data (and that of records of the same person in other
households: same folded first and last name and birth date), their household data, the
contacts they were present at, and rows of other features' tables (§ 8a, consents,
referrals …) that name the person (for a custodial parent: also their minor children), hang
off such a row, or belong to the household as a whole — discovered at run time, so
features that do not exist yet are simply absent.

What is withheld unless a decision releases it (LR-19, BVerwG 5 C 48.02):
- the identity of whoever reported a § 8a concern (columns/tables named reporter/melder/
  hinweisgeber/informant);
- third parties' data: contacts where the person was not present but is mentioned
  (co-residents' private conversations), the named sources of "Aussage Dritter" notes,
  other household members' personal details.
Withheld parts are listed with count and reason, never with content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from casework.clock import BERLIN, from_utc_iso, local_today
from casework.errors import NotFound, UserError
from casework.forms.base import write_pdf_atomic
from casework.forms.privacy.disclosure import (
    ContactEntry,
    Decision,
    DisclosureData,
    Field,
    HouseholdPart,
    NoteLine,
    Record,
    RecordSection,
    Withheld,
    render_disclosure,
    to_json,
)
from casework.models.changes import Changes
from casework.models.consent import EVENT_LABELS
from casework.models.contacts import (
    NoteEntry,
    NoteKind,
    RevisionKind,
    addendum_mark,
    correction_mark,
    previous_field_lines,
)
from casework.models.households.household import Household
from casework.models.households.person import Gender, HouseholdRole, Person
from casework.models.kinderschutz.vocabulary import State
from casework.models.text import fold_words
from casework.services import persons
from casework.services.directory import shipped as reference
from casework.services.privacy import redaction
from casework.services.privacy import retention as retention_service
from casework.services.privacy.disclosure import KEY_KINDS, OVERSIGHT, request_row
from casework.services.privacy.disclosure_records import (
    REPORTER_KEYS,
    SECTION_TITLES,
    THIRD_PARTY_KEYS,
    describe,
    german_date,
    section_of,
)
from casework.services.session import Session
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from casework.storage import persons as worker_store
from casework.storage.privacy import retention as store

_EVENT_LABELS = {k.value: v for k, v in EVENT_LABELS.items()}

# Tables that are the file's own core (handled explicitly) or bookkeeping.
_SKIP_TABLES = frozenset({
    "meta", "workers", "households", "persons", "contacts", "contact_rows", "id_keys",
    "contact_notes", "contact_revisions",
    "household_search", "household_years", "changelog_rows", "audit_log", "drafts",
    "deletion_journal",
    "household_file_types", "household_restrictions", "deletion_requests",
    "deletion_approvals", "deletion_executions", "disclosure_requests",
    "disclosure_decisions", "disclosure_responses",
})
_REPORTER_MARKERS = ("reporter", "melder", "meldend", "hinweisgeber", "informant")
PURPOSES = (
    "Beratung, Begleitung und Unterstützung Ihrer Familie in der Quartiersarbeit und die "
    "Vermittlung passender Hilfen (Art. 6 Abs. 1 lit. e DSGVO i. V. m. SGB VIII).",
    "Dokumentation der fachlichen Arbeit und Nachweis gegenüber Aufsicht und "
    "Kostenträger.",
    "Wahrnehmung des Schutzauftrags bei Kindeswohlgefährdung (§ 8a SGB VIII, § 4 KKG), "
    "soweit Aufzeichnungen dazu bestehen.",
    "Weitergabe an Dritte nur mit Ihrer Einwilligung oder auf gesetzlicher Grundlage.",
)
SOURCE = ("Die Daten stammen von Ihnen selbst und aus Gesprächen mit Ihrer Familie. Aussagen "
          "Dritter sind in den Notizen als solche gekennzeichnet.")


# --------------------------------------------------------------------------- gathering


def _person_fields(person: Person, today: date) -> tuple[Field, ...]:
    d = person.data
    birth = d.birth
    if birth.birth_date is not None:
        born = f"{birth.birth_date:%d.%m.%Y}"
    elif birth.birth_year is not None:
        born = f"{birth.birth_year} (nur Jahr)"
    elif birth.due_date is not None:
        born = f"ungeboren, ET {birth.due_date:%d.%m.%Y}"
    else:
        born = "nicht erfasst"
    fields = [Field("Vorname", d.first_name), Field("Nachname", d.last_name),
              Field("Geburtsdatum", born), Field("Alter", birth.age_text(today)),
              Field("Geschlecht", d.gender.value), Field("Rolle im Haushalt", d.role.value),
              Field("Personensorgeberechtigt", "ja" if d.custody else "nein")]
    if d.school:
        fields.append(Field("Schule/Kita", d.school))
    if d.residence_status is not None:
        fields.append(Field("Aufenthaltsstatus", d.residence_status.value))
    fields.append(Field("Erfasst am", _date_text(person.created_at)))
    return tuple(fields)


def _date_text(iso: str) -> str:
    try:
        return f"{from_utc_iso(iso).astimezone(BERLIN):%d.%m.%Y}"
    except ValueError:
        return iso[:10]


def _household_fields(session: Session, household: Household,
                      others: int) -> tuple[Field, ...]:
    d = household.data
    worker = (worker_store.get_worker(session.db, d.assigned_worker_id)
              if d.assigned_worker_id else None)
    fields = [Field("Familienname", d.name), Field("Anschrift", household.address_line()),
              Field("Stadtteil", d.district), Field("Quartier", d.quarter),
              Field("Sprachen", ", ".join(d.languages)),
              Field("Dolmetscher nötig", "ja" if d.interpreter_needed else "nein"),
              Field("Zielgruppenkriterien", ", ".join(sorted(t.value for t in d.target_groups))),
              Field("Zugangsweg", d.access_route.value if d.access_route else ""),
              Field("Ressourcen", d.resources), Field("Risiken", d.risks),
              Field("Status", d.status.value),
              Field("Zuständig", worker.name if worker is not None else ""),
              Field("Weitere Haushaltsmitglieder", str(others))]
    return tuple(f for f in fields if f.value)


def _same_person(session: Session, person: Person) -> list[Person]:
    """The subject's records in all households (same folded names and birth date)."""
    found = [person]
    for other in store.persons_named(session.db, person.data.first_name,
                                     person.data.last_name):
        if other == person.id:
            continue
        candidate = household_store.get_person(session.db, other)
        if candidate is not None and candidate.data.birth == person.data.birth:
            found.append(candidate)
    return found


def _mentions(words: set[str], text: str) -> bool:
    return bool(words & set(fold_words(text)))


def _is_reporter(name: str) -> bool:
    lowered = name.lower()
    return any(m in lowered for m in _REPORTER_MARKERS)


_THIRD = ("Schutz Dritter (Art. 15 Abs. 4 DSGVO, § 83 Abs. 1 und 3 SGB X); keine "
          "Interessenabwägung zugunsten der Offenlegung dokumentiert")
_REPORTER = ("Schutz der meldenden Person (§ 83 Abs. 1 und 3 SGB X); keine "
             "Interessenabwägung zugunsten der Offenlegung dokumentiert")
# § 8a records: restricted by default (issue 19). Art. 23 Abs. 1 lit. i DSGVO allows the
# restriction, § 83 Abs. 1 SGB X implements it for social data, § 65 SGB VIII protects
# data entrusted for personal help; BVerwG 5 C 48.02 for the reporter.
_CHILD_PROTECTION = (
    "Beschränkung des Auskunftsrechts nach Art. 23 Abs. 1 lit. i DSGVO i. V. m. § 83 "
    "Abs. 1 SGB X und § 65 SGB VIII (Schutz des Kindes und anvertrauter Daten); die "
    "Mitteilung erfolgt erst nach einer dokumentierten Interessenabwägung")
_CHILD_PROTECTION_WHAT = "Aufzeichnungen zum Schutzauftrag bei Kindeswohlgefährdung"

_ROLE_NAMES = {"selbst": "selbst", "personensorgeberechtigt": "als Personensorgeberechtigte/r"}


@dataclass
class _Gathered:
    withheld: dict[tuple[str, str], int]

    def withhold(self, what: str, reason: str, count: int = 1) -> None:
        self.withheld[(what, reason)] = self.withheld.get((what, reason), 0) + count


def _salutation(person: Person) -> str:
    name = person.data.last_name
    if person.data.gender is Gender.WEIBLICH:
        return f"sehr geehrte Frau {name},"
    if person.data.gender is Gender.MAENNLICH:
        return f"sehr geehrter Herr {name},"
    return f"guten Tag {person.display_name},"


def _decided_by(session: Session, worker_id: str) -> str:
    worker = worker_store.get_worker(session.db, worker_id) if worker_id else None
    if worker is None:
        return ""
    return f"{worker.name} ({worker.data.role.value})"


def _signature_text(session: Session, decision_id: str) -> str:
    """The decision's electronic signature as the letter names it ("" when it was decided
    without one: then the paper signature line counts)."""
    found = persons.signatures(session, "disclosure_decision", [decision_id])[decision_id]
    if not found:
        return ""
    last = found[-1]
    fingerprint = last.fingerprint.upper()
    short = " ".join(fingerprint[i:i + 4] for i in range(0, min(len(fingerprint), 16), 4))
    if not last.verified:
        return f"elektronische Signatur von {last.signer_name} UNGÜLTIG (Schlüssel {short})"
    return (f"elektronisch signiert von {last.signer_name} ({last.role}) am "
            f"{_date_text(last.signed_at)}, Schlüssel {short}")


def _catalog_label(session: Session) -> Any:
    catalog = reference.load_profile(session.profile_name).consent
    purposes = {p.key: p.label for p in catalog.purposes}
    recipients = {r.key: r.label for r in catalog.recipients}

    def label_of(column: str, value: str) -> str:
        if column == "purpose_key":
            return purposes.get(value, value)
        if column == "recipient_key":
            return recipients.get(value, value)
        if column == "kind":
            return _EVENT_LABELS.get(value, value)
        return value
    return label_of


def _state_label(value: str) -> str:
    try:
        return State(value).label
    except ValueError:
        return value


def build(session: Session, request_id: str) -> DisclosureData:
    """Gather the package for a request (reads only; audited as a disclosure view)."""
    row = request_row(session, request_id)
    today = local_today(session.clock)
    subject = household_store.get_person(session.db, row.person_id)
    if subject is None:
        raise NotFound("Die Person")
    decisions = store.disclosure_decisions(session.db, request_id)
    kinds = {d.kind for d in decisions}
    with_reporter = "include_reporter" in kinds
    with_third = "include_third_party" in kinds
    with_child_protection = "include_kinderschutz" in kinds
    refusal = next((d.reason for d in decisions if d.kind == "refusal"), "")
    gathered = _Gathered({})
    records = _same_person(session, subject)
    subject_ids = {p.id for p in records}
    words = set(fold_words(subject.data.first_name))
    parts: list[HouseholdPart] = []
    contacts: list[ContactEntry] = []
    sections: dict[str, list[tuple[str, Record]]] = {}
    recipients: list[str] = []
    address: tuple[str, ...] = ()
    label_of = _catalog_label(session)
    redactor = (redaction.Redactor.none() if with_third
                else redaction.for_disclosure(session, subject_ids))
    replaced: list[int] = []

    def clean(text: str) -> str:
        result = redactor.redact(text)
        replaced.append(len(result.spans))
        return result.text

    for person in records:
        household = household_store.get_household(session.db, person.household_id)
        if household is None:
            continue
        if not address:
            d = household.data
            address = (subject.display_name, d.street,
                       " ".join(p for p in (d.plz, d.city) if p))
        members = household_store.persons_of(session.db, household.id)
        others = [m for m in members if m.id not in subject_ids]
        if others and not with_third:
            gathered.withhold("Angaben zu weiteren Haushaltsmitgliedern", _THIRD, len(others))
        period = retention_service.decision(session, household.id).summary()
        parts.append(HouseholdPart(household.name, _household_fields(
            session, household, len(others)), period))
        for contact in contact_store.contacts_of(session.db, household.id):
            present = bool(subject_ids & set(contact.data.persons_present))
            mentioned = any(_mentions(words, n.text) for n in contact.data.notes)
            if not present:
                if not mentioned:
                    continue  # not about the person
                if not with_third:
                    gathered.withhold("Kontakte ohne Ihre Anwesenheit, in denen Sie erwähnt "
                                      "werden", _THIRD)
                    continue
            def note_lines(entries: tuple[NoteEntry, ...], present: bool = present) -> list[
                    NoteLine]:
                lines: list[NoteLine] = []
                for note in entries:
                    if not present and not _mentions(words, note.text):
                        continue
                    label = note.kind.value
                    if note.kind is NoteKind.AUSSAGE_DRITTER and note.source:
                        if with_third:
                            label += f" ({note.source})"
                        else:
                            label += " (Quelle zurückgehalten)"
                            gathered.withhold("Namen von Quellen bei „Aussage Dritter“",
                                              _THIRD)
                    if note.disputed:
                        label += " – von Ihnen bestritten"
                    lines.append(NoteLine(label, clean(note.text)))
                return lines

            notes = note_lines(contact.data.notes)
            # Corrections stay visible with the wording they replaced (issue 18), each
            # earlier note treated like a current one; addenda with date and author.
            revisions: list[str] = []
            for revision in contact.revisions:
                if revision.kind is RevisionKind.NACHTRAG:
                    if present:
                        revisions.append(clean(f"{addendum_mark(revision)}: {revision.text}"))
                    continue
                earlier = note_lines(revision.previous) if revision.notes_changed else []
                revisions.append(clean(correction_mark(revision)) + "; frühere Fassung: "
                                 + " ".join([clean(line) + ";" for line in
                                             previous_field_lines(revision)]
                                            + [f"{n.label}: {n.text}" for n in earlier]))
            contacts.append(ContactEntry(
                contact.data.occurred_at, contact.data.type.value, contact.data.duration_min,
                contact.data.topics, tuple(notes), clean(contact.data.next_steps),
                present, tuple(revisions)))
        # Records about a minor child concern the custodial parents as well (§ 8a
        # procedures, consents given for the child): they are included for them.
        related: set[str] = {person.id}
        if person.data.custody:
            related |= {m.id for m in members if m.data.role is HouseholdRole.KIND}
        found = store.records_mentioning(session.db, related, household.id, _SKIP_TABLES)
        for table, count in found.others.items():
            if not with_third and section_of(table) != "kinderschutz":
                gathered.withhold(f"{SECTION_TITLES[section_of(table)]}: Aufzeichnungen zu "
                                  "anderen Personen des Haushalts", _THIRD, count)
        child_protection_rows = 0
        for table, rows in found.about.items():
            key = section_of(table)
            if key == "kinderschutz" and not with_child_protection:
                child_protection_rows += len(rows)
                continue
            if _is_reporter(table) and not with_reporter:
                gathered.withhold("Angaben zur meldenden Person", _REPORTER, len(rows))
                continue
            for record in rows:
                if not with_reporter and any(_is_reporter(c) and v not in (None, "")
                                             for c, v in record.items()):
                    gathered.withhold("Angaben zur meldenden Person", _REPORTER)
                if key == "kinderschutz" and not with_third and _has_keys(
                        record, THIRD_PARTY_KEYS):
                    gathered.withhold("Namen beteiligter Personen und Fachkräfte im "
                                      "Kinderschutzverfahren", _THIRD)
                if key == "kinderschutz" and not with_reporter and _has_keys(
                        record, REPORTER_KEYS):
                    gathered.withhold("Angaben zur meldenden Person / Quelle einer "
                                      "Mitteilung", _REPORTER)
                described = describe(table, record, state_label=_state_label,
                                     label_of=label_of, with_third=with_third,
                                     with_reporter=with_reporter)
                if described is None:
                    continue
                fields = tuple(Field(label, clean(value), k)
                               for k, label, value in described.fields
                               if not (_is_reporter(k) and not with_reporter))
                sections.setdefault(key, []).append(
                    (described.sort_key, Record(described.heading, fields)))
                if table == "referrals":
                    target = str(record.get("recipient_label") or "").strip()
                    if target:
                        recipients.append(f"{target} (Vermittlung vom "
                                          f"{german_date(record.get('referred_on'))})")
                if table == "consent_items":
                    target = label_of("recipient_key", str(record.get("recipient_key") or ""))
                    if target:
                        recipients.append(f"{target} (mit Ihrer Einwilligung vorgesehen)")
        if child_protection_rows:
            gathered.withhold(_CHILD_PROTECTION_WHAT, _CHILD_PROTECTION, 0)
    if any(k == "kinderschutz" for k in sections):
        session.audit("kinderschutz.view", "person", subject.id, f"art15={request_id}")
    decided = tuple(Decision(
        KEY_KINDS[d.kind].value, d.reason,
        from_utc_iso(d.created_at).astimezone(BERLIN).date(),
        _decided_by(session, d.created_by), _signature_text(session, d.id))
        for d in decisions if d.kind in KEY_KINDS)
    profile = reference.load_profile(session.profile_name)
    categories = ["Stammdaten (Name, Geburtsdatum, Anschrift, Haushalt)"]
    if contacts:
        categories.append("Gesprächsnotizen und Kontakte")
    categories += [SECTION_TITLES[k] for k in sections]
    ordered = {k: tuple(r for _, r in sorted(v, key=lambda item: item[0]))
               for k, v in sections.items()}
    return DisclosureData(
        organisation=profile.organisation,
        received_on=date.fromisoformat(row.received_on),
        due_on=date.fromisoformat(row.due_on),
        subject_name=subject.display_name,
        person=_person_fields(subject, today),
        households=tuple(parts),
        contacts=tuple(sorted(contacts, key=lambda c: c.occurred_at)),
        sections=tuple(RecordSection(k, SECTION_TITLES[k], r) for k, r in ordered.items()),
        purposes=PURPOSES,
        recipients=tuple(dict.fromkeys(recipients)) or (
            "Ihre Daten wurden an niemanden außerhalb unserer Einrichtung übermittelt.",),
        source=SOURCE,
        withheld=tuple(Withheld(what, n, reason)
                       for (what, reason), n in gathered.withheld.items()),
        decisions=decided,
        refusal_reason=refusal,
        salutation=_salutation(subject)[0].upper() + _salutation(subject)[1:],
        address_lines=address,
        categories=tuple(categories),
        signer=profile.organisation.data_protection_contact.role,
        supervisory_authority=profile.organisation.legal_basis.authority,
        redacted=any(replaced),
    )


def _has_keys(record: dict[str, Any], keys: frozenset[str]) -> bool:
    payload = record.get("payload")
    if not isinstance(payload, str) or not payload.startswith("{"):
        return False
    try:
        data = json.loads(payload)
    except ValueError:
        return False
    return any(data.get(k) for k in keys) if isinstance(data, dict) else False


@dataclass(frozen=True, slots=True)
class Answer:
    pdf: bytes
    json_text: str
    outcome: str


def answer(session: Session, request_id: str) -> tuple[Answer, Changes]:
    """Render the answer (PDF + JSON) and record it with the JSON's SHA-256."""
    session.require_role(*OVERSIGHT)
    row = request_row(session, request_id)
    if row.outcome == "abgelehnt":
        raise UserError("Das Auskunftsersuchen wurde abgelehnt; die Ablehnung ist "
                        "dokumentiert.")
    data = build(session, request_id)
    json_text = to_json(data)
    pdf = render_disclosure(data, session.clock)
    outcome = "teilweise" if data.withheld else "erteilt"
    digest = hashlib.sha256(json_text.encode("utf-8")).hexdigest()
    with session.db.transaction():
        store.insert_disclosure_response(session.writer(), request_id, outcome, digest)
        session.audit("disclosure.export", "disclosure_request", request_id, outcome)
    return Answer(pdf, json_text, outcome), Changes.of("disclosure_request", request_id)


def export(session: Session, request_id: str, pdf_path: str | None,
           json_path: str | None) -> Changes:
    """`answer` and write the files atomically (either path may be None)."""
    result, changes = answer(session, request_id)
    if pdf_path:
        write_pdf_atomic(pdf_path, result.pdf)
    if json_path:
        write_pdf_atomic(json_path, result.json_text.encode("utf-8"))
    return changes


def summary(data: DisclosureData) -> dict[str, Any]:
    """Counts for a confirmation message (no content)."""
    return {
        "kontakte": len(data.contacts),
        "abschnitte": {s.title: len(s.records) for s in data.sections},
        "zurueckgehalten": sum(w.count for w in data.withheld),
    }
