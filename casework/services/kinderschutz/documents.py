"""The § 8a documents, one path for the app and the command line: Dokumentation der
Gefährdungseinschätzung, Mitteilung an das Jugendamt, Schutzplan, and the pseudonymised
extract for the iseF (LR-05). `document` reads the data (logging the view, print or
export), renders the PDF with the organisation's letterhead and returns both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from casework.clock import Clock
from casework.errors import UserError
from casework.forms import kinderschutz as forms
from casework.forms.base import Letterhead, letterhead_from_organisation
from casework.models.changes import Changes
from casework.models.kinderschutz.dossier import Dossier, IsefExtract
from casework.services.directory import vault_profile
from casework.services.kinderschutz import procedures
from casework.services.session import Session

DOCUMENTS = procedures.DOCUMENTS  # "dokumentation", "mitteilung", "schutzplan", "isef"

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
        extract, changes = procedures.isef_extract(session, procedure_id, questions, marked)
        pdf = forms.render_isef_extract(extract, letterhead, session.clock)
        return Document(key, extract, pdf), changes
    dossier = procedures.dossier(session, procedure_id, purpose=purpose, document=key)
    try:
        if key == "mitteilung":
            pdf = forms.render_mitteilung(
                dossier, letterhead, session.clock,
                office_address=procedures.office_address_lines(profile))
        else:
            pdf = _RENDER[key](dossier, letterhead, session.clock)
    except ValueError:
        raise UserError(f"Für „{key}“ ist in diesem Verfahren noch nichts festgehalten.") \
            from None
    return Document(key, dossier, pdf), Changes()
