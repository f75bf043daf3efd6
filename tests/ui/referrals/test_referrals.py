"""Family tab "Vermittlungen" and the Vermittlungen screen, with real widgets and vaults:
create → Einverständnis → send blocked (consent withdrawn) / allowed, print, screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from casework.models.consent import Capacity, ConsentDraft, Selection
from casework.models.ids import HouseholdId
from casework.models.referrals import ReferralState
from casework.services import referrals as service
from casework.services import referrals_reading as reading
from casework.services.consent import lifecycle as consent
from casework.services.households import households
from casework.services.session import Session
from casework.storage import audit as audit_store
from casework.ui import documents, registry
from casework.ui.context import UiContext
from casework.ui.referrals import dialogs
from casework.ui.referrals import family_tab as tab_module
from tests.ui.conftest import MessageLog

TODAY = date(2026, 11, 21)


def give_consent(session: Session, person: str, detail: str = "ASD Bezirk 9") -> str:
    cid, _ = consent.prepare(session, ConsentDraft(
        person, (Selection("email", detail),), (Selection("stadt"),), Capacity.SELF))  # type: ignore[arg-type]
    consent.print_form(session, cid)
    consent.record_signature(session, cid, signed_on=TODAY)
    return cid


def make_tab(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
             family: HouseholdId) -> tab_module.VermittlungenTab:
    ctx.attach(session)
    tab = tab_module.create(ctx, family)
    assert isinstance(tab, tab_module.VermittlungenTab)
    qtbot.addWidget(tab)
    return tab


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.accessibleName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_create_consent_send_blocked_then_allowed(
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,  # type: ignore[no-untyped-def]
        message_log: MessageLog) -> None:
    mother = next(p.id for p in households.members(session, family)
                  if p.data.first_name == "Ayşe")
    consent_id = give_consent(session, mother)
    tab = make_tab(qtbot, ctx, session, family)
    assert tab.model.rowCount() == 0 and not tab.empty.isHidden()
    assert registry.family_tab("vermittlungen").title == "Vermittlungen"

    click(qtbot, tab.new_button)
    dialog = tab.dialog
    assert isinstance(dialog, dialogs.NewReferralDialog)
    assert dialog.district.currentText() == "ASD Bezirk 9"  # from Batenbrock-Süd
    dialog.accept()  # nothing chosen yet → error next to the field, dialog stays
    assert "mindestens eine Person" in dialog.form.error_text("Personen")
    dialog.check_person(mother)
    qtbot.keyClicks(dialog.reason, "Unterstuetzung bei Erziehungsfragen")
    dialog.accept()
    assert dialog.result() == 1
    assert tab.model.rowCount() == 1
    assert tab.model.rows[0][0][:2] == ("ASD Bezirk 9", "vorgeschlagen")
    assert tab.model.rows[0][0][-1] == "Unterstuetzung bei Erziehungsfragen"
    assert tab.selected() is not None

    click(qtbot, tab.agree_button)
    step = tab.dialog
    assert isinstance(step, dialogs.StepDialog)
    qtbot.keyClicks(step.text, "Mutter einverstanden")
    step.accept()
    assert tab.model.rows[0][0][1] == "mit Einverständnis der Familie"
    assert "Mutter einverstanden" in tab.details.text()

    # The consent is withdrawn before sending (LR-32).
    consent.withdraw(session, consent_id, total=True, via="telefonisch")
    click(qtbot, tab.send_button)
    send = tab.dialog
    assert isinstance(send, dialogs.SendDialog)
    # issue 18: it records, it sends nothing; disabled with the reason visible
    assert send.ok_button.text() == "Als übermittelt &festhalten"
    assert not send.ok_button.isEnabled()
    assert send.ok_reason.isVisibleTo(send)
    assert "Einwilligungsprüfung oben sagt nein" in send.ok_reason.text()
    send.accept()  # the service refuses as well
    errors = message_log.texts("error")
    assert errors and "Ayşe Müller" in errors[-1] and "widerrufen" in errors[-1]
    assert send.result() != 1  # stays open
    assert tab.model.rows[0][0][1] == "mit Einverständnis der Familie"
    send.reject()

    give_consent(session, mother)  # a new, valid consent
    click(qtbot, tab.send_button)
    send = tab.dialog
    assert isinstance(send, dialogs.SendDialog)
    assert "gültige Einwilligung" in send.check_label.text()
    assert send.ok_button.isEnabled() and not send.ok_reason.isVisibleTo(send)
    send.accept()
    assert ctx.last_confirmation == "Übermittlung festgehalten."
    assert tab.model.rows[0][0][1] == "übermittelt"
    assert tab.model.rows[0][0][3] == "05.12.2026"  # Wiedervorlage in 14 days
    assert not tab.send_button.isEnabled() and tab.accept_button.isEnabled()


def test_print_letter_through_the_chooser(
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,  # type: ignore[no-untyped-def]
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mother = next(p.id for p in households.members(session, family)
                  if p.data.first_name == "Ayşe")
    give_consent(session, mother)
    rec = service.recipient_choices(session, family).suggested[0]
    from casework.models.referrals import ReferralDraft

    rid, _ = service.create(session, ReferralDraft(family, (mother,), rec, "Beratung"))
    service.agree(session, rid)
    tab = make_tab(qtbot, ctx, session, family)
    tab.select(rid)
    target = tmp_path / "bogen.pdf"
    monkeypatch.setattr(documents, "choose_pdf_target", lambda *_a: str(target))
    click(qtbot, tab.print_button)
    assert target.read_bytes().startswith(b"%PDF-")
    assert audit_store.entries(session.db, limit=1)[0].action == "referral.print"


def test_withdraw_and_close_buttons_follow_the_lifecycle(
        qtbot, ctx: UiContext, session: Session, family: HouseholdId) -> None:  # type: ignore[no-untyped-def]
    mother = next(p.id for p in households.members(session, family)
                  if p.data.first_name == "Ayşe")
    from casework.models.referrals import ReferralDraft, free_recipient

    rid, _ = service.create(session, ReferralDraft(
        family, (mother,), free_recipient("Beratung Beispiel"), "Beratung"))
    tab = make_tab(qtbot, ctx, session, family)
    tab.select(rid)
    assert not tab.send_button.isEnabled()  # a free entry: no statutory shortcut
    assert not tab.close_button.isEnabled() and not tab.print_button.isEnabled()
    click(qtbot, tab.withdraw_button)
    step = tab.dialog
    assert isinstance(step, dialogs.StepDialog)
    step.accept()  # reason missing
    assert "bitte angeben" in step.form.error_text("Grund")
    qtbot.keyClicks(step.text, "Familie verzichtet")
    step.accept()
    assert reading.get(session, rid).state is ReferralState.ZURUECKGEZOGEN
    assert not any(b.isEnabled() for b in (tab.agree_button, tab.withdraw_button,
                                           tab.close_button))


def test_screen_lists_open_referrals_filters_and_statistics(
        qtbot, qtmodeltester, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
        family: HouseholdId, clock) -> None:
    from datetime import timedelta

    from casework.models.referrals import ReferralDraft, free_recipient
    from casework.ui.referrals import screen as screen_module

    mother = next(p.id for p in households.members(session, family)
                  if p.data.first_name == "Ayşe")
    asd = service.recipient_choices(session, family).suggested[0]
    service.create(session, ReferralDraft(family, (mother,), asd, "Erziehung"))
    clock.advance(timedelta(days=12))
    new, _ = service.create(session, ReferralDraft(
        family, (mother,), free_recipient("Beratung Beispiel"), "Schulden"))
    service.agree(session, new)
    ctx.attach(session)
    screen = screen_module.create(ctx)
    assert isinstance(screen, screen_module.VermittlungenScreen)
    qtbot.addWidget(screen)
    qtmodeltester.check(screen.model)
    qtmodeltester.check(screen.stats_model)
    cells = [row[0] for row in screen.model.rows]
    assert [(c[1], c[2], c[3]) for c in cells] == [
        ("ASD Bezirk 9", "vorgeschlagen", "12"),
        ("Beratung Beispiel", "mit Einverständnis der Familie", "0")]
    assert screen.count.text() == "2 offen"
    screen.state.setCurrentIndex(screen.state.findText("mit Einverständnis der Familie"))
    assert [row[0][1] for row in screen.model.rows] == ["Beratung Beispiel"]
    screen.state.setCurrentIndex(0)
    screen.min_age.setValue(10)
    assert [row[0][1] for row in screen.model.rows] == ["ASD Bezirk 9"]
    screen.min_age.setValue(0)
    screen.recipient.setCurrentIndex(screen.recipient.findText("Beratung Beispiel"))
    assert [row[0][1] for row in screen.model.rows] == ["Beratung Beispiel"]
    screen.view.selectRow(0)
    with qtbot.waitSignal(ctx.household_requested) as opened:
        click(qtbot, screen.open_button)
    assert opened.args == [family, ""]
    # Withdrawing through the service refreshes the screen (ctx.changed).
    ctx.run(service.withdraw, new, "Familie verzichtet")
    screen.recipient.setCurrentIndex(0)
    assert [row[0][1] for row in screen.model.rows] == ["ASD Bezirk 9"]
    stats = {row[0][0]: row[0] for row in screen.stats_model.rows}
    header = screen.stats_model.columns
    free = stats[reading.FREE_GROUP]
    assert free[1] == "1" and free[header.index("zurückgezogen")] == "1"
    assert stats["ASD Bezirk 9"][header.index("vorgeschlagen")] == "1"


def test_send_on_section_8a_without_consent(
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,  # type: ignore[no-untyped-def]
        message_log: MessageLog) -> None:
    from casework.models.referrals import ReferralDraft

    people = [p.id for p in households.members(session, family)]
    asd = service.recipient_choices(session, family).suggested[0]
    rid, _ = service.create(session, ReferralDraft(family, tuple(people), asd, "§ 8a"))
    tab = make_tab(qtbot, ctx, session, family)
    tab.select(rid)
    click(qtbot, tab.send_button)  # ASD: the statutory path is offered before agreement
    send = tab.dialog
    assert isinstance(send, dialogs.SendDialog)
    assert "Lena Müller" in send.check_label.text()  # no consent: named
    send.accept()  # with the consent as basis: the family's agreement is missing
    assert "Einverständnis" in send.form.general_error.text()
    send.basis.setCurrentIndex(send.basis.findText("§ 8a SGB VIII"))
    send.accept()
    assert "Datum angeben" in send.form.error_text("Betroffene vorab informiert am")
    qtbot.keyClicks(send.informed_on, "20.11.2026")
    send.accept()
    assert send.result() == 1
    sent = reading.get(session, rid).send_step
    assert sent is not None and sent.statutory is not None
    assert sent.statutory.informed_on == date(2026, 11, 20)
    assert "§ 8a SGB VIII" in tab.details.text()
    assert message_log.texts("error") == []


def test_edit_removes_person_without_consent_then_send(
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,  # type: ignore[no-untyped-def]
        message_log: MessageLog) -> None:
    from casework.models.referrals import ReferralDraft

    people = {p.data.first_name: p.id for p in households.members(session, family)}
    give_consent(session, people["Ayşe"])
    asd = service.recipient_choices(session, family).suggested[0]
    rid, _ = service.create(session, ReferralDraft(
        family, (people["Ayşe"], people["Lena"]), asd, "Beratung"))
    service.agree(session, rid)
    tab = make_tab(qtbot, ctx, session, family)
    tab.select(rid)
    click(qtbot, tab.send_button)
    send = tab.dialog
    assert isinstance(send, dialogs.SendDialog)
    send.accept()
    assert "Lena Müller" in message_log.texts("error")[-1]
    send.reject()
    click(qtbot, tab.edit_button)
    edit = tab.dialog
    assert isinstance(edit, dialogs.NewReferralDialog)
    assert edit.reason.text() == "Beratung" and edit.district.currentText() == "ASD Bezirk 9"
    edit.check_person(people["Lena"], checked=False)
    edit.accept()
    assert edit.result() == 1
    assert reading.get(session, rid).data.person_ids == (people["Ayşe"],)
    click(qtbot, tab.send_button)
    send = tab.dialog
    assert isinstance(send, dialogs.SendDialog)
    send.accept()
    assert reading.get(session, rid).state is ReferralState.UEBERMITTELT
    assert not tab.edit_button.isEnabled()  # sent: the content is fixed


def test_set_follow_up_from_the_tab(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                    family: HouseholdId) -> None:
    from casework.models.referrals import ReferralDraft, free_recipient

    mother = households.members(session, family)[0].id
    rid, _ = service.create(session, ReferralDraft(
        family, (mother,), free_recipient("Beratung Beispiel"), "Beratung"))
    tab = make_tab(qtbot, ctx, session, family)
    tab.select(rid)
    click(qtbot, tab.follow_up_button)
    step = tab.dialog
    assert isinstance(step, dialogs.StepDialog)
    qtbot.keyClicks(step.follow_up, "01.12.2026")
    step.accept()
    assert tab.model.rows[0][0][3] == "01.12.2026"
    assert [f.referral_id for f in reading.follow_ups_due(session, date(2026, 12, 1))] == [rid]
