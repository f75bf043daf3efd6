"""The vault: keys, header, refusal of damaged/foreign/newer files, nothing in plaintext."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import VaultError, WrongPassphrase
from casework.services import session as session_service
from casework.storage import crypto
from casework.storage.vault_header import DB_FILE, HEADER_FILE, read_header
from tests.conftest import PASSPHRASE, add_family


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_header_holds_argon2id_parameters_and_wrapped_key_only(vault_dir: Path) -> None:
    body = json.loads((vault_dir / HEADER_FILE).read_text(encoding="utf-8"))
    assert body["kdf"]["name"] == "argon2id"
    assert body["kdf"]["memory_kib"] >= 64 * 1024
    assert body["kdf"]["iterations"] >= 3
    assert body["kdf"]["parallelism"] == 4
    assert len(read_header(vault_dir).kdf.salt) == 16
    assert body["keys"] == []  # format 2: no vault-wide passphrase key, one slot per person
    [slot] = body["slots"]
    assert slot["owner"] is True
    assert slot["kdf"] == body["kdf"]
    assert slot["private"]["algorithm"] == "AES-256-GCM"
    assert slot["data_key"]["algorithm"] == "X25519-HKDF-SHA256-AES-256-GCM"
    assert len(body["mac"]) == 64 and body["anchor"]["audit_seq"] >= 1
    assert "passphrase" not in json.dumps(body)


def test_database_is_encrypted_and_not_readable_as_sqlite(vault_dir: Path) -> None:
    raw = (vault_dir / DB_FILE).read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    plain = sqlite3.connect(vault_dir / DB_FILE)
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    plain.close()


def test_no_personal_data_in_plaintext_anywhere_in_the_folder(session, vault_dir: Path) -> None:
    from datetime import date

    from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
    from casework.services import contacts
    from casework.services.households import households

    add_family(session, "Schwarzwälder", children=(("Jolanthe", date(2020, 1, 2)),))

    hid = households.list_ids(session, search="Schwarzwälder")[0]
    contacts.log_contact(session, hid, ContactDraft(
        session.clock.now(), ContactType.HAUSBESUCH,
        notes=(NoteEntry(NoteKind.FAKT, "Kühlschrank Zwiebelkuchen Quittungsbuch"),)))
    # Look at the files while the vault is open (WAL and shm included), then closed.
    for _ in range(2):
        blob = b"".join(_files(vault_dir).values())
        for word in ("Schwarzwälder", "Schwarzw", "Jolanthe", "Zwiebelkuchen", "Quittungsbuch",
                     "Gärtnerstraße", "Lena Beispiel"):
            assert word.encode("utf-8") not in blob, word
            assert word.encode("utf-16-le") not in blob, word
        session.close()


def test_wrong_passphrase_is_refused_and_nothing_changes(vault_dir: Path,
                                                         clock: FixedClock) -> None:
    before = _files(vault_dir)
    with pytest.raises(WrongPassphrase) as info:
        session_service.unlock(vault_dir, "das ist nicht die richtige", clock)
    assert info.value.message == "Die Passphrase ist falsch."
    assert _files(vault_dir) == before


def test_missing_header_is_named(vault_dir: Path, clock: FixedClock) -> None:
    (vault_dir / HEADER_FILE).unlink()
    with pytest.raises(VaultError, match=r"vault\.json“ fehlt"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_edited_header_is_detected(vault_dir: Path, clock: FixedClock) -> None:
    body = json.loads((vault_dir / HEADER_FILE).read_text(encoding="utf-8"))
    body["kdf"]["iterations"] = 4
    (vault_dir / HEADER_FILE).write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(VaultError, match="verändert oder ist beschädigt"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_header_from_newer_version_is_refused(vault_dir: Path, clock: FixedClock) -> None:
    body = json.loads((vault_dir / HEADER_FILE).read_text(encoding="utf-8"))
    body["format_version"] = 99
    (vault_dir / HEADER_FILE).write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(VaultError, match="Bitte Casework aktualisieren"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_garbage_header_is_refused(vault_dir: Path, clock: FixedClock) -> None:
    (vault_dir / HEADER_FILE).write_bytes(b"\x00\xff not json")
    with pytest.raises(VaultError, match="beschädigt"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_truncated_database_is_refused_without_overwriting(vault_dir: Path,
                                                           clock: FixedClock) -> None:
    db = vault_dir / DB_FILE
    db.write_bytes(db.read_bytes()[:3000])
    before = db.read_bytes()
    with pytest.raises(VaultError, match=r"beschädigt|passt nicht|abgeschnitten"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)
    assert db.read_bytes() == before


def test_plain_sqlite_file_posing_as_vault_is_refused(vault_dir: Path, clock: FixedClock) -> None:
    db = vault_dir / DB_FILE
    db.unlink()
    plain = sqlite3.connect(db)
    plain.execute("CREATE TABLE households (name TEXT)")
    plain.commit()
    plain.close()
    before = db.read_bytes()
    with pytest.raises(VaultError, match="unverschlüsselte Datenbank"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)
    assert db.read_bytes() == before


def test_database_of_another_vault_is_refused(vault_dir: Path, tmp_path: Path,
                                              clock: FixedClock) -> None:
    other = session_service.create(tmp_path / "other", PASSPHRASE, clock, owner_name="X")
    other.close()
    shutil.copy(tmp_path / "other" / DB_FILE, vault_dir / DB_FILE)
    with pytest.raises(VaultError, match="beschädigt oder passt nicht"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_swapped_header_with_same_passphrase_is_refused(vault_dir: Path, tmp_path: Path,
                                                        clock: FixedClock) -> None:
    other = session_service.create(tmp_path / "other", PASSPHRASE, clock, owner_name="X")
    other.close()
    shutil.copy(tmp_path / "other" / HEADER_FILE, vault_dir / HEADER_FILE)
    with pytest.raises(VaultError):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_create_refuses_non_empty_folder(tmp_path: Path, clock: FixedClock) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(VaultError, match="nicht leer"):
        session_service.create(folder, PASSPHRASE, clock, owner_name="X")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_weak_passphrase_is_refused_on_create(tmp_path: Path, clock: FixedClock) -> None:
    from casework.errors import ValidationError

    for weak in ("kurz", "123456789012", "aaaaaaaaaaaaaaa", "passwortpasswort"):
        with pytest.raises(ValidationError):
            session_service.create(tmp_path / weak, weak, clock, owner_name="X")
        assert not (tmp_path / weak).exists()


def test_passphrase_change_rewraps_without_reencrypting(session, vault_dir: Path,
                                                        clock: FixedClock) -> None:
    db_before = (vault_dir / DB_FILE).stat().st_ino
    salt_before = read_header(vault_dir).kdf.salt
    session_service.change_passphrase(session, "Neuer Satz mit vielen Wörtern")
    session.close()
    assert read_header(vault_dir).kdf.salt != salt_before
    assert (vault_dir / DB_FILE).stat().st_ino == db_before
    with pytest.raises(WrongPassphrase):
        session_service.unlock(vault_dir, PASSPHRASE, clock)
    again = session_service.unlock(vault_dir, "Neuer Satz mit vielen Wörtern", clock)
    assert session_service.check(again).ok
    again.close()


def test_close_wipes_key_and_closes_connection(session) -> None:
    key_buffer = session.vault._data_key
    assert any(key_buffer)
    session.close()
    assert not any(key_buffer)
    assert not session.is_open
    with pytest.raises(VaultError, match="gesperrt"):
        session.db.query("SELECT 1")


def test_read_only_vault_folder_gives_clear_error_on_write(session, vault_dir: Path) -> None:
    import os

    from casework.models.households.household import HouseholdDraft
    from casework.services.households import households

    if os.geteuid() == 0:
        # root ignores file modes; simulate a read-only medium with SQLite's query_only.
        session.db.conn.execute("PRAGMA query_only = ON")
    else:
        for p in vault_dir.iterdir():
            p.chmod(0o444)
    with pytest.raises(VaultError, match=r"nicht geschrieben|Schreib"):
        households.create(session, HouseholdDraft(name="Schreibschutz"))
    session.db.conn.execute("PRAGMA query_only = OFF")
    assert households.list_ids(session, search="Schreibschutz") == []


def test_kdf_parameters_below_minimum_are_rejected_in_header(vault_dir: Path,
                                                             clock: FixedClock) -> None:
    from dataclasses import replace

    from casework.storage.vault_header import write_header

    header = read_header(vault_dir)
    weak = crypto.KdfParams(1024, 1, 1, header.kdf.salt)
    write_header(vault_dir, header.with_slot(replace(header.slots[0], kdf=weak)))
    with pytest.raises(VaultError, match="zu schwach"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)
