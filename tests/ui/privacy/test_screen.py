"""The Datenschutz screen on a real vault: role gate, access log without content, Art. 15
requests, and the four-eyes deletion flow down to the saved Löschprotokoll."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from pytestqt.qtbot import QtBot

from casework.clock import FixedClock
from casework.models.households.lifecycle import ClosureReason
from casework.models.ids import HouseholdId, WorkerId
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.privacy.retention import FileType
from casework.services.households import households, lifecycle
from casework.services.persons import workers
from casework.services.privacy import retention
from casework.services.session import Session
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.privacy import screen as datenschutz
from casework.ui.privacy import screen_requests
from casework.ui.privacy.screen import DatenschutzScreen
from casework.ui.simple_model import SimpleTableModel
from tests.conftest import add_family, add_person

GONE = "Quastenbergerin"


def _texts(model: SimpleTableModel) -> str:
    return " ".join(" ".join(cells) for cells, _payload in model.rows)


@pytest.fixture
def leads(session: Session) -> tuple[WorkerId, WorkerId]:
    first = add_person(session, "Leitung Eins", WorkerRole.LEITUNG)
    second = add_person(session, "Leitung Zwei", WorkerRole.LEITUNG)
    return first, second


@pytest.fixture
def gone(session: Session) -> HouseholdId:
    hid = add_family(session, GONE, parent="Zoltanella")
    lifecycle.close(session, hid, ClosureReason.ZIELE_ERREICHT)
    households.record_view(session, hid)
    return hid


def _screen(qtbot: QtBot, ctx: UiContext) -> DatenschutzScreen:
    widget = datenschutz.create(ctx)
    assert isinstance(widget, DatenschutzScreen)
    qtbot.addWidget(widget)
    assert widget.log_model.rowCount() == 0  # nothing is loaded before it is shown
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: not widget.loading)  # deletion lists: on the worker thread
    return widget


def _switch(ctx: UiContext, session: Session, worker: WorkerId) -> None:
    session.act_as(worker)
    ctx.session_changed.emit()


def test_ordinary_worker_sees_only_a_notice(qtbot: QtBot, ctx: UiContext,
                                            session: Session) -> None:
    ordinary, _ = workers.create(session, WorkerDraft("Tom Fachkraft", WorkerRole.FACHKRAFT))
    session.act_as(ordinary)  # the owner herself is also the vault's Admin
    ctx.attach(session)
    screen = _screen(qtbot, ctx)
    assert not screen.tabs.isVisibleTo(screen)
    assert screen.notice.isVisibleTo(screen)
    assert screen.log_model.rowCount() == 0


def test_access_log_shows_neutral_labels_and_chain_status(
        qtbot: QtBot, qtmodeltester: object, ctx: UiContext, session: Session,
        leads: tuple[WorkerId, WorkerId], gone: HouseholdId) -> None:
    session.act_as(leads[0])
    ctx.attach(session)
    screen = _screen(qtbot, ctx)
    qtmodeltester.check(screen.log_model)  # type: ignore[attr-defined]
    text = _texts(screen.log_model)
    assert "Familienakte geöffnet" in text and f"Haushalt …{gone[-6:]}" in text
    assert GONE not in text and "Zoltanella" not in text
    assert "unverändert" in screen.chain_status.text()


def test_four_eyes_deletion_through_the_screen(
        qtbot: QtBot, ctx: UiContext, session: Session, clock: FixedClock,
        leads: tuple[WorkerId, WorkerId], gone: HouseholdId, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, message_log: object) -> None:
    kept = add_family(session, "Brombeerstrauch")
    clock.advance(timedelta(days=4 * 366))
    session.act_as(leads[0])
    ctx.attach(session)
    screen = _screen(qtbot, ctx)
    assert [payload.household_id for _cells, payload in screen.deletion.due_model.rows] == [gone]
    assert GONE not in _texts(screen.deletion.due_model)
    screen.deletion.due_view.selectRow(0)
    screen.deletion.propose()
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.deletion.due_model.rows[0][0][-1] == "vorgeschlagen"
    screen.deletion.due_view.selectRow(0)
    screen.deletion.approve()  # same person: refused with a message, nothing changes
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.deletion.due_model.rows[0][0][-1] == "vorgeschlagen"
    assert any("Vier-Augen" in t for t in message_log.texts("error"))  # type: ignore[attr-defined]
    _switch(ctx, session, leads[1])
    screen.deletion.due_view.selectRow(0)
    screen.deletion.approve()
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.deletion.due_model.rows[0][0][-1] == "freigegeben"
    screen.deletion.due_view.selectRow(0)
    screen.deletion.delete()
    job = screen.deletion.delete_job  # VACUUM runs on the worker thread behind a modal progress
    assert job is not None and ctx.tasks.busy and job.progress is not None
    assert job.progress.isVisible() and job.progress.isModal()
    qtbot.waitUntil(lambda: job.finished, timeout=30000)
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.deletion.due_model.rowCount() == 0
    assert screen.deletion.done_model.rowCount() == 1
    assert households.list_ids(session, search=GONE) == []
    assert households.list_ids(session, search="Brombeerstrauch") == [kept]
    target = tmp_path / "protokoll.pdf"
    monkeypatch.setattr(documents, "choose_pdf_target", lambda *_a: str(target))
    screen.deletion.done_view.selectRow(0)
    screen.deletion.save_protocol()
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(
        target.read_bytes())).pages)
    assert "Löschprotokoll" in text and GONE not in text and "Zoltanella" not in text
    assert "Akte gelöscht" in _texts(screen.log_model)


def test_art15_request_answer_and_refusal(qtbot: QtBot, ctx: UiContext, session: Session,
                                          leads: tuple[WorkerId, WorkerId], family: HouseholdId,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          message_log: object) -> None:
    session.act_as(leads[0])
    ctx.attach(session)
    screen = _screen(qtbot, ctx)
    screen.requests.person_search.setText("Müller")
    screen.requests._search_persons()
    assert screen.requests.person_choice.count() == 2
    screen.requests.person_choice.setCurrentIndex(0)
    screen.requests.record_request()
    screen.requests.record_request()
    assert screen.requests.request_model.rowCount() == 2
    assert screen.requests.request_model.rows[0][0][3] == "21.12.2026"
    assert "Müller" not in _texts(screen.requests.request_model)
    monkeypatch.setattr(screen_requests, "ask_choice", lambda _p, _t, _l, items: items[0])
    monkeypatch.setattr(screen_requests, "ask_reason", lambda *_a: "Interessen abgewogen.")
    screen.requests.request_view.selectRow(0)
    screen.requests.record_decision()
    monkeypatch.setattr(documents, "choose_pdf_target", lambda *_a: str(tmp_path / "a.pdf"))
    screen.requests.request_view.selectRow(0)
    screen.requests.answer_request()
    job = screen.requests.export_job  # gathered and written on the worker thread
    assert job is not None and ctx.tasks.busy and job.progress is not None
    assert job.progress.isVisible() and not job.progress.isModal()
    qtbot.waitUntil(lambda: job.finished, timeout=30000)
    assert "Auskunft gespeichert (PDF und JSON)." in message_log.texts("info")  # type: ignore[attr-defined]
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["subject"]["name"] == "Ayşe Müller"
    assert [d["reason"] for d in data["decisions"]] == ["Interessen abgewogen."]
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert screen.requests.request_model.rows[0][0][4] in {"erteilt", "teilweise erteilt"}
    monkeypatch.setattr(screen_requests, "ask_reason", lambda *_a: "   ")
    screen.requests.request_view.selectRow(1)
    screen.requests.refuse_request()
    assert any("Begründung" in t for t in message_log.texts("error"))  # type: ignore[attr-defined]
    assert screen.requests.request_model.rows[1][0][4] == "offen"
    monkeypatch.setattr(screen_requests, "ask_reason", lambda *_a: "Offensichtlich exzessiv.")
    screen.requests.request_view.selectRow(1)
    screen.requests.refuse_request()
    assert screen.requests.request_model.rows[1][0][4] == "abgelehnt"


def test_file_type_and_restriction_tab(qtbot: QtBot, ctx: UiContext, session: Session,
                                       leads: tuple[WorkerId, WorkerId], family: HouseholdId,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    session.act_as(leads[0])
    ctx.attach(session)
    screen = _screen(qtbot, ctx)
    screen.file_search.setText("Müller")
    screen._search_files()
    assert screen.file_choice.count() == 1
    assert "nicht eingeschränkt" in screen.file_status.text()
    screen.file_type.setCurrentIndex(screen.file_type.findText(FileType.HZE.value))
    screen.save_file_type()
    assert "Fall nicht abgeschlossen" in screen.file_status.text()  # kept until closure
    assert retention.file_type(session, family) is FileType.HZE
    monkeypatch.setattr(datenschutz, "ask_reason", lambda *_a: "Aufbewahrungspflicht § 9b")
    screen.restrict()
    assert "Verarbeitung: eingeschränkt" in screen.file_status.text()
    screen.lift()
    assert "nicht eingeschränkt" in screen.file_status.text()
