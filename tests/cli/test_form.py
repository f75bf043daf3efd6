"""`casework form einwilligung --blank --out FILE.pdf [--profile NAME]`, run as a user would."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdf

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casework", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _text(path: Path) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")), len(reader.pages)


def test_blank_consent_form_of_the_default_profile(tmp_path: Path) -> None:
    out = tmp_path / "einwilligung.pdf"
    result = _run("form", "einwilligung", "--blank", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    text, pages = _text(out)
    assert "Einverständniserklärung zur DSGVO" in text
    assert "Beispielträger Quartiersarbeit e. V." in text  # the example profile's Träger
    assert "Widerruf" in text and "Übermittlung" in text
    assert pages <= 2
    assert os.listdir(tmp_path) == ["einwilligung.pdf"]


def test_other_profile(tmp_path: Path) -> None:
    out = tmp_path / "muster.pdf"
    result = _run("form", "einwilligung", "--blank", "--out", str(out), "--profile", "musterstadt")
    assert result.returncode == 0, result.stderr
    default = tmp_path / "default.pdf"
    assert _run("form", "einwilligung", "--blank", "--out", str(default)).returncode == 0
    text, pages = _text(out)
    assert "Einverständniserklärung zur DSGVO" in text
    assert pages <= 2
    assert text != _text(default)[0]


def test_unknown_profile_exits_3_in_german_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    result = _run("form", "einwilligung", "--blank", "--out", str(out), "--profile", "atlantis")
    assert result.returncode == 3
    assert "Profil" in result.stderr and "atlantis" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.listdir(tmp_path) == []


def test_unwritable_target_exits_3_and_leaves_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "gibt-es-nicht" / "x.pdf"
    result = _run("form", "einwilligung", "--blank", "--out", str(missing))
    assert result.returncode == 3
    assert "nicht geschrieben" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.listdir(tmp_path) == []

    folder = tmp_path / "ordner.pdf"  # a directory where the file should go
    folder.mkdir()
    result = _run("form", "einwilligung", "--blank", "--out", str(folder))
    assert result.returncode == 3
    assert os.listdir(tmp_path) == ["ordner.pdf"]
    assert os.listdir(folder) == []


def test_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "formular.pdf"
    out.write_bytes(b"alter Inhalt")
    assert _run("form", "einwilligung", "--blank", "--out", str(out)).returncode == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert os.listdir(tmp_path) == ["formular.pdf"]


def test_without_blank_flag_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("form", "einwilligung", "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert "--blank" in result.stderr
    assert os.listdir(tmp_path) == []
