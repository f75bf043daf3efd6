"""What a newcomer meets first: a plain install without the hub extra, German usage
messages, quiet pipes, no display, private file modes."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from casework.cli import build_parser
from tests.conftest import REPO_ROOT, run_cli

# Runs the CLI in a process where importing psycopg fails, as after `pip install .`.
_WITHOUT_PSYCOPG = (
    "import sys; sys.modules['psycopg'] = None; "
    "from casework.cli import main; raise SystemExit(main(sys.argv[1:]))"
)


def _run_without_psycopg(*args: str, env: dict[str, str] | None = None,
                         ) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    full_env["PYTHONPATH"] = str(REPO_ROOT)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", _WITHOUT_PSYCOPG, *args], cwd=REPO_ROOT,
                          env=full_env, capture_output=True, text=True, timeout=120,
                          check=False)


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_help_and_local_commands_work_without_the_hub_extra(tmp_path: Path) -> None:
    helped = _run_without_psycopg("--help")
    assert helped.returncode == 0, helped.stderr
    assert "Aufruf: casework" in helped.stdout
    folder = tmp_path / "akte"
    made = _run_without_psycopg("demo", "--vault", str(folder), "--families", "3",
                                env={"CASEWORK_PASSPHRASE": "eine lange Demo-Passphrase 1"})
    assert made.returncode == 0, made.stderr
    checked = _run_without_psycopg("vault", "check", "--vault", str(folder),
                                   env={"CASEWORK_PASSPHRASE": "eine lange Demo-Passphrase 1"})
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("args", [
    ("hub", "init", "--dsn", "host=localhost dbname=casework"),
    ("sync", "--vault", "/nonexistent", "--dsn", "host=localhost"),
])
def test_hub_commands_without_the_extra_say_how_to_install_it(args: tuple[str, ...]) -> None:
    result = _run_without_psycopg(*args)
    assert result.returncode == 3
    assert "pip install 'casework[hub]'" in _one_line(result.stderr)


def test_usage_errors_are_german() -> None:
    missing = run_cli("vault", "check")
    assert missing.returncode == 2
    assert "casework: Aufruf fehlerhaft: --vault fehlt" in missing.stderr
    assert "required" not in missing.stderr and "usage:" not in missing.stderr
    unknown = run_cli("vault", "zaubern")
    assert unknown.returncode == 2
    assert "unbekannter Wert 'zaubern'" in unknown.stderr
    helped = run_cli("vault", "check", "--help")
    assert "diese Hilfe zeigen und beenden" in helped.stdout
    assert "show this help" not in helped.stdout


def test_every_option_has_a_help_text_and_lists_are_called_liste() -> None:
    undocumented: list[str] = []
    list_words: dict[str, set[str]] = {}

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                names = set(action.choices)
                if names & {"liste", "list"}:
                    list_words[path] = names & {"liste", "list"}
                for name, child in action.choices.items():
                    walk(child, f"{path} {name}")
            elif not action.help:
                undocumented.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "casework")
    assert undocumented == []
    assert list_words, "no listing command found"
    assert all(words == {"liste", "list"} for words in list_words.values()), list_words


def test_piping_into_head_ends_quietly() -> None:
    # `casework … --json | head -c 0`: the reader is gone before the first byte arrives.
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "casework", "verzeichnis", "asd-bezirk", "--plz", "46236",
             "--json"],
            cwd=REPO_ROOT, env=env, stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=60, check=False)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 0


def test_app_without_a_display_says_so_in_german() -> None:
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
    result = run_cli(env=env)
    assert result.returncode == 3
    assert "keine Anzeige vorhanden" in _one_line(result.stderr)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_vault_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "akte"
    created = run_cli("vault", "create", "--vault", str(folder), "--name", "Erika Probe")
    assert created.returncode == 0, created.stderr
    backup = tmp_path / "sicherung.cwbackup"
    saved = run_cli("vault", "backup", "--vault", str(folder), "--out", str(backup))
    assert saved.returncode == 0, saved.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in [*folder.rglob("*"), backup]:
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = 0o700 if path.is_dir() else 0o600
        assert mode == expected, f"{path.name}: {oct(mode)}"
    names = {p.name for p in folder.rglob("*")}
    assert {"casework.db", "vault.json", "attachments", "backups"} <= names


def test_every_cli_module_is_registered() -> None:
    """The command groups are listed explicitly: a module with `register` that is missing
    from the list would be a feature nobody can reach."""
    import importlib
    import pkgutil

    import casework.cli as cli

    registered = {a.dest for a in build_parser()._actions
                  if isinstance(a, argparse._SubParsersAction)}
    assert registered == {"command"}
    words = set(next(a for a in build_parser()._actions
                     if isinstance(a, argparse._SubParsersAction)).choices)
    for info in pkgutil.iter_modules(cli.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"casework.cli.{info.name}")
        if not hasattr(module, "register"):
            continue
        probe = argparse.ArgumentParser()
        module.register(probe.add_subparsers())
        added = set(next(a for a in probe._actions
                         if isinstance(a, argparse._SubParsersAction)).choices)
        assert added <= words, f"cli/{info.name}.py is not in the command list"
