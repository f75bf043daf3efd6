"""Crafted headers and reference files: refused with exit 3 and one German line, quickly,
never a traceback or a hang (the digest of a backup header is recomputed, as an attacker
with the file would)."""

from __future__ import annotations

import hashlib
import json
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casework.services.backup import backups as backup
from casework.services.session import Session
from casework.storage import crypto
from casework.storage.backup.format import MAGIC
from tests.conftest import run_cli

_PRELUDE = struct.Struct(">HI")


def _rewrite_backup_header(path: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    data = path.read_bytes()
    version, length = _PRELUDE.unpack_from(data, len(MAGIC))
    start = len(MAGIC) + _PRELUDE.size
    body = json.loads(data[start:start + length])
    new = change(body)
    header = new if isinstance(new, bytes) else json.dumps(body).encode()
    prelude = _PRELUDE.pack(version, len(header))
    digest = hashlib.sha256(MAGIC + prelude + header).digest()
    path.write_bytes(MAGIC + prelude + header + digest + data[start + length + 32:])


def _kdf(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        body["vault_header"]["kdf"][key] = value
        if isinstance(body.get("kdf"), dict):
            body["kdf"][key] = value
    return change


def _nonce(length: int) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        body["key_wrap"]["nonce"] = __import__("base64").b64encode(b"\0" * length).decode()
    return change


FAULTS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("memory_kib 2^32-1", _kdf("memory_kib", 2**32 - 1)),
    ("memory_kib 2 GiB", _kdf("memory_kib", 2 * 1024 * 1024)),
    ("iterations 2^31", _kdf("iterations", 2**31)),
    ("parallelism 2^24", _kdf("parallelism", 2**24)),
    ("parallelism as text", _kdf("parallelism", "4")),
    ("nonce 0 bytes", _nonce(0)),
    ("nonce 4 bytes", _nonce(4)),
    ("nonce 200 bytes", _nonce(200)),
    ("nested 100,000 deep", lambda body: b"[" * 100_000 + b"]" * 100_000),
    ("6,000-digit number", lambda body: b'{"format_version": ' + b"9" * 6000 + b"}"),
]


@pytest.mark.parametrize(("label", "change"), FAULTS, ids=[f[0] for f in FAULTS])
def test_crafted_backup_header_is_refused_quickly(
        session: Session, tmp_path: Path, label: str, change: Callable[[dict[str, Any]], Any],
) -> None:
    made = backup.create_backup(session, tmp_path / "sicherung").path
    session.close()
    _rewrite_backup_header(made, change)
    before = made.read_bytes()
    started = time.monotonic()
    result = run_cli("vault", "restore", "--backup", str(made), "--vault",
                     str(tmp_path / "wieder"), timeout=60)
    assert result.returncode == 3, (label, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert time.monotonic() - started < 30  # no 2 GiB Argon2id, no hang
    assert made.read_bytes() == before
    assert not (tmp_path / "wieder").exists()


def test_kdf_parameters_are_bounded_on_both_sides() -> None:
    salt = b"\0" * crypto.SALT_BYTES
    assert crypto.KdfParams(64 * 1024, 3, 4, salt).acceptable()
    for params in (crypto.KdfParams(1024, 3, 4, salt),
                   crypto.KdfParams(2 * 1024 * 1024, 3, 4, salt),
                   crypto.KdfParams(64 * 1024, 2**31, 4, salt),
                   crypto.KdfParams(64 * 1024, 3, 2**24, salt),
                   crypto.KdfParams(64 * 1024, 3, 4, b"short")):
        assert not params.acceptable()
    assert crypto.unwrap(b"\0" * 32, b"", b"\0" * 48, b"") is None


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"name": ' + "9" * 6000 + "}",
])
def test_crafted_directory_file_is_refused(vault_dir: Path, tmp_path: Path, text: str) -> None:
    bad = tmp_path / "verzeichnis.json"
    bad.write_text(text, encoding="utf-8")
    result = run_cli("verzeichnis", "import", "--vault", str(vault_dir), str(bad))
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"format": "casework-vault", "format_version": ' + "9" * 6000 + "}",
])
def test_crafted_vault_header_is_refused(vault_dir: Path, text: str) -> None:
    (vault_dir / "vault.json").write_text(text, encoding="utf-8")
    before = (vault_dir / "casework.db").read_bytes()
    result = run_cli("vault", "check", "--vault", str(vault_dir))
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert (vault_dir / "casework.db").read_bytes() == before


@pytest.mark.parametrize("size", [0, 1, 100])
def test_an_empty_or_cut_database_is_left_exactly_as_it_was(vault_dir: Path, size: int) -> None:
    db = vault_dir / "casework.db"
    db.write_bytes(db.read_bytes()[:size])
    for leftover in ("casework.db-wal", "casework.db-shm"):
        (vault_dir / leftover).unlink(missing_ok=True)
    before = {p.name: p.read_bytes() for p in vault_dir.iterdir() if p.is_file()}
    result = run_cli("vault", "check", "--vault", str(vault_dir))
    assert result.returncode == 3
    assert "leer oder abgeschnitten" in result.stderr and "Traceback" not in result.stderr
    after = {p.name: p.read_bytes() for p in vault_dir.iterdir() if p.is_file()}
    assert after == before
