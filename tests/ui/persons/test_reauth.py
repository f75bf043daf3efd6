"""Persons who sign in the app (issue 15): a Fachkraft cannot approve, re-authentication
for a Leitung approval (wrong passphrase: nothing happens), the passphrase dialog clears
its field, Heute reminds the owner of the recovery key, and the § 8a documentation prints
the verified signature of each approval."""

from __future__ import annotations

import io
import re

import pypdf
from pytestqt.qtbot import QtBot

from casework.forms import kinderschutz as forms
from casework.forms.base import letterhead_from_organisation
from casework.models.ids import HouseholdId, WorkerId
from casework.models.kinderschutz.review import ReviewKind, ReviewStatus
from casework.services import persons
from casework.services.directory import shipped as reference
from casework.services.kinderschutz import documents as ks_documents
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.session import Session
from casework.ui import agenda as heute
from casework.ui.context import UiContext
from casework.ui.kinderschutz import screen as screen_module
from casework.ui.persons.dialog import PassphraseDialog
from tests.conftest import sign
from tests.services.kinderschutz.support import Team, drive_to_s5, make_team, result
from tests.ui.conftest import MessageLog


def _result_row(screen: screen_module.KinderschutzScreen) -> int:
    model = screen.queue_model
    for row in range(model.rowCount()):
        if model.index(row, 0).data() == "Ergebnis der Gefährdungseinschätzung":
            return row
    return -1


def test_fachkraft_sees_no_approval_and_leitung_must_reauthenticate(
        qtbot: QtBot, ctx: UiContext, session: Session, family: HouseholdId,
        message_log: MessageLog) -> None:
    team: Team = make_team(session)
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    ks.hand_over(session, pid, auth=sign(session))
    ctx.attach(session)
    fachkraft = screen_module.create(ctx)
    assert isinstance(fachkraft, screen_module.KinderschutzScreen)
    qtbot.addWidget(fachkraft)
    assert not fachkraft.queue_box.isVisibleTo(fachkraft)  # the owner is no Leitung

    session.act_as(WorkerId(team.leitung))
    ctx.session_changed.emit()
    screen = screen_module.create(ctx)
    assert isinstance(screen, screen_module.KinderschutzScreen)
    qtbot.addWidget(screen)
    screen.select_item(_result_row(screen))
    message_log.passphrase = "Das ist nicht ihre Passphrase"
    assert not screen.approve()
    assert any("nicht richtig" in t for t in message_log.texts("error"))
    assert _result_row(screen) >= 0  # nothing approved
    message_log.passphrase = ""  # cancelled
    assert not screen.approve()
    message_log.passphrase = None  # Dana types her own
    assert screen.approve()
    assert _result_row(screen) == -1
    prompts = [t for k, _t, t in message_log.shown if k == "passphrase"]
    assert prompts and all("(Dana Leitung)" in p for p in prompts)

    # The § 8a documentation names role, short key fingerprint and the verified signature.
    item = next(v for v in review.items_for(session, pid) if v.item.kind is ReviewKind.ERGEBNIS)
    assert item.status is ReviewStatus.FREIGEGEBEN
    dossier = ks_documents.dossier(session, pid)
    profile = reference.load_profile(session.profile_name)
    pdf = forms.render_documentation(dossier, letterhead_from_organisation(
        profile.organisation), session.clock)
    text = re.sub(r"\s+", " ", " ".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    fingerprint = persons.find(session, "Dana Leitung").fingerprint
    assert fingerprint is not None
    assert "Signatur geprüft" in text and "Dana Leitung" in text
    assert fingerprint[:9] in text


def test_passphrase_dialog_clears_its_field(qtbot: QtBot) -> None:
    dialog = PassphraseDialog(None, "Mit Passphrase bestätigen", "Freigabe")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.field, "geheim und lang genug")
    assert dialog.take() == "geheim und lang genug"
    assert dialog.field.text() == ""


def test_heute_reminds_the_owner_until_the_recovery_key_exists(
        qtbot: QtBot, ctx: UiContext, session: Session) -> None:
    from casework.services.backup import recovery

    ctx.attach(session)
    screen = heute.create(ctx)
    assert isinstance(screen, heute.HeuteScreen)
    qtbot.addWidget(screen)
    screen.reload()
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.recovery_hint.isVisibleTo(screen)
    assert "alles verloren" in screen.recovery_text.text()
    assert screen.recovery_button.isVisibleTo(screen)  # the owner is also Admin
    screen.resize(1093, 590)  # 125 % on the laptop
    screen.show()
    assert screen.recovery_text.width() > 600  # its own row, not squeezed by the heading
    assert screen.recovery_text.height() < 3 * screen.recovery_text.fontMetrics().height()
    recovery.create_recovery_key(session, auth=sign(session))
    screen.reload()
    qtbot.waitUntil(lambda: not screen.loading)
    assert not screen.recovery_hint.isVisibleTo(screen)
