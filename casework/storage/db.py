"""The one gateway that owns the SQLCipher connection (qutebrowser's misc/sql.py).

Parameterised SQL only. The key PRAGMA is built from our own random bytes, never from
user text. Errors are classified by SQLite result codes, never by message text.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

import sqlcipher3

from casework.errors import StorageFull, UserError, VaultError
from casework.models.text import fold_words
from casework.storage import private_files

log = logging.getLogger(__name__)

SQLITE_PLAINTEXT_MAGIC = b"SQLite format 3\x00"

# Primary result codes (https://sqlite.org/rescode.html).
_BUSY = 5
_READONLY = 8
_IOERR = 10
_CORRUPT = 11
_FULL = 13
_CANTOPEN = 14
_NOTADB = 26

# sqlcipher3 ships no type information; rows are sqlite3.Row-like mappings.
Row: TypeAlias = Any
Params = Sequence[Any] | dict[str, Any]

DEFAULT_CACHE_KIB = 128 * 1024


# SQLCipher's `cipher_memory_security` (lock and wipe every SQLite allocation) is off, as
# SQLCipher's own default: it made bulk writes ~15x and searches ~6x slower, while the same
# plaintext sits unprotected in Python objects anyway. docs/memory-security.md has the
# argument and the figures; change it only together with that page.
MEMORY_SECURITY = False
MIN_DATABASE_BYTES = 4096  # one SQLCipher page: every real vault database is larger


def silence_cipher_log(conn: sqlcipher3.Connection) -> None:
    """SQLCipher writes English diagnostics ("hmac check failed for pgno=4", hundreds of
    lines for one damaged page) to stderr by default. Casework decides from error codes
    and tells the person in one German line, so its own log stays off."""
    conn.execute("PRAGMA cipher_log_level = NONE")


class DatabaseBusy(UserError):
    def __init__(self) -> None:
        super().__init__("Die Akte ist gerade in Benutzung. Bitte einen Moment warten.")


def translate_error(error: BaseException) -> UserError | None:
    """Map an sqlcipher3 error to a UserError by its SQLite code, or None for a bug."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == _FULL:
        return StorageFull()
    if primary in (_READONLY, _CANTOPEN):
        return VaultError(
            "Die Akte kann nicht geschrieben werden (Ordner schreibgeschützt oder nicht "
            "erreichbar). Es wurde nichts gespeichert."
        )
    if primary == _IOERR:
        return VaultError(
            "Schreib- oder Lesefehler des Datenträgers. Es wurde nichts gespeichert; bitte "
            "Datenträger prüfen."
        )
    if primary in (_CORRUPT, _NOTADB):
        return VaultError(
            "Die Datenbank der Akte ist beschädigt oder passt nicht zu ihrem Schlüssel."
        )
    if primary == _BUSY:
        return DatabaseBusy()
    return None


def raise_translated(error: BaseException) -> None:
    translated = translate_error(error)
    if translated is not None:
        raise translated from None
    raise error


def _key_connection(conn: sqlcipher3.Connection, data_key: bytes | bytearray) -> None:
    """Key a connection with the raw 256-bit key. SQLCipher takes it only as PRAGMA text, so
    one str with the hex digits must exist: it is built here, passed through
    `executescript` (which bypasses the statement cache, so no cached copy outlives this
    call) and overwritten in place right after (best effort; CPython). The residual: the
    transient UTF-8 buffer SQLite parses is freed by SQLCipher, which wipes freed memory
    while `cipher_memory_security` is on."""
    from casework.storage.crypto import wipe_str

    digits = b"0123456789abcdef"
    text = bytearray(b"PRAGMA key = \"x'")
    for byte in data_key:
        text.append(digits[byte >> 4])
        text.append(digits[byte & 15])
    text += b"'\";"
    pragma = text.decode("ascii")  # the one str copy
    for i in range(len(text)):
        text[i] = 0
    try:
        conn.executescript(pragma)
    finally:
        wipe_str(pragma)
        del pragma


class Database:
    """An open, keyed SQLCipher connection. Not shared between threads."""

    def __init__(self, connection: sqlcipher3.Connection, path: Path) -> None:
        self._conn: sqlcipher3.Connection | None = connection
        self.path = path
        self._depth = 0

    @classmethod
    def open(cls, path: Path, data_key: bytes | bytearray, *, create: bool = False,
             cache_kib: int = DEFAULT_CACHE_KIB,
             memory_security: bool = MEMORY_SECURITY, read_only: bool = False) -> Database:
        """Open and key the database. `memory_security`: see `MEMORY_SECURITY`.
        `read_only`: for looking before opening for real; closing it never checkpoints
        the WAL into the database (a read-write close would)."""
        if not create:
            if not path.is_file():
                raise VaultError(f"Die Datenbank „{path.name}“ fehlt im Akten-Ordner.")
            if path.stat().st_size < MIN_DATABASE_BYTES:
                # SQLite would treat an empty file as a new database and the first write
                # would replace the damaged one: refuse before opening, change nothing.
                raise VaultError(f"Die Datenbank „{path.name}“ ist leer oder abgeschnitten. "
                                 "Bitte die Akte aus einer Sicherung wiederherstellen.")
            with path.open("rb") as handle:
                magic = handle.read(len(SQLITE_PLAINTEXT_MAGIC))
            if magic == SQLITE_PLAINTEXT_MAGIC:
                raise VaultError(
                    f"„{path.name}“ ist eine unverschlüsselte Datenbank und keine Casework-"
                    "Akte. Sie wird nicht geöffnet."
                )
        elif path.exists():
            raise VaultError(f"„{path.name}“ existiert bereits; es wird nichts überschrieben.")
        else:
            private_files.create_empty(path)  # SQLite gives -wal/-shm the same mode
        try:
            if read_only:
                conn = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                          isolation_level=None, timeout=5.0)
            else:
                conn = sqlcipher3.connect(str(path), isolation_level=None, timeout=5.0)
            silence_cipher_log(conn)
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise
        try:
            conn.row_factory = sqlcipher3.Row
            conn.create_function("casework_fold", 1, _fold_for_index, deterministic=True)
            conn.execute(f"PRAGMA cipher_memory_security = {'ON' if memory_security else 'OFF'}")
            # Raw 256-bit key (SQLCipher skips its own KDF); hex of our random bytes only.
            _key_connection(conn, data_key)
            conn.execute("PRAGMA cipher_compatibility = 4")
            # First real read: fails with SQLITE_NOTADB if the key does not fit.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if read_only:
                return cls(conn, path)
            if create:
                # Before the first table: pages freed by a bulk write (the search index's
                # merged segments) can then be given back to the file system
                # (`bulk_load.optimize_search`); a VACUUM keeps the mode.
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA cache_size = {-int(cache_kib)}")
        except sqlcipher3.Error as error:
            conn.close()
            raise_translated(error)
            raise
        return cls(conn, path)

    @property
    def conn(self) -> sqlcipher3.Connection:
        if self._conn is None:
            raise VaultError("Die Akte ist gesperrt.")
        return self._conn

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def interrupt(self) -> None:
        """From another thread: abort the statement this connection is running (SQLite
        rolls it back, the caller sees an error). The app's lock uses it to stop a job's
        long VACUUM or query instead of waiting for it."""
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(sqlcipher3.ProgrammingError):  # closed meanwhile
                conn.interrupt()

    @contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """One write transaction; nested calls join the outer one."""
        conn = self.conn
        if self._depth:
            self._depth += 1
            try:
                yield conn
            finally:
                self._depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise
        self._depth = 1
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as error:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except sqlcipher3.Error:
                log.exception("rollback failed")
            if isinstance(error, sqlcipher3.Error):
                raise_translated(error)
            raise
        finally:
            self._depth = 0

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return list(self.conn.execute(sql, params))
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        try:
            row: Row | None = self.conn.execute(sql, params).fetchone()
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise
        return row

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a write statement inside the current transaction; returns rowcount."""
        if not self._depth:
            raise RuntimeError("write outside a transaction")
        try:
            cursor = self.conn.execute(sql, params)
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise
        return int(cursor.rowcount)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        if not self._depth:
            raise RuntimeError("write outside a transaction")
        try:
            self.conn.executemany(sql, rows)
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise

    def executescript(self, sql: str) -> None:
        """Only for migrations (fixed SQL text shipped with the app)."""
        try:
            for statement in _split_statements(sql):
                self.conn.execute(statement)
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise

    def pragma(self, name: str) -> Any:
        if not name.replace("_", "").isalnum():
            raise ValueError(name)
        return self.scalar(f"PRAGMA {name}")

    def set_user_version(self, version: int) -> None:
        self.conn.execute(f"PRAGMA user_version = {int(version)}")

    def export_to(self, target: Path, data_key: bytes | bytearray) -> None:
        """Copy the whole database into a new SQLCipher file under another raw key
        (`sqlcipher_export`; `vault rekey`). The key text lives as briefly as in `open`."""
        from casework.storage.crypto import wipe_str

        digits = b"0123456789abcdef"
        text = bytearray(b"ATTACH DATABASE '")
        text += str(target).replace("'", "''").encode("utf-8")
        text += b"' AS rekeyed KEY \"x'"
        for byte in data_key:
            text.append(digits[byte >> 4])
            text.append(digits[byte & 15])
        text += b"'\";"
        statement = text.decode("utf-8")
        for i in range(len(text)):
            text[i] = 0
        version = int(self.pragma("user_version"))
        try:
            self.conn.executescript(statement)
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise
        finally:
            wipe_str(statement)
            del statement
        try:
            self.conn.execute("SELECT sqlcipher_export('rekeyed')").fetchone()
            self.conn.execute(f"PRAGMA rekeyed.user_version = {version}")
        except sqlcipher3.Error as error:
            raise_translated(error)
            raise
        finally:
            self.conn.execute("DETACH DATABASE rekeyed")

    def checkpoint(self) -> None:
        self.query("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_problems(self) -> list[str]:
        """Results of SQLCipher's page HMAC check and SQLite's integrity check."""
        problems = [str(r[0]) for r in self.query("PRAGMA cipher_integrity_check")]
        rows = [str(r[0]) for r in self.query("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems.extend(rows)
        fk = self.query("PRAGMA foreign_key_check")
        problems.extend(f"Fremdschlüssel verletzt in {r[0]}" for r in fk)
        return problems


def drop_stat4(db: Database) -> None:
    """Remove STAT4 samples written by ANALYZE and make the planner reload its statistics.

    With `sqlite_stat4` rows SQLite re-plans every statement whose bound values could
    change the plan, each time it runs — FTS5's internal term lookups several times per
    note search; under `cipher_memory_security` each of the ~2,000 allocations of a re-plan
    is an mlock/munlock pair. `sqlite_stat1` stays. Inside the caller's transaction."""
    if db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'"):
        db.execute("DELETE FROM sqlite_stat4")
        db.execute("ANALYZE sqlite_schema")


def _fold_for_index(text: str | None) -> str:
    return " ".join(fold_words(text or ""))


def _split_statements(sql: str) -> list[str]:
    """Split a migration script on ';' at statement level (triggers use BEGIN…END)."""
    statements: list[str] = []
    buffer: list[str] = []
    depth = 0
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        buffer.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            depth += 1
        if depth and upper.startswith("END;"):
            depth -= 1
        if not depth and stripped.endswith(";"):
            statements.append("\n".join(buffer))
            buffer = []
    if buffer:
        statements.append("\n".join(buffer))
    return statements
