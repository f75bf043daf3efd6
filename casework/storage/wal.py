"""Reading SQLite's write-ahead log (`casework.db-wal`) before SQLite does.

SQLite replays the WAL up to the first frame whose checksum or salt does not match and
silently drops everything after it: one flipped bit loses every later commit, and
`vault check` would say "in Ordnung". Before the vault is opened, this module walks the
frames the way SQLite will and looks behind the first bad frame: intact frames of the
same WAL generation there, ending in a commit, are commits SQLite would throw away. The
vault is then not opened (nothing written). A clean close leaves no WAL at all, so a
normal start reads nothing here; after a crash the WAL is at most a few MB.

Frame headers and checksums are plaintext (SQLCipher encrypts the page data, and the
checksums are computed over that ciphertext), so no key is needed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

WAL_HEADER = 32
FRAME_HEADER = 24
_MAGIC = (0x377F0682, 0x377F0683)
_MASK = 0xFFFFFFFF
_MAX_PAGE = 65536


@dataclass(frozen=True, slots=True)
class WalDamage:
    bad_frame: int  # 0-based index of the first frame SQLite would stop at
    lost_commits: int  # commits behind it that SQLite would drop
    lost_frames: int


def _checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & _MASK
        s1 = (s1 + words[i + 1] + s0) & _MASK
    return s0, s1


def inspect(wal: Path) -> WalDamage | None:
    """None if SQLite will replay every committed frame of `wal` (or there is none)."""
    try:
        data = wal.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) < WAL_HEADER:
        return None
    magic, _version, page_size, _seq, salt1, salt2, c0, c1 = struct.unpack(
        ">8I", data[:WAL_HEADER])
    if not 512 <= page_size <= _MAX_PAGE or page_size & (page_size - 1):
        page_size = 4096  # SQLCipher's page size, when the header's own is unreadable
    salts = (salt1, salt2)
    if magic not in _MAGIC:  # SQLite ignores the whole WAL
        return (_damage_behind(data, 0, page_size, salts, big_endian=True)
                or _damage_behind(data, 0, page_size, salts, big_endian=False))
    big = bool(magic & 1)
    if _checksum(data[:24], 0, 0, big) != (c0, c1):  # SQLite ignores the whole WAL
        return _damage_behind(data, 0, page_size, salts, big_endian=big)
    frame_size = FRAME_HEADER + page_size
    s0, s1 = c0, c1
    for index in range((len(data) - WAL_HEADER) // frame_size):
        start = WAL_HEADER + index * frame_size
        head = data[start:start + FRAME_HEADER]
        page_no, _commit, f1, f2, k0, k1 = struct.unpack(">6I", head)
        if (f1, f2) == salts and page_no != 0:
            s0, s1 = _checksum(head[:8], s0, s1, big)
            s0, s1 = _checksum(data[start + FRAME_HEADER:start + frame_size], s0, s1, big)
            if (s0, s1) == (k0, k1):
                continue
        # SQLite stops here (the end of this WAL generation, or damage)
        return _damage_behind(data, index + 1, page_size, salts, big_endian=big)
    return None


def _damage_behind(data: bytes, first: int, page_size: int, salts: tuple[int, int], *,
                   big_endian: bool) -> WalDamage | None:
    """Frames from `first` on that are intact by themselves (their checksum continues
    from the one stored before them) and carry this WAL's salts: what SQLite drops."""
    frame_size = FRAME_HEADER + page_size
    commits = lost = 0
    for index in range(first, (len(data) - WAL_HEADER) // frame_size):
        start = WAL_HEADER + index * frame_size
        before = start - frame_size + 16 if index else 24  # the stored running checksum
        prev = struct.unpack(">2I", data[before:before + 8])
        head = data[start:start + FRAME_HEADER]
        page_no, commit, f1, f2, k0, k1 = struct.unpack(">6I", head)
        if page_no == 0 or (f1, f2) != salts:
            continue
        s = _checksum(head[:8], prev[0], prev[1], big_endian)
        s = _checksum(data[start + FRAME_HEADER:start + frame_size], s[0], s[1], big_endian)
        if s != (k0, k1):
            continue
        lost += 1
        commits += commit != 0
    if not commits:
        return None  # at most an unfinished last transaction: nothing committed is lost
    return WalDamage(max(first - 1, 0), commits, lost)
