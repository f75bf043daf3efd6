"""Personen und Rollen in the app (Synchronisieren… → „Personen und Rollen …“): the founding
Admin sets the trust anchor and signs a colleague's new role with her passphrase; the
colleague's own device believes it after the next sync. A wrong passphrase signs nothing;
only an Admin sees the button."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from casework.models.persons.worker import WorkerRole
from casework.services import hub_trust
from casework.services.session import Session
from casework.sync import client
from casework.ui import messages
from casework.ui.context import UiContext
from casework.ui.hub import roster, sync_action
from tests.conftest import PASSPHRASE
from tests.hub.conftest import Devices, Hub, enrol

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)")


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """What the passphrase question answers, and the error boxes shown."""
    seen: dict[str, list[str]] = {"passphrase": [], "errors": []}
    monkeypatch.setattr(messages, "ask_passphrase",
                        lambda _p, _t, _text: seen["passphrase"].pop(0))
    monkeypatch.setattr(messages, "error", lambda _p, _t, text: seen["errors"].append(text))
    yield seen


def _role_here(session: Session, worker_id: str) -> str:
    return str(session.db.scalar("SELECT role FROM workers WHERE id = ?", (worker_id,)))


def _rows(dialog: roster.RosterDialog) -> list[tuple[str, ...]]:
    t = dialog.table
    return [tuple(t.item(r, c).text() for c in range(3)) for r in range(t.rowCount())]


def test_an_admin_signs_the_team_and_a_new_role_in_the_app(
        qtbot, hub: Hub, devices: Devices, answers: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    anna, ben = devices.open(0), devices.open(1)
    hub.add_worker("anna", role=WorkerRole.ADMIN, worker_id=anna.vault.owner_id,
                   team="Nord", display="Anna")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Nord", display="Ben")
    enrol(hub, anna, "anna")
    enrol(hub, ben, "ben")
    for s in (anna, ben, anna):
        client.sync_vault(s)
    ben_id = ben.vault.owner_id

    # Only an Admin finds the button in the sync dialog.
    ben_ctx = UiContext(ben.clock)
    ben_ctx.attach(ben)
    ben_sync = sync_action.SyncDialog(ben_ctx)
    qtbot.addWidget(ben_sync)
    assert not ben_sync.roster_button.isVisibleTo(ben_sync)
    ctx = UiContext(anna.clock)
    ctx.attach(anna)
    sync = sync_action.SyncDialog(ctx)
    qtbot.addWidget(sync)
    assert sync.roster_button.isVisibleTo(sync)

    dialog = roster.RosterDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "noch nicht signiert" in dialog.anchor_label.text()
    assert dialog.found_button.isVisibleTo(dialog)
    assert not dialog.edit_box.isVisibleTo(dialog)

    answers["passphrase"].append(PASSPHRASE)
    qtbot.mouseClick(dialog.found_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert answers["errors"] == []
    assert "Signiert und an den Team-Hub übertragen" in dialog.result_label.text()
    assert hub_trust.status(anna).anchor is not None
    assert sorted(_rows(dialog)) == [("Anna", "Admin", "Nord"), ("Ben", "Fachkraft", "Nord")]
    assert not dialog.found_button.isVisibleTo(dialog)
    assert dialog.edit_box.isVisibleTo(dialog)

    # Ben becomes Leitung of team Süd: signed here, believed on Ben's own device.
    dialog.person.setCurrentIndex(dialog.person.findData(ben_id))
    assert dialog.name.text() == "Ben"
    dialog.role.setCurrentText("Leitung")
    dialog.team.setText("Süd")
    answers["passphrase"].append(PASSPHRASE)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert answers["errors"] == []
    assert ("Ben", "Leitung", "Süd") in _rows(dialog)
    assert "Ben – Leitung, Team Süd, aktiv, Schlüssel" in dialog.result_label.text()
    client.sync_vault(ben)
    assert _role_here(ben, ben_id) == "Leitung"
    sync.refresh()  # back in the sync dialog: the code list names the signed role
    assert sync.code_worker.itemText(sync.code_worker.findData(ben_id)) == "Ben (Leitung)"

    # A wrong passphrase signs nothing and says so.
    dialog.role.setCurrentText("Admin")
    answers["passphrase"].append("Nicht die richtige Passphrase")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert answers["errors"] == ["Die Passphrase ist nicht richtig. Es wurde nichts gespeichert."]
    assert ("Ben", "Leitung", "Süd") in _rows(dialog)
    client.sync_vault(ben)
    assert _role_here(ben, ben_id) == "Leitung"
