"""Organisation recovery key (LR-42): create, print, recover, four-eyes split."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import sqlcipher3
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from casework.clock import FixedClock
from casework.errors import PermissionDenied, UserError, ValidationError, WrongPassphrase
from casework.models.persons.worker import WorkerRole
from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.backup import recovery
from casework.services.session import Session
from casework.storage.backup import recovery as store
from casework.storage.vault_header import DB_FILE, HEADER_FILE
from tests.conftest import PASSPHRASE, add_family, add_person, sign

NEW_PASSPHRASE = "Regenschirm im Flur vergessen 42"


def _as_leitung(session: Session) -> None:
    session.act_as(add_person(session, "Leitung Beispiel", WorkerRole.LEITUNG))


def _text(sheet: recovery.RecoverySheet) -> str:
    return "\n".join(line.text() for line in sheet.lines)


def _audit_actions(session: Session) -> list[str]:
    return [str(r[0]) for r in session.db.query("SELECT action FROM audit_log ORDER BY seq")]


def test_only_leitung_or_admin_may_create_a_recovery_key(session: Session) -> None:
    session.act_as(add_person(session, "Tom Fachkraft", WorkerRole.FACHKRAFT))
    with pytest.raises(PermissionDenied):
        recovery.create_recovery_key(session, auth=sign(session))
    assert store.recovery_label(session.vault.header) is None


def test_recover_with_the_key_forces_a_new_passphrase(session: Session, vault_dir: Path,
                                                      clock: FixedClock) -> None:
    _as_leitung(session)
    add_family(session)
    (sheet,) = recovery.create_recovery_key(session, auth=sign(session))
    session.close()

    recovered = recovery.recover(vault_dir, (_text(sheet),), NEW_PASSPHRASE, clock)
    try:
        assert len(recovered.db.query("SELECT id FROM households")) == 1
        actions = _audit_actions(recovered)
        assert actions[-2:] == ["vault.recover", "vault.passphrase_changed"]
        assert "vault.recovery_key_created" in actions
    finally:
        recovered.close()

    with pytest.raises(WrongPassphrase):
        session_service.unlock(vault_dir, PASSPHRASE, clock)
    session_service.unlock(vault_dir, NEW_PASSPHRASE, clock).close()
    # the recovery key keeps working after the passphrase change
    recovery.recover(vault_dir, (_text(sheet),), "Noch eine neue Passphrase 77", clock).close()


def test_a_wrong_recovery_key_is_refused_and_changes_nothing(session: Session,
                                                             vault_dir: Path,
                                                             clock: FixedClock) -> None:
    _as_leitung(session)
    recovery.create_recovery_key(session, auth=sign(session))
    session.close()
    header_before = (vault_dir / HEADER_FILE).read_bytes()
    other = "\n".join(line.text() for line in store.encode_key(os.urandom(32)))

    with pytest.raises(store.RecoveryKeyWrong, match="passt nicht"):
        recovery.recover(vault_dir, (other,), NEW_PASSPHRASE, clock)

    assert (vault_dir / HEADER_FILE).read_bytes() == header_before
    session_service.unlock(vault_dir, PASSPHRASE, clock).close()


def test_a_typo_names_the_line(session: Session) -> None:
    _as_leitung(session)
    (sheet,) = recovery.create_recovery_key(session, auth=sign(session))
    lines = [line.text() for line in sheet.lines]
    first = lines[1][0]
    lines[1] = ("1" if first != "1" else "2") + lines[1][1:]
    with pytest.raises(ValidationError, match="Zeile 2: Prüfzeichen"):
        recovery.parse_key(("\n".join(lines),))
    with pytest.raises(ValidationError, match="alle 4 Zeilen"):
        recovery.parse_key(("\n".join(lines[:3]),))


def test_typing_is_forgiving_about_case_spaces_and_look_alikes(session: Session) -> None:
    _as_leitung(session)
    key = os.urandom(32)
    def sloppy(text: str) -> str:
        return text.lower().replace("0", "o").replace("1", "l")

    lines = [f"{line.number}: " + sloppy("-".join(line.groups) + " " + line.check)
             for line in store.encode_key(key)]
    assert store.decode_key("\n".join(lines)) == key


def test_split_key_needs_both_halves(session: Session, vault_dir: Path,
                                     clock: FixedClock) -> None:
    _as_leitung(session)
    first, second = recovery.create_recovery_key(session, split=True, auth=sign(session))
    assert (first.part, second.part, first.parts) == (1, 2, 2)
    session.close()
    assert recovery.is_split(vault_dir)

    with pytest.raises(ValidationError):  # one half alone, typed as a whole key
        recovery.recover(vault_dir, (_text(first),), NEW_PASSPHRASE, clock)
    with pytest.raises(ValidationError, match="Teil verwechselt"):
        recovery.recover(vault_dir, (_text(second), _text(first)), NEW_PASSPHRASE, clock)
    with pytest.raises(ValidationError):
        recovery.recover(vault_dir, (_text(first), _text(first)), NEW_PASSPHRASE, clock)

    recovery.recover(vault_dir, (_text(first), _text(second)), NEW_PASSPHRASE, clock).close()
    session_service.unlock(vault_dir, NEW_PASSPHRASE, clock).close()


def test_without_recovery_key_and_passphrase_nothing_opens(vault_dir: Path,
                                                           clock: FixedClock) -> None:
    with pytest.raises(UserError, match="kein Wiederherstellungsschlüssel"):
        recovery.recover(vault_dir, ("x",), NEW_PASSPHRASE, clock)
    with pytest.raises(WrongPassphrase):
        session_service.unlock(vault_dir, "Falsche Passphrase ganz sicher", clock)
    # The database file itself is not readable without the data key.
    conn = sqlcipher3.connect(str(vault_dir / DB_FILE))
    try:
        with pytest.raises(sqlcipher3.DatabaseError):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
    # vault.json holds only wrapped keys: one key slot per person, no recovery wrap yet
    header = json.loads((vault_dir / HEADER_FILE).read_text(encoding="utf-8"))
    assert header["keys"] == [] and len(header["slots"]) == 1


def test_a_weak_new_passphrase_is_refused_before_anything_happens(
        session: Session, vault_dir: Path, clock: FixedClock) -> None:
    _as_leitung(session)
    (sheet,) = recovery.create_recovery_key(session, auth=sign(session))
    session.close()
    with pytest.raises(ValidationError, match="Neue Passphrase"):
        recovery.recover(vault_dir, (_text(sheet),), "kurz", clock)
    session_service.unlock(vault_dir, PASSPHRASE, clock).close()


def test_a_new_recovery_key_replaces_the_old_one(session: Session, vault_dir: Path,
                                                 clock: FixedClock) -> None:
    _as_leitung(session)
    (old,) = recovery.create_recovery_key(session, auth=sign(session))
    (new,) = recovery.create_recovery_key(session, auth=sign(session))
    session.close()
    with pytest.raises(store.RecoveryKeyWrong):
        recovery.recover(vault_dir, (_text(old),), NEW_PASSPHRASE, clock)
    recovery.recover(vault_dir, (_text(new),), NEW_PASSPHRASE, clock).close()


def test_a_backup_restores_with_the_recovery_key(session: Session, clock: FixedClock,
                                                 tmp_path: Path) -> None:
    _as_leitung(session)
    add_family(session)
    (sheet,) = recovery.create_recovery_key(session, auth=sign(session))
    out = tmp_path / "stick"
    out.mkdir()
    path = backup.create_backup(session, out / "b").path
    session.close()
    key = recovery.parse_key((_text(sheet),))
    result = backup.restore_backup(path, tmp_path / "neu", clock, recovery_key=key)
    assert result.households == 1


def test_recovery_sheet_pdf_shows_every_group_and_the_part(session: Session) -> None:
    _as_leitung(session)
    first, _second = recovery.create_recovery_key(session, split=True, auth=sign(session))
    pdf = recovery.render_sheet(session, first)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Wiederherstellungsschlüssel – Teil 1 von 2" in text
    assert "beide Teile" in text.replace("\n", " ")
    for line in first.lines:
        for group in line.groups:
            assert group in text
        assert line.check in text
    assert session.vault.header.vault_id in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Wiederherstellungsschlüssel – Teil 1 von 2"
    assert not any("/XObject" in str(page.get("/Resources", {})) for page in reader.pages)


@given(st.binary(min_size=32, max_size=32), st.sampled_from([0, 1, 2]))
def test_encode_decode_round_trip(key: bytes, part: int) -> None:
    text = "\n".join(line.text() for line in store.encode_key(key, part))
    assert store.decode_key(text, part) == key
