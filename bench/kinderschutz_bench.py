"""A § 8a documentation PDF (single-document budget ≤ 50 ms after the first)."""

from __future__ import annotations

from datetime import date, timedelta

from bench.harness import Result, measure
from casework.clock import SystemClock
from casework.forms.base import letterhead_from_organisation
from casework.forms.kinderschutz import render_documentation
from casework.models.contacts import NoteKind
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, HouseholdRole, PersonDraft
from casework.models.kinderschutz.findings import Observation
from casework.models.kinderschutz.vocabulary import State
from casework.services.directory.shipped import load_profile
from casework.services.households import households
from casework.services.kinderschutz import documents as ks_documents
from casework.services.kinderschutz import procedures as ks
from casework.services.session import Session


def run(session: Session) -> list[Result]:
    hid, _ = households.create(session, HouseholdDraft(name="Benchmarkfamilie Schutz"))
    child, _ = households.add_person(session, hid, PersonDraft(
        "Kira", "Benchmark", BirthInfo(date(2018, 4, 2)), role=HouseholdRole.KIND))
    pid, _ = ks.open_procedure(session, hid, (child,))
    now = session.clock.now()
    for i in range(12):
        ks.record_observation(session, pid, Observation(
            now - timedelta(hours=12 - i), NoteKind.BEOBACHTUNG,
            f"Beobachtung {i}: Kira kam ohne Frühstück und mit zu dünner Jacke in die Kita."))
    ks.transition(session, pid, State.S1)
    letterhead = letterhead_from_organisation(load_profile(session.profile_name).organisation)
    clock = SystemClock()
    dossier = ks_documents.dossier(session, pid, purpose="print", document="dokumentation")
    first = measure(lambda: render_documentation(dossier, letterhead, clock), runs=1, warmup=0)
    return [Result("7b § 8a-Dokumentation als PDF (nach dem ersten)", "ms",
                   measure(lambda: render_documentation(dossier, letterhead, clock), runs=9),
                   budget=50, note=f"(erstes: {first[0]:.0f} ms)")]
