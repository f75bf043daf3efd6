"""The demo vault shows the product: besides families and contacts it holds § 8a
procedures in several states, consents, referrals in every state, Teilhabe caseloads near
and over capacity, group offers with attendance and a Leitung — all dated relative to the
clock's today, so Heute opens on a handful of current items. Real vault, real services."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from casework.clock import BERLIN, FixedClock, local_today
from casework.models.consent import ConsentStatus
from casework.models.kinderschutz.review import ReviewStatus
from casework.models.kinderschutz.vocabulary import State
from casework.models.persons.worker import WorkerRole
from casework.models.referrals import ReferralState
from casework.models.reports import Report, suppress
from casework.models.teilhabe.eligibility import ClientState
from casework.models.vetting.register import Clearance, DueKind
from casework.reports import export as reports_export
from casework.reports import kinderschutz as kinderschutz_report
from casework.services import (
    agenda,
    contacts,
    demo,
    offers,
    persons,
    referrals_reading,
    teilhabe,
    vetting,
)
from casework.services import session as session_service
from casework.services.consent import lifecycle as consent
from casework.services.households import households
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.persons import workers
from casework.services.session import Session

# A Tuesday in spring, far from the fixture date of the other tests: nothing in the demo
# may depend on a fixed calendar.
TODAY = datetime(2027, 3, 16, 9, 30, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "vault"
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(TODAY),
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        summary = demo.fill(session, 25, contacts_per_family=12,
                            passphrase=demo.DEMO_PASSPHRASE)
        assert summary.households == 25 and summary.showcase_households > 0
    finally:
        session.close()
    return folder


@pytest.fixture
def s(demo_dir: Path) -> Iterator[Session]:
    session = session_service.unlock(demo_dir, demo.DEMO_PASSPHRASE, FixedClock(TODAY))
    yield session
    session.close()


def leitung(session: Session) -> str:
    [lead] = [w.id for w in workers.all_workers(session) if w.data.role is WorkerRole.LEITUNG]
    return lead


def test_demo_team_has_a_leitung_and_fictitious_names(s: Session) -> None:
    team = workers.all_workers(s)
    roles = [w.data.role for w in team]
    assert roles.count(WorkerRole.LEITUNG) == 1
    assert roles.count(WorkerRole.TEILHABEMANAGEMENT) == 2
    assert any(w.name == "Lena Beispiel" for w in team)
    assert all(any(mark in w.name for mark in ("Beispiel", "Muster", "Probe", "Test"))
               for w in team)
    # The Leitung signs her approvals: a person with her own key, the demo passphrase.
    auth = persons.authorize(s, demo.DEMO_PASSPHRASE, leitung(s))
    assert auth.worker_id == leitung(s)
    auth.wipe()


def test_kinderschutz_procedures_in_several_states_one_waiting_for_the_leitung(
        s: Session) -> None:
    states = {p.state for p in ks.list_procedures(s)}
    assert {State.S0, State.S2, State.S5, State.S6, State.S8, State.S9} <= states
    s.act_as(leitung(s))  # type: ignore[arg-type]
    queue = review.queue(s)
    assert [v.item.kind.value for v in queue] == ["ergebnis"]
    assert queue[0].status is ReviewStatus.OFFEN
    assert queue[0].household_name == "Kaya (Özlem) · Zechenstr. 14"
    returned = [v for p in ks.list_procedures(s) for v in review.items_for(s, p.id)
                if v.status is ReviewStatus.ZURUECKGEGEBEN]
    assert len(returned) == 1 and returned[0].last_decision is not None
    assert "Familienhebamme" in returned[0].last_decision.comment
    assert returned[0].household_name == "Sommer (Hannah) · Brückenstr. 2"


def test_exactly_one_overdue_kinderschutz_step(s: Session) -> None:
    overdue = ks_deadlines.overdue(s)
    assert len(overdue) == 1
    assert overdue[0].household_name == "Petrović (Ana) · Hüttenweg 22"
    assert TODAY - overdue[0].due_at < timedelta(days=14)


def test_consents_given_withdrawn_printed_and_renewal_due_at_16(s: Session) -> None:
    statuses = {r.status for r in consent.overview(s)}
    assert {ConsentStatus.GUELTIG, ConsentStatus.WIDERRUFEN, ConsentStatus.ENTWURF} <= statuses
    [renewal] = consent.renewals_due(s)
    assert renewal.household_name == "Schäfer (Marta) · Gärtnerstr. 12"
    assert renewal.consent.renewal_on is not None
    assert 0 < (TODAY.date() - renewal.consent.renewal_on).days < 60


def test_referrals_in_every_state(s: Session) -> None:
    states = {r.state for r in referrals_reading.overview(s, open_only=False)}
    assert states == set(ReferralState)


def test_teilhabe_one_worker_near_one_over_capacity_and_a_waiting_list(s: Session) -> None:
    loads = {load.worker.name: load.capacity for load in teilhabe.dashboard(s)}
    near, over = loads["Samira Test"], loads["Yusuf Probe"]
    assert near.warning and near.active < near.places
    assert over.active > over.places
    waiting = teilhabe.waiting_list(s)
    assert waiting and all(r.client.state is ClientState.WARTEND for r in waiting)


def test_teilhabe_funding_rules_show_up(s: Session) -> None:
    # Issue 21: exclusion recorded with its source, a Baustein 5 project with the
    # municipality's statement, a measure past the funding period, the Stichtag count.
    clients = teilhabe.all_clients(s)
    facts = [f for row in clients for f in teilhabe.exclusion_facts(s, row.client.id)]
    assert facts and facts[0].source.startswith("Zuweisungsbescheid")
    measures = [m for row in clients for m in teilhabe.measures(s, row.client.id)]
    assert any(m.data.statement_on is not None for m in measures)
    assert any(teilhabe.measure_warnings(s, m.data) for m in measures)
    count = teilhabe.target_count(s, TODAY.date())
    assert count is not None and count[1:3] == (100, 98)
    pdf = reports_export.pdf_bytes(s, reports_export.build(
        s, reports_export.ReportKind.MONITORING, date(2027, 1, 1), date(2027, 12, 31)))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Förderbasis: Stellen nach Schlüssel (VZÄ) 1,98 (198 ÷ 100)" in text


def test_kinderschutz_evaluation_per_year_without_names(s: Session, tmp_path: Path) -> None:
    # Source 000:2155-2157: the Träger's yearly internal evaluation for the Jugendamt.
    # The showcase: in 2026 Lorenz and five closed cases of the previous year (closed
    # after 6 to 95 days); six procedures opened in 2027, Haddad (Noor) with an acute
    # result and the Jugendamt informed.
    report = kinderschutz_report.build(s, date(2026, 1, 1), date(2027, 12, 31), k=1)
    assert shown(report, "verfahren") == {
        "nicht akut": ("6", "5", "11"), "akut": ("0", "1", "1"), "Summe": ("6", "6", "12")}
    assert shown(report, "jugendamt")["Jugendamt informiert"] == ("0", "1", "1")
    durations = shown(report, "dauer")
    assert durations["bis 7 Tage"] == ("1", "0", "1")
    assert durations["8 bis 30 Tage"] == ("3", "0", "3")
    assert durations["91 bis 180 Tage"] == ("1", "0", "1")
    assert durations["am Ende des Zeitraums noch nicht abgeschlossen"] == ("0", "6", "6")
    assert shown(report, "ergebnisse")["keine Kindeswohlgefährdung, aber "
                                       "Hilfe-/Unterstützungsbedarf"] == ("3", "2", "5")
    produced = reports_export.produce(
        s, reports_export.ReportKind.KINDERSCHUTZ, date(2027, 1, 1), date(2027, 12, 31),
        pdf_path=tmp_path / "a.pdf", csv_path=tmp_path / "a.csv")
    text = " ".join(p.extract_text() for p in PdfReader(str(produced.pdf)).pages)
    assert "Jahresauswertung Kinderschutz (§ 8a SGB VIII)" in text
    assert "Eröffnete Verfahren 6" in " ".join(text.split())
    for name in ("Kaya", "Neumann", "Haddad", "Noor", "Lorenz", "Petrović", "Vogel"):
        assert name not in text
    csv = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    values = [line.rsplit(";", 1)[-1] for line in csv.splitlines()[2:]]
    assert "< 5" in values
    assert not any(v in ("1", "2", "3", "4") for v in values)  # k = 5: no small counts


def test_group_offers_with_attendance(s: Session) -> None:
    found = offers.offers(s)
    assert len(found) >= 3
    assert all(o.sessions_held > 0 for o in found)
    sessions = [x for o in found for x in offers.sessions(s, o.id)]
    assert all(x.held_on <= TODAY.date() for x in sessions)
    assert any(x.held_on >= TODAY.date() - timedelta(days=14) for x in sessions)


def test_the_register_of_certificates_shows_every_state(s: Session) -> None:
    # Issue 21, § 72a: cleared, renewal due, missing, minor volunteer, no contact,
    # deletion due, concrete indications.
    states = {e.status.clearance for e in vetting.overview(s)}
    assert {Clearance.CLEARED, Clearance.NOT_NEEDED, Clearance.INDICATION,
            Clearance.INACTIVE} <= states
    kinds = {d.kind for d in vetting.due(s)}
    assert kinds == set(DueKind)


def test_heute_opens_on_current_items_only(s: Session) -> None:
    today = local_today(s.clock)
    oldest = today - timedelta(days=60)
    for actor in (s.actor_id, leitung(s)):
        s.act_as(actor)  # type: ignore[arg-type]
        items = agenda.items(s)
        assert 3 <= len(items) <= 20  # Heute looks 14 days ahead (issue 18)
        assert all(i.due is None or i.due >= oldest for i in items), items
        assert sum(1 for i in items if i.rank == agenda.KINDERSCHUTZ and i.overdue) == 1
    follow_ups = contacts.follow_ups_due(s)
    assert follow_ups, "something must be due today"
    assert all(f.due >= oldest for f in follow_ups)


def test_showcase_is_history_not_future_and_the_vault_checks_clean(s: Session) -> None:
    for hid in households.list_ids(s):
        for c in contacts.contacts(s, hid):
            assert c.data.occurred_at <= TODAY
    assert session_service.check(s).ok


def test_large_fill_adds_the_fixed_showcase_only_once(tmp_path: Path, s: Session) -> None:
    fixed = households.count(s) - 25  # the module vault: 25 families plus the showcase
    folder = tmp_path / "v"
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(TODAY),
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        first = demo.fill(session, 3, contacts_per_family=1, passphrase=demo.DEMO_PASSPHRASE)
        second = demo.fill(session, 2, contacts_per_family=1, passphrase=demo.DEMO_PASSPHRASE)
        assert first.showcase_households == fixed  # the same set for 3 or 25 families
        assert second.showcase_households == 0
        assert households.count(session) == 5 + first.showcase_households
        assert len(workers.all_workers(session)) == 6
    finally:
        session.close()


def test_dates_follow_the_clock(tmp_path: Path) -> None:
    later = datetime(2031, 8, 2, 18, 0, tzinfo=BERLIN)  # a Saturday evening
    folder = tmp_path / "v"
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(later),
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        demo.fill(session, 0, passphrase=demo.DEMO_PASSPHRASE)
        assert len(ks_deadlines.overdue(session)) == 1
        newest = max(p.opened_at for p in ks.list_procedures(session))
        assert date(2031, 7, 1) < newest.astimezone(BERLIN).date() <= later.date()
    finally:
        session.close()


def shown(report: Report, key: str) -> dict[str, tuple[str, ...]]:
    for _section, tables in report.sections:
        for t in tables:
            if t.key == key:
                return dict(suppress(t, report.k).rows)
    raise KeyError(key)
