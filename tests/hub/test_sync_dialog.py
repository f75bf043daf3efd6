"""The sync dialog (Akte → Synchronisieren…): status, sync now, resolving a conflict."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from casework.services import hub as sync_service
from casework.services.households import households
from casework.sync import client
from casework.ui import messages, registry
from casework.ui.context import UiContext
from casework.ui.hub import sync_action
from tests.hub.conftest import WORKER_PASSWORD, Devices, Hub, enrol
from tests.hub.helpers import edit, new_household

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)")


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    shown: list[str] = []
    monkeypatch.setattr(messages, "error", lambda _p, _t, text: shown.append(text))
    yield shown


def test_dialog_shows_status_syncs_and_resolves_a_conflict(
        qtbot, hub: Hub, devices: Devices, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    a, b = devices.open(0), devices.open(1)
    hub.add_worker("anna", worker_id=a.vault.owner_id)
    hub.add_worker("ben", worker_id=b.vault.owner_id)
    enrol(hub, a, "anna")
    enrol(hub, b, "ben")
    for s, login in ((a, "anna"), (b, "ben"), (a, "anna")):
        client.sync_vault(s, hub.dsn(login))
    hid = new_household(a, "Hoffmann", assigned=b.vault.owner_id)
    client.sync_vault(a, hub.dsn("anna"))
    client.sync_vault(b, hub.dsn("ben"))
    edit(a, hid, risks="Schulden")
    b.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
    edit(b, hid, risks="keine bekannt")
    client.sync_vault(b, hub.dsn("ben"))

    ctx = UiContext(a.clock)
    ctx.attach(a)
    changed: list[object] = []
    ctx.changed.connect(changed.append)
    dialog = sync_action.SyncDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.pending_label.text() == "1"
    assert dialog.conflict_label.text() == "0"
    assert "dbname=" in dialog.hub_label.text()
    assert "password" not in dialog.hub_label.text()

    # The stored hub address has no password: the dialog asks for it, it is not kept.
    dialog.password.setText(WORKER_PASSWORD)
    qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    assert errors == []
    assert "1 gesendet" in dialog.result_label.text()
    assert "neue Konflikte" in dialog.result_label.text()
    assert dialog.pending_label.text() == "0"
    assert dialog.conflict_label.text() == "1"
    assert dialog.conflict_list.count() == 1
    assert "Risiken" in dialog.conflict_list.item(0).text()
    labels = [button.text() for button in dialog.choice_buttons]
    assert len(labels) == 2
    assert "„keine bekannt“ – Ben Muster" in labels[0]
    assert "„Schulden“ – Anna Beispiel" in labels[1]
    assert all("Uhr" in text for text in labels)
    assert households.get(a, hid).data.risks == "keine bekannt"

    qtbot.mouseClick(dialog.choice_buttons[1], Qt.MouseButton.LeftButton)
    assert households.get(a, hid).data.risks == "Schulden"
    assert dialog.conflict_list.count() == 0
    assert dialog.conflict_label.text() == "0"
    assert dialog.pending_label.text() == "1"  # the choice is a new change to send
    assert any(getattr(c, "affects", lambda *_: False)("household") for c in changed)

    # Without the password the hub refuses; the message comes through the seam.
    dialog.password.clear()
    qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    assert errors and "Passwort" in errors[-1]
    assert sync_service.status(a).pending == 1


def test_menu_action_contract() -> None:
    entry = registry.menu_action("sync")
    assert entry.label == "Synchronisieren…"
    assert entry.roles is None
    assert callable(entry.trigger)
    assert callable(sync_action.trigger)
