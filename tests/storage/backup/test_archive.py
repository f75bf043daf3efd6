"""Encrypted backup files: round trip, what is inside, and every damaged-file path."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import UserError
from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.households import households as household_service
from casework.services.session import Session
from casework.storage import attachments
from casework.storage.backup import archive as store
from tests.conftest import PASSPHRASE, add_family


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


def _backup(session: Session, out_dir: Path, name: str = "sicherung") -> Path:
    return backup.create_backup(session, out_dir / name).path


def _restore(path: Path, target: Path, clock: FixedClock, passphrase: str = PASSPHRASE
             ) -> backup.RestoreResult:
    return backup.restore_backup(path, target, clock, passphrase=passphrase)


def test_round_trip_restores_families_attachments_and_audit_chain(
        session: Session, clock: FixedClock, out_dir: Path, tmp_path: Path) -> None:
    add_family(session, "Müller")
    add_family(session, "Yılmaz")
    attachment = attachments.put(session.vault, b"Scan der Einwilligung")
    with session.db.transaction():  # referenced, as a consent scan is (else: an orphan)
        session.db.execute("CREATE TABLE zz_scans (id TEXT PRIMARY KEY, attachment_id TEXT)")
        session.db.execute("INSERT INTO zz_scans VALUES ('s1', ?)", (attachment,))
    path = _backup(session, out_dir)
    session.close()

    result = _restore(path, tmp_path / "neu", clock)

    assert result.households == 2
    restored = session_service.unlock(tmp_path / "neu", PASSPHRASE, clock)
    try:
        names = sorted(household_service.get(restored, h).name
                       for h in household_service.list_ids(restored))
        assert names == ["Müller", "Yılmaz"]
        assert attachments.get(restored.vault, attachment) == b"Scan der Einwilligung"
        report = session_service.check(restored)
        assert report.ok, report.problems
        actions = [row[0] for row in restored.db.query("SELECT action FROM audit_log")]
        assert "vault.restore" in actions and "backup.restore" in actions
    finally:
        restored.close()


def test_backup_contains_writes_still_in_the_wal(session: Session, clock: FixedClock,
                                                 out_dir: Path, tmp_path: Path) -> None:
    wal = session.db.path.with_name(session.db.path.name + "-wal")
    add_family(session, "Schulz")
    assert wal.stat().st_size > 0  # the family is only in the WAL so far
    path = _backup(session, out_dir)
    session.close()
    assert _restore(path, tmp_path / "neu", clock).households == 1


def test_online_backup_api_path_copies_the_same_content(session: Session,
                                                        tmp_path: Path) -> None:
    """The fallback used when another process keeps writing to the WAL."""
    add_family(session, "Schulz")
    target = tmp_path / "snapshot.db"
    store._backup_api(session.vault, target)
    data_key = session.vault.data_key_copy()
    db = store.open_snapshot(target, data_key)
    try:
        assert db.scalar("SELECT name FROM households") == "Schulz"
        assert db.integrity_problems() == []
    finally:
        db.close()


def test_file_is_encrypted_and_names_its_format(session: Session, out_dir: Path) -> None:
    add_family(session, "Müller")
    path = _backup(session, out_dir)
    raw = path.read_bytes()
    assert raw.startswith(b"CASEWORK-BACKUP")
    for secret in ("Müller", "Gärtnerstraße", "Lena"):
        assert secret.encode("utf-8") not in raw
    assert b"SQLite format 3" not in raw
    info = store.read_info(path)
    assert info.format_version == store.FORMAT_VERSION
    assert info.vault_id == session.vault.header.vault_id
    assert info.body["kdf"]["name"] == "argon2id"
    assert info.body["kdf"]["memory_kib"] >= 64 * 1024
    assert info.body["payload"]["algorithm"] == "AES-256-GCM"
    assert info.body["key_wrap"]["algorithm"] == "AES-256-GCM"


def test_backup_never_overwrites_and_refuses_the_vault_folder(session: Session,
                                                              out_dir: Path) -> None:
    path = _backup(session, out_dir)
    with pytest.raises(UserError, match="gibt es schon"):
        backup.create_backup(session, path)
    with pytest.raises(UserError, match="Akten-Ordner"):
        backup.create_backup(session, session.vault.folder / "x")
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([path.name, store.JOURNAL_FILE])


def test_restore_refuses_a_non_empty_folder(session: Session, clock: FixedClock,
                                            out_dir: Path, tmp_path: Path) -> None:
    path = _backup(session, out_dir)
    target = tmp_path / "belegt"
    target.mkdir()
    (target / "notiz.txt").write_text("x")
    with pytest.raises(UserError, match="nicht leer"):
        _restore(path, target, clock)
    assert [p.name for p in target.iterdir()] == ["notiz.txt"]


def test_restore_into_an_existing_empty_folder_works(session: Session, clock: FixedClock,
                                                     out_dir: Path, tmp_path: Path) -> None:
    path = _backup(session, out_dir)
    (tmp_path / "leer").mkdir()
    assert _restore(path, tmp_path / "leer", clock).folder == tmp_path / "leer"
    assert (tmp_path / "leer" / "vault.json").is_file()


# --------------------------------------------------------------------------- damage


def _flip(offset_of: Callable[[bytes, store.BackupInfo], int]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        raw = bytearray(path.read_bytes())
        raw[offset_of(bytes(raw), store.read_info(path))] ^= 0x01
        path.write_bytes(bytes(raw))
    return damage


def _truncate(keep: Callable[[int, store.BackupInfo], int]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        size = path.stat().st_size
        info = store.read_info(path)
        path.write_bytes(path.read_bytes()[:keep(size, info)])
    return damage


def _newer_format(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[16:18] = struct.pack(">H", store.FORMAT_VERSION + 1)
    path.write_bytes(bytes(raw))


def _append(path: Path) -> None:
    with path.open("ab") as handle:
        handle.write(b"\x00" * 40)


def _swap_chunks(path: Path) -> None:
    info = store.read_info(path)
    raw = path.read_bytes()
    chunks: list[bytes] = []
    pos = info.payload_offset
    while pos < len(raw):
        _, length = struct.unpack(">BI", raw[pos:pos + 5])
        chunks.append(raw[pos:pos + 5 + length])
        pos += 5 + length
    assert len(chunks) >= 3
    chunks[0], chunks[1] = chunks[1], chunks[0]
    path.write_bytes(raw[:info.payload_offset] + b"".join(chunks))


def _drop_final_chunk(path: Path) -> None:
    info = store.read_info(path)
    raw = path.read_bytes()
    pos = info.payload_offset
    last = pos
    while pos < len(raw):
        _, length = struct.unpack(">BI", raw[pos:pos + 5])
        last, pos = pos, pos + 5 + length
    path.write_bytes(raw[:last])


DAMAGE = {
    "truncated_in_header": (_truncate(lambda size, info: 40), "abgeschnitten"),
    "truncated_in_payload": (_truncate(lambda size, info: size // 2), "unvollständig"),
    "truncated_last_byte": (_truncate(lambda size, info: size - 1), "unvollständig"),
    "final_chunk_missing": (_drop_final_chunk, "unvollständig"),
    "bit_flip_in_header": (_flip(lambda raw, info: 60), "beschädigt"),
    "bit_flip_in_payload": (_flip(lambda raw, info: info.payload_offset + 5000),
                            "beschädigt oder wurde verändert"),
    "bit_flip_in_last_byte": (_flip(lambda raw, info: len(raw) - 1),
                              "beschädigt oder wurde verändert"),
    "chunks_reordered": (_swap_chunks, "beschädigt oder wurde verändert"),
    "data_after_the_end": (_append, "nach dem Ende"),
    "newer_format": (_newer_format, "Format 2"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_backup_is_refused_and_nothing_is_written(
        case: str, session: Session, clock: FixedClock, out_dir: Path,
        tmp_path: Path) -> None:
    # > 2 MiB of attachments so the payload has several chunks.
    attachments.put(session.vault, os.urandom(2_500_000))
    add_family(session)
    path = _backup(session, out_dir)
    session.close()
    damage, message = DAMAGE[case]
    damage(path)
    parent = tmp_path / "ziel"
    parent.mkdir()

    with pytest.raises(UserError, match=message) as caught:
        _restore(path, parent / "neu", clock)

    assert "Traceback" not in caught.value.message
    assert list(parent.iterdir()) == []  # neither the folder nor a staging copy


def test_wrong_passphrase_is_refused_and_nothing_is_written(
        session: Session, clock: FixedClock, out_dir: Path, tmp_path: Path) -> None:
    path = _backup(session, out_dir)
    session.close()
    parent = tmp_path / "ziel"
    parent.mkdir()
    with pytest.raises(store.BackupPassphraseWrong, match="Passphrase passt nicht"):
        _restore(path, parent / "neu", clock, passphrase="Eine ganz andere Passphrase 9")
    assert list(parent.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\n" + b"x" * 100,
                                     b"SQLite format 3\x00" + bytes(200), os.urandom(5000)],
                         ids=["empty", "pdf", "sqlite", "random"])
def test_a_file_that_is_not_a_backup_is_refused(content: bytes, clock: FixedClock,
                                                tmp_path: Path) -> None:
    path = tmp_path / "irgendwas.cwbackup"
    path.write_bytes(content)
    with pytest.raises(UserError, match="keine Casework-Sicherung"):
        _restore(path, tmp_path / "neu", clock)
    assert not (tmp_path / "neu").exists()


def test_missing_backup_file_is_a_clear_message(clock: FixedClock, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="gibt es nicht"):
        _restore(tmp_path / "fehlt.cwbackup", tmp_path / "neu", clock)


def test_verification_failure_leaves_no_file(session: Session, out_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """If reading the new file back does not match, nothing stays behind."""
    real = store.verify_file

    def corrupted(path: Path, info: store.BackupInfo, key: bytes | bytearray
                  ) -> dict[str, bytes]:
        digests = real(path, info, key)
        digests[store.DB_FILE] = b"\x00" * 32
        return digests

    monkeypatch.setattr(store, "verify_file", corrupted)
    with pytest.raises(UserError, match="verworfen"):
        backup.create_backup(session, out_dir / "kaputt")
    assert list(out_dir.iterdir()) == []


def test_a_vault_with_a_broken_audit_chain_is_not_backed_up_silently(
        session: Session, out_dir: Path) -> None:
    add_family(session)
    conn = session.db.conn
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET action = 'manipuliert' WHERE seq = 1")
    with pytest.raises(UserError, match="Prüfung nicht bestanden"):
        backup.create_backup(session, out_dir / "b")
    assert list(out_dir.iterdir()) == []


def test_a_backup_of_a_newer_schema_is_refused_on_restore(
        session: Session, clock: FixedClock, out_dir: Path, tmp_path: Path) -> None:
    session.db.conn.execute("PRAGMA user_version = 9999")
    path = _backup(session, out_dir)
    session.close()
    with pytest.raises(UserError, match="neueren Casework-Version"):
        _restore(path, tmp_path / "neu", clock)
    assert not (tmp_path / "neu").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
