"""Files and folders only their owner may read: the vault folder and everything in it.

The database, its WAL and shared-memory files, attachments and backups are encrypted, but
a wrapped key in a readable file still invites offline guessing by other local users, so
every file Casework creates holds mode 0600 inside folders of mode 0700. SQLite gives the
`-wal` and `-shm` files the mode of the database file, so creating that file 0600 first
covers them. (Windows ignores these modes; its profile folders are private already.)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def fsync_dir(folder: Path) -> None:
    """Make a rename or new file in `folder` durable (fsync of the directory). POSIX
    only: Windows opens no directory as a file, and its renames need no such step."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_folder(path: Path, *, parents: bool = False) -> None:
    """Create `path` (if missing) and make it private."""
    path.mkdir(mode=FOLDER_MODE, parents=parents, exist_ok=True)
    os.chmod(path, FOLDER_MODE)


def create_empty(path: Path) -> None:
    """Create a new, empty private file; fails if `path` exists."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def open_for_writing(path: Path) -> BinaryIO:
    """Like `path.open("wb")`, but a newly created file is private from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                 FILE_MODE)
    os.chmod(path, FILE_MODE)
    return os.fdopen(fd, "wb")
