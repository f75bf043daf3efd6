"""A damaged, removed or replayed write-ahead log is noticed at open and by `vault check`
instead of silently losing commits (issue 22: 9 of 60 committed contacts vanished after a
bit flip and `vault check` said "in Ordnung"). Real WALs of a real vault, real bit flips."""

from __future__ import annotations

import shutil
import struct
from datetime import timedelta
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import VaultError
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft
from casework.services import contacts
from casework.services import session as session_service
from casework.services.households import households
from casework.storage import wal
from tests.conftest import NOW, PASSPHRASE, run_cli

CONTACTS = 60
FRAME = wal.FRAME_HEADER + 4096


def _log(session: session_service.Session, hid: str, clock: FixedClock, first: int,
         count: int) -> None:
    for i in range(first, first + count):
        contacts.log_contact(session, hid, ContactDraft(
            clock.now() - timedelta(days=i), ContactType.HAUSBESUCH, 10,
            notes=(NoteEntry(NoteKind.FAKT, f"Besuch {i}"),)))


@pytest.fixture(scope="module")
def crashed(_template_vault: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault as a crash left it: 60 contacts committed, all of them only in the WAL
    (copied while the app still had it open), and an older WAL taken after 30."""
    clock = FixedClock(NOW)
    root = tmp_path_factory.mktemp("wal")
    live = root / "live"
    shutil.copytree(_template_vault, live)
    session = session_service.unlock(live, PASSPHRASE, clock)
    hid, _ = households.create(session, HouseholdDraft(name="Müller"))
    _log(session, hid, clock, 0, CONTACTS // 2)
    shutil.copyfile(live / "casework.db-wal", root / "old.db-wal")
    _log(session, hid, clock, CONTACTS // 2, CONTACTS // 2)
    shutil.copytree(live, root / "crash")  # what a power cut leaves: db + WAL, not closed
    session.close()
    shutil.copytree(live, root / "closed")  # and the same vault after a clean close
    return root


def _copy(crashed: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(crashed / name, target)
    return target


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _current_frames(data: bytes) -> list[int]:
    salts = data[16:24]
    return [i for i in range((len(data) - wal.WAL_HEADER) // FRAME)
            if data[wal.WAL_HEADER + i * FRAME + 8:wal.WAL_HEADER + i * FRAME + 16] == salts]


def _contacts(folder: Path) -> int:
    session = session_service.unlock(folder, PASSPHRASE, FixedClock(NOW))
    try:
        return int(session.db.scalar("SELECT count(*) FROM contacts"))
    finally:
        session.close()


def test_an_intact_wal_after_a_crash_opens_with_every_commit(crashed: Path,
                                                             tmp_path: Path) -> None:
    folder = _copy(crashed, "crash", tmp_path)
    assert wal.inspect(folder / "casework.db-wal") is None
    assert _contacts(folder) == CONTACTS


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("part", ["page", "frame_header"])
def test_a_flipped_bit_in_the_wal_is_refused_and_the_files_stay_as_they_were(
        crashed: Path, tmp_path: Path, where: float, part: str) -> None:
    folder = _copy(crashed, "crash", tmp_path)
    path = folder / "casework.db-wal"
    data = bytearray(path.read_bytes())
    frames = _current_frames(bytes(data))
    frame = frames[int(where * (len(frames) - 1))]
    offset = wal.WAL_HEADER + frame * FRAME + (100 if part == "page" else 2)
    data[offset + wal.FRAME_HEADER * (part == "page")] ^= 0x10
    path.write_bytes(data)
    before = _files(folder)

    with pytest.raises(VaultError, match=r"Schreibprotokoll der Akte .* ist beschädigt") as error:
        session_service.unlock(folder, PASSPHRASE, FixedClock(NOW))
    assert "nicht geöffnet und nicht verändert" in error.value.message
    assert _files(folder) == before


def test_vault_check_names_a_damaged_wal_in_one_german_line(crashed: Path,
                                                            tmp_path: Path) -> None:
    folder = _copy(crashed, "crash", tmp_path)
    path = folder / "casework.db-wal"
    data = bytearray(path.read_bytes())
    data[wal.WAL_HEADER + _current_frames(bytes(data))[3] * FRAME + 500] ^= 1
    path.write_bytes(data)
    before = _files(folder)
    result = run_cli("vault", "check", "--vault", str(folder))
    assert result.returncode == 3 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Schreibprotokoll" in lines[0], result.stderr
    assert _files(folder) == before


def test_a_removed_wal_after_a_crash_is_refused(_template_vault: Path, tmp_path: Path,
                                                 clock: FixedClock) -> None:
    # Unlocking anchors its own audit entry in the header; a crash, then the WAL lost
    # (deleted, or only casework.db and vault.json copied): that entry is missing.
    live = tmp_path / "live"
    shutil.copytree(_template_vault, live)
    session = session_service.unlock(live, PASSPHRASE, clock)
    hid, _ = households.create(session, HouseholdDraft(name="Müller"))
    _log(session, hid, clock, 0, 5)
    shutil.copytree(live, tmp_path / "crash", ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    session.close()
    folder = tmp_path / "crash"
    before = _files(folder)
    with pytest.raises(VaultError, match="nicht auf dem zuletzt gesicherten Stand"):
        session_service.unlock(folder, PASSPHRASE, clock)
    assert _files(folder) == before


def test_an_old_wal_replayed_onto_the_closed_vault_is_refused(crashed: Path,
                                                              tmp_path: Path) -> None:
    # The old WAL is intact and ends at a commit: SQLite would replay it and the vault
    # would silently be back at 30 of 60 contacts.
    folder = _copy(crashed, "closed", tmp_path)
    shutil.copyfile(crashed / "old.db-wal", folder / "casework.db-wal")
    before = _files(folder)
    result = run_cli("vault", "check", "--vault", str(folder))
    assert result.returncode == 3 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "nicht auf dem zuletzt gesicherten Stand" in lines[0]
    assert _files(folder) == before


def test_frame_checksums_follow_sqlite(crashed: Path) -> None:
    # the header checksum of a real WAL, recomputed the way SQLite computes it
    data = (crashed / "crash" / "casework.db-wal").read_bytes()
    magic = struct.unpack(">I", data[:4])[0]
    stored = struct.unpack(">2I", data[24:32])
    assert wal._checksum(data[:24], 0, 0, bool(magic & 1)) == stored
