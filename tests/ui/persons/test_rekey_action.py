"""Akte → "Neu verschlüsseln…" (issue 15: a menu entry for the owner): the owner confirms
with her passphrase, the vault gets a new data key, the family file stays readable and a
header from before no longer opens the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from casework.clock import FixedClock
from casework.errors import UserError
from casework.services import session as session_service
from casework.services.households import households
from casework.services.session import Session
from casework.ui import registry
from casework.ui.context import UiContext
from casework.ui.persons import rekey_action
from tests.conftest import PASSPHRASE, add_family
from tests.ui.conftest import MessageLog


def test_the_owner_rekeys_from_the_menu(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                        message_log: MessageLog, clock: FixedClock,
                                        vault_dir: Path) -> None:
    entry = next(e for e in registry.MENU_ACTIONS if e.key == "rekey")
    assert entry.label == "Neu verschlüsseln…" and entry.roles == ("Admin",)
    family = add_family(session, "Neuschlüssel")
    ctx.attach(session)
    old_header = (vault_dir / "vault.json").read_text(encoding="utf-8")
    parent = QWidget()
    qtbot.addWidget(parent)

    assert rekey_action.trigger(ctx, parent) is True

    assert any(kind == "passphrase" for kind, _t, _x in message_log.shown)
    assert "neu verschlüsselt" in message_log.texts("info")[-1]
    assert households.get(session, family).name == "Neuschlüssel"
    session.close()
    # The old header (as inside an older backup) no longer opens the database …
    (vault_dir / "vault.json").write_text(old_header, encoding="utf-8")
    with pytest.raises(UserError):
        session_service.unlock(vault_dir, PASSPHRASE, clock).close()


def test_cancelling_changes_nothing(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                   message_log: MessageLog, vault_dir: Path) -> None:
    ctx.attach(session)
    message_log.confirm_answer = False
    before = (vault_dir / "vault.json").read_bytes()
    parent = QWidget()
    qtbot.addWidget(parent)
    assert rekey_action.trigger(ctx, parent) is False
    assert (vault_dir / "vault.json").read_bytes() == before
