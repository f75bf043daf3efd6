"""Akte → "Neu verschlüsseln…" (issue 15: a menu entry for the owner): the owner confirms
with her passphrase, the vault is locked and re-encrypted on the worker thread behind a
modal progress (issue 23), she unlocks as usual, the family file stays readable and a
header from before no longer opens the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QProgressDialog

from casework.clock import FixedClock
from casework.errors import UserError
from casework.services import session as session_service
from casework.services.households import households
from casework.ui import registry
from casework.ui.main_window import MainWindow
from casework.ui.persons import rekey_action
from tests.conftest import PASSPHRASE, add_family
from tests.ui.conftest import MessageLog, unlock


def test_the_owner_rekeys_from_the_menu(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                        message_log: MessageLog, clock: FixedClock,
                                        vault_dir: Path) -> None:
    entry = next(e for e in registry.MENU_ACTIONS if e.key == "rekey")
    assert entry.label == "Neu verschlüsseln…" and entry.roles == ("Admin",)
    ctx = unlocked.ctx
    family = add_family(ctx.require_session(), "Neuschlüssel")
    old_header = (vault_dir / "vault.json").read_text(encoding="utf-8")

    assert rekey_action.trigger(ctx, unlocked) is True

    assert any(kind == "passphrase" for kind, _t, _x in message_log.shown)
    # The passphrase is proven on the worker; then the vault locks and the
    # re-encryption runs on the worker behind a modal progress.
    assert ctx.tasks.busy
    qtbot.waitUntil(lambda: ctx.session is None)
    assert unlocked.workspace is None and ctx.tasks.busy
    progress = unlocked.findChild(QProgressDialog)
    assert progress is not None and progress.isVisible() and progress.isModal()
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=30000)
    assert "neu verschlüsselt" in message_log.texts("info")[-1]
    unlock(qtbot, unlocked, vault_dir)
    assert households.get(ctx.require_session(), family).name == "Neuschlüssel"
    assert session_service.check(ctx.require_session()).ok
    unlocked.lock()
    # The old header (as inside an older backup) no longer opens the database …
    (vault_dir / "vault.json").write_text(old_header, encoding="utf-8")
    with pytest.raises(UserError):
        session_service.unlock(vault_dir, PASSPHRASE, clock).close()


def test_a_wrong_passphrase_locks_nothing(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                         message_log: MessageLog, vault_dir: Path) -> None:
    message_log.passphrase = "Falsche Passphrase 12345"
    before = (vault_dir / "vault.json").read_bytes()
    assert rekey_action.trigger(unlocked.ctx, unlocked) is True
    qtbot.waitUntil(lambda: not unlocked.ctx.tasks.busy)
    assert message_log.texts("error") == ["Die Passphrase ist nicht richtig. Es wurde nichts "
                                          "gespeichert."]
    assert unlocked.ctx.is_unlocked
    assert (vault_dir / "vault.json").read_bytes() == before


def test_cancelling_changes_nothing(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                   message_log: MessageLog, vault_dir: Path) -> None:
    message_log.confirm_answer = False
    before = (vault_dir / "vault.json").read_bytes()
    assert rekey_action.trigger(unlocked.ctx, unlocked) is False
    assert unlocked.ctx.is_unlocked
    assert (vault_dir / "vault.json").read_bytes() == before
