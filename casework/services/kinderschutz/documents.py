"""The § 8a documents, one path for the app and the command line: Dokumentation der
Gefährdungseinschätzung, Mitteilung an das Jugendamt, Schutzplan, and the pseudonymised
extract for the iseF (LR-05). `document` reads the data (logging the view, print or
export), renders the PDF with the organisation's letterhead and returns both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from casework.clock import Clock, local_today
from casework.errors import NotFound, UserError
from casework.forms import kinderschutz as forms
from casework.forms.base import Letterhead, letterhead_from_organisation
from casework.models.changes import Changes
from casework.models.kinderschutz.dossier import (
    Dossier,
    IsefExtract,
    PersonInfo,
    ReviewLine,
    pseudonymise,
)
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.services.directory import vault_profile
from casework.services.kinderschutz import procedures, review
from casework.services.privacy import redaction
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage import persons as worker_store

DOCUMENTS = ("dokumentation", "mitteilung", "schutzplan", "isef")
_PURPOSES = ("view", "print", "export")


def _signature_text(session: Session, decision_id: str, signatures: list[Any]) -> str:
    """What the § 8a documentation prints about an approval's signature."""
    from casework.models.persons.signing import LEGACY_LABEL
    from casework.services import persons as person_service

    if not signatures:
        if person_service.is_legacy(session, "ks_review_decision", decision_id):
            return LEGACY_LABEL
        return "Signatur fehlt"
    sig = signatures[-1]
    state = "Signatur geprüft" if sig.verified else "Signatur UNGÜLTIG"
    return f"{sig.role} · Schlüssel {sig.fingerprint} · {state}"


def _dossier(session: Session, file: ProcedureFile) -> Dossier:
    household = household_store.get_household(session.db, file.procedure.household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    persons = tuple(
        PersonInfo(p.id, p.data.first_name, p.data.last_name, p.data.role.value, p.data.birth,
                   p.data.gender.value, p.data.custody)
        for p in household_store.persons_of(session.db, household.id))
    names: dict[str, str] = {w.id: w.name for w in worker_store.list_workers(session.db)}
    from casework.services import persons as person_service

    lines = []
    views = review.items_for(session, file.procedure.id)
    decision_ids = [v.last_decision.id for v in views if v.last_decision is not None]
    signed = person_service.signatures(session, "ks_review_decision", decision_ids)
    for v in views:
        last = v.last_decision
        lines.append(ReviewLine(
            v.label, v.status.value, v.author_name,
            names.get(last.decided_by, "") if last is not None else "",
            last.decided_at if last is not None else None,
            last.comment if last is not None else "",
            _signature_text(session, last.id, signed.get(last.id, []))
            if last is not None else ""))
    data = household.data
    return Dossier(file, household.name, data.street, data.plz, data.city, data.district,
                   persons, names, tuple(lines), local_today(session.clock))


def dossier(session: Session, procedure_id: str, *, purpose: str = "print",
            document: str = "dokumentation") -> Dossier:
    """Plain data for `casework.forms.kinderschutz` (all versions, participants, facts,
    reviews). Logged as `kinderschutz.<purpose>` (view / print / export) with the
    document key as detail — ids only."""
    if purpose not in _PURPOSES:
        raise ValueError(purpose)
    if document not in DOCUMENTS:
        raise ValueError(document)
    file = procedures.get_file(session, procedure_id)
    data = _dossier(session, file)
    session.audit(f"kinderschutz.{purpose}", "ks_procedure", procedure_id, document)
    return data


def office_address_lines(profile: Any) -> tuple[str, ...]:
    """The ASD office's address as letter lines ("Prosperstraße 71/1", "46236 Bottrop")."""
    address = str(getattr(profile.asd, "office_address", "") or "")
    return tuple(part.strip() for part in address.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class IsefReview:
    """What the worker checks before the iseF extract leaves: every span the vault-wide
    redaction replaced and every suspicious span left (capitalised unknown words,
    digits), each with the redacted text it belongs to."""

    replaced: tuple[tuple[str, str, str], ...]  # (original, replacement, category)
    suspects: tuple[tuple[str, str, str], ...]  # (word, why, redacted text around it)
    limits: str


def isef_review(session: Session, procedure_id: str, questions: str = "",
                marked: Sequence[str] = ()) -> IsefReview:
    """Preview of the redaction of the iseF extract (nothing stored; logged as a view)."""
    file = procedures.get_file(session, procedure_id)
    redactor = redaction.for_isef(session, marked)
    replaced: list[tuple[str, str, str]] = []
    suspects: list[tuple[str, str, str]] = []

    def record(text: str) -> str:
        result = redactor.redact(text)
        replaced.extend((s.original, s.replacement, s.category) for s in result.spans)
        for suspect in result.suspects:
            start = max(0, suspect.start - 30)
            suspects.append((suspect.text, suspect.why,
                             result.text[start:suspect.end + 30].strip()))
        return result.text

    pseudonymise(_dossier(session, file), questions.strip(), record)
    session.audit("kinderschutz.view", "ks_procedure", procedure_id, "isef-review")
    return IsefReview(tuple(dict.fromkeys(replaced)), tuple(dict.fromkeys(suspects)),
                      redaction.LIMITS)


def isef_extract(session: Session, procedure_id: str, questions: str = "",
                 marked: Sequence[str] = ()) -> tuple[IsefExtract, Changes]:
    """The pseudonymised consultation extract for the iseF (LR-05). The re-identification
    key (pseudonym → person id) is stored in the vault as an entry; the extract holds no
    names, addresses, exact birth dates or phone numbers. Logged as `kinderschutz.export`."""
    with session.db.transaction():
        file = procedures.get_file(session, procedure_id)
        extract, key = pseudonymise(_dossier(session, file), questions.strip(),
                                    redaction.for_isef(session, marked))
        changes = procedures.record_pseudonym_key(session, file, key)
        session.audit("kinderschutz.export", "ks_procedure", procedure_id, "isef")
    return extract, changes


_RENDER: dict[str, Callable[[Dossier, Letterhead, Clock], bytes]] = {
    "dokumentation": forms.render_documentation,
    "mitteilung": forms.render_mitteilung,
    "schutzplan": forms.render_schutzplan,
}


@dataclass(frozen=True, slots=True)
class Document:
    key: str  # one of DOCUMENTS
    data: Dossier | IsefExtract
    pdf: bytes


def document(session: Session, procedure_id: str, key: str, *, purpose: str = "print",
             questions: str = "", marked: Sequence[str] = ()) -> tuple[Document, Changes]:
    """One § 8a document of a procedure. `purpose` ("print" from the app, "export" from
    the command line) is what the access log records; `questions` is the iseF
    Fragestellung, `marked` the words the worker marked in the redaction review. The
    Mitteilung is a window-envelope letter to the ASD office of the profile. A document
    with nothing recorded yet is a `UserError`."""
    if key not in DOCUMENTS:
        raise UserError(f"Das Dokument „{key}“ gibt es nicht.")
    profile = vault_profile.active_profile(session)
    letterhead = letterhead_from_organisation(profile.organisation)
    if key == "isef":
        extract, changes = isef_extract(session, procedure_id, questions, marked)
        pdf = forms.render_isef_extract(extract, letterhead, session.clock)
        return Document(key, extract, pdf), changes
    data = dossier(session, procedure_id, purpose=purpose, document=key)
    try:
        if key == "mitteilung":
            pdf = forms.render_mitteilung(
                data, letterhead, session.clock,
                office_address=office_address_lines(profile))
        else:
            pdf = _RENDER[key](data, letterhead, session.clock)
    except ValueError:
        raise UserError(f"Für „{key}“ ist in diesem Verfahren noch nichts festgehalten.") \
            from None
    return Document(key, data, pdf), Changes()
