"""The sync dialog (Akte → Synchronisieren…): status, sync now, resolving a conflict."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from casework.errors import UserError
from casework.models.ids import WorkerId, new_id
from casework.models.persons.worker import WorkerRole
from casework.services import hub as sync_service
from casework.services import hub_trust
from casework.services.directory import vault_profile
from casework.services.households import households
from casework.sync import admin, client
from casework.ui import messages, registry
from casework.ui.context import UiContext
from casework.ui.hub import sync_action
from tests.conftest import PASSPHRASE, add_person
from tests.hub.conftest import WORKER_PASSWORD, Devices, Hub, enrol, team_of_two
from tests.hub.helpers import edit, inject, new_household, share_injected_keys

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
    a, b = team_of_two(hub, devices, team="")
    hid = new_household(a, "Hoffmann", assigned=b.vault.owner_id)
    client.sync_vault(a)
    client.sync_vault(b)
    edit(a, hid, risks="Schulden")
    b.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
    edit(b, hid, risks="keine bekannt")
    client.sync_vault(b)

    ctx = UiContext(a.clock)
    ctx.attach(a)
    changed: list[object] = []
    ctx.changed.connect(changed.append)
    dialog = sync_action.SyncDialog(ctx)
    qtbot.addWidget(dialog)
    # counted on the worker thread (seconds before the first sync of a large vault)
    assert dialog.pending_label.text() == "wird gezählt …"
    qtbot.waitUntil(lambda: dialog.pending_label.text() == "1", timeout=10_000)
    assert dialog.conflict_label.text() == "0"
    assert "dbname=" in dialog.hub_label.text()
    assert "password" not in dialog.hub_label.text()

    # The stored hub address has no password; the device signs in with its own hub login
    # (its secret is kept in the encrypted vault only).
    assert sync_service.device_secret(a) not in dialog.hub_label.text()
    qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    assert dialog.busy  # on the worker thread; the window stays responsive
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert errors == []
    assert "1 gesendet" in dialog.result_label.text()
    assert "neue Konflikte" in dialog.result_label.text()
    qtbot.waitUntil(lambda: dialog.pending_label.text() == "0", timeout=10_000)
    assert dialog.conflict_label.text() == "1"
    assert dialog.conflict_list.count() == 1
    assert dialog.conflicts_box.isVisibleTo(dialog)
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
    assert not dialog.conflicts_box.isVisibleTo(dialog)  # nothing left to decide
    assert dialog.conflict_label.text() == "0"
    # the choice is a new change to send
    qtbot.waitUntil(lambda: dialog.pending_label.text() == "1", timeout=10_000)
    assert any(getattr(c, "affects", lambda *_: False)("household") for c in changed)

    # A revoked device is refused; the message comes through the seam.
    assert admin.revoke_device(hub.admin_dsn, a.vault.device_id)
    qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert errors and "gesperrt" in errors[-1]
    assert sync_service.status(a).pending == 1


def test_cancelling_loses_nothing_and_the_leitung_sees_abgewiesene_changes(
        qtbot, hub: Hub, devices: Devices, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    lea, ben = devices.open(0), devices.open(1)
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id,
                   display="Lea Leitung")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, display="Ben Muster")
    enrol(hub, lea, "lea")
    enrol(hub, ben, "ben")
    for s in (lea, ben, lea):
        client.sync_vault(s)
    new_household(lea, "Wartet")
    ctx = UiContext(lea.clock)
    ctx.attach(lea)
    dialog = sync_action.SyncDialog(ctx)
    qtbot.addWidget(dialog)

    # Cancel: the job stops before its next batch; the change stays to be sent.
    release = threading.Event()
    ctx.tasks.submit(release.wait)  # the worker thread is busy with something else
    qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert "abgebrochen" in dialog.result_label.text()
    assert errors == []
    assert sync_service.status(lea).pending == 1

    # A colleague's modified app sends a Rote-Mappe revision: the hub refuses it; a
    # compromised hub that delivers it anyway gets it quarantined on Lea's laptop.
    rogue = {"change_id": new_id(), "entity": "directory", "entity_id": new_id(),
             "scope_id": None, "op": "insert",
             "fields": {"profile_name": lea.profile_name,
                        "data": vault_profile.canonical_json(vault_profile.active_profile(lea))},
             "hlc": f"1900000000000.000000.{ben.vault.device_id}",
             "at": "2026-11-21T09:00:00.000000Z"}
    inject(hub, ben, rogue)
    share_injected_keys(ben, hub)
    qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert errors == []
    assert "1 gesendet" in dialog.result_label.text()
    assert "1 Änderungen abgewiesen" in dialog.result_label.text()
    assert dialog.refused_label.text() == "1"
    assert dialog.refused_box.isVisibleTo(dialog)
    [item] = [dialog.refused_list.item(i).text() for i in range(dialog.refused_list.count())]
    assert "Verzeichnis/Rote Mappe von Ben Muster" in item
    assert "Leitung oder Administration" in item
    assert sync_service.status(lea).pending == 0


def test_a_colleagues_entries_in_a_shared_vault_stay_on_the_device_and_say_why(
        qtbot, hub: Hub, devices: Devices, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    """A vault shared by two persons joins the hub as Anna's device: what Dana (Fachkraft)
    writes is refused by the hub (a device sends only its own person's changes), stays in
    the vault, is not offered again, and Dana herself sees why in the sync dialog."""
    a = devices.open(0)
    hub.add_worker("anna", worker_id=a.vault.owner_id, display="Anna Beispiel")
    enrol(hub, a, "anna")
    dana = add_person(a, "Dana Fachkraft", WorkerRole.FACHKRAFT)
    a.act_as(dana)
    hid = new_household(a, "Geteilt")
    a.act_as(WorkerId(a.vault.owner_id))
    client.sync_vault(a)
    refused = [q for q in sync_service.quarantine(a) if q.entity_id == hid]
    assert [(q.direction, q.reason, q.actor) for q in refused] == [("out", "CW010", dana)]
    assert households.get(a, hid).name == "Geteilt"
    with hub.superuser() as conn:
        assert conn.execute("SELECT count(*) FROM casework.changes WHERE scope_id = %s",
                            (hid,)).fetchone() == (0,)
    again = client.sync_vault(a)
    assert again.pushed == 0 and sync_service.status(a).pending == 0

    a.act_as(dana)  # not Leitung/Admin: she still sees what the hub refused of this device
    ctx = UiContext(a.clock)
    ctx.attach(a)
    dialog = sync_action.SyncDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.refused_box.isVisibleTo(dialog)
    items = [dialog.refused_list.item(i).text() for i in range(dialog.refused_list.count())]
    [mine] = [t for t in items if "Familie von Dana Fachkraft" in t]
    assert "vom Team-Hub abgewiesen" in mine
    assert "nur Änderungen der Person, für die es am Team-Hub angemeldet ist" in mine
    assert errors == []


def test_menu_action_contract() -> None:
    entry = registry.menu_action("sync")
    assert entry.label == "Synchronisieren…"
    assert entry.roles is None
    assert callable(entry.trigger)
    assert callable(sync_action.trigger)


def test_leitung_issues_a_code_and_a_colleague_enrols_in_the_app(
        qtbot, hub: Hub, devices: Devices, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    lea, kim = devices.open(0), devices.open(1)
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id, team="Nord",
                   display="Lea Leitung")
    hub.add_worker("kim", team="Nord", display="Kim Neu")
    enrol(hub, lea, "lea")
    client.sync_vault(lea)  # the roster: Lea is Leitung, Kim is known

    lea_ctx = UiContext(lea.clock)
    lea_ctx.attach(lea)
    lea_dialog = sync_action.SyncDialog(lea_ctx)
    qtbot.addWidget(lea_dialog)
    assert not lea_dialog.enrol_box.isVisibleTo(lea_dialog)
    assert lea_dialog.code_box.isVisibleTo(lea_dialog)
    names = [lea_dialog.code_worker.itemText(i) for i in range(lea_dialog.code_worker.count())]
    assert names == ["Kim Neu (Fachkraft)"]
    lea_dialog.show()  # its parts were laid out while hidden
    qtbot.mouseClick(lea_dialog.code_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "gültig bis" in lea_dialog.code_label.text() or bool(errors),
                    timeout=30_000)
    assert errors == []
    code = lea_dialog.code_label.text().split()[0]

    kim_ctx = UiContext(kim.clock)
    kim_ctx.attach(kim)
    kim_dialog = sync_action.SyncDialog(kim_ctx)
    qtbot.addWidget(kim_dialog)
    kim_dialog.show()
    assert kim_dialog.enrol_box.isVisibleTo(kim_dialog)
    assert not kim_dialog.code_box.isVisibleTo(kim_dialog)
    dsn = hub.dsn("kim").replace(f"password={WORKER_PASSWORD} ", "")
    kim_dialog.enrol_dsn.setText(dsn)
    kim_dialog.enrol_password.setText(WORKER_PASSWORD)
    kim_dialog.enrol_code.setText(code)
    kim_dialog.enrol_label.setText("Laptop Büro")
    # Without her passphrase (it binds the device to her) nothing happens.
    qtbot.mouseClick(kim_dialog.enrol_button, Qt.MouseButton.LeftButton)
    assert errors == ["Bitte Ihre eigene Passphrase eingeben: sie bindet dieses Gerät an Sie."]
    assert not kim_dialog.busy
    # A wrong passphrase is found before the code is spent.
    kim_dialog.enrol_passphrase.setText("Nicht ihre Passphrase")
    qtbot.mouseClick(kim_dialog.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not kim_dialog.busy, timeout=30_000)
    assert errors[1].startswith("Die Passphrase ist nicht richtig. Das Gerät wurde nicht "
                                "angemeldet; der Einmal-Code gilt weiter.")
    errors.clear()
    assert kim_dialog.enrol_box.isVisibleTo(kim_dialog)
    kim_dialog.enrol_password.setText(WORKER_PASSWORD)
    kim_dialog.enrol_passphrase.setText(PASSPHRASE)  # she signs her device's keys
    qtbot.mouseClick(kim_dialog.enrol_button, Qt.MouseButton.LeftButton)
    assert kim_dialog.busy  # Argon2id and the hub on the worker thread
    qtbot.waitUntil(lambda: not kim_dialog.busy, timeout=30_000)
    assert errors == []
    assert "Kim Neu" in kim_dialog.result_label.text()
    assert kim_dialog.enrol_passphrase.text() == ""
    assert hub_trust.status(kim).device_bound
    assert not kim_dialog.enrol_box.isVisibleTo(kim_dialog)
    assert kim_dialog.enrol_password.text() == ""
    qtbot.mouseClick(kim_dialog.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not kim_dialog.busy, timeout=30_000)
    assert errors == []
    assert "Abgeglichen" in kim_dialog.result_label.text()
    # The code is used up.
    again = devices.open(2)
    with pytest.raises(UserError):
        client.enrol(again, hub.dsn("kim"), code)
