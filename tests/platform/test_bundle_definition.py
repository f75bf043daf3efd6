"""The bundle definitions (packaging/, tools/build-bundle.sh) stay in step with the code.
The bundle itself is built by hand (tools/build-bundle.sh, minutes), never in CI; this
checks in milliseconds that the one PyInstaller spec ships resources/ where
casework.resources looks for it and builds both entry points, and that the Windows
installer and the .deb package use the same executables."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from casework import resources

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = ROOT / "packaging" / "casework.spec"


def _assignments(path: Path) -> dict[str, ast.expr]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found.setdefault(node.targets[0].id, node.value)
    return found


def test_spec_ships_resources_where_the_code_finds_them() -> None:
    datas = _assignments(SPEC)["DATAS"]
    text = ast.unparse(datas)
    assert "ROOT / 'resources'" in text
    assert isinstance(datas, ast.List) and len(datas.elts) == 1
    pair = datas.elts[0]
    assert isinstance(pair, ast.Tuple)
    destination = pair.elts[1]
    assert isinstance(destination, ast.Constant)
    # in the bundle the casework package sits in the bundle root; resources.py looks for
    # "<parent of the package>/resources" when no installed casework_resources exists
    package_parent = Path(resources.__file__).resolve().parent.parent
    assert package_parent / destination.value == resources.SOURCE_TREE
    # version and licences come from metadata: the spec must copy it
    assert "copy_metadata('casework', recursive=True)" in SPEC.read_text("utf-8").replace(
        '"', "'")


def test_spec_builds_both_entry_points_from_existing_scripts() -> None:
    entries = _assignments(SPEC)["ENTRY_POINTS"]
    assert isinstance(entries, ast.Dict)
    names = [k.value for k in entries.keys if isinstance(k, ast.Constant)]
    assert names == ["casework-app", "casework"]  # windowed first: the macOS .app runs it
    assert len({n.lower() for n in names}) == 2   # distinct on case-insensitive disks
    for script in ("entry_app.py", "entry_cli.py"):
        source = (ROOT / "packaging" / script).read_text("utf-8")
        assert "from casework.cli import main" in source
        assert "raise SystemExit(main())" in source
    spec = SPEC.read_text("utf-8")
    # CLI commands and migrations are found by listing packages
    assert 'collect_submodules("casework"' in spec
    assert '"psycopg"' in spec  # the optional hub driver stays out


def test_build_script_uses_the_spec_and_builds_into_ignored_dist() -> None:
    script = (ROOT / "tools" / "build-bundle.sh").read_text("utf-8")
    assert "packaging/casework.spec" in script
    assert "--distpath dist" in script
    ignored = (ROOT / ".gitignore").read_text("utf-8").split()
    assert "dist/" in ignored and "build/" in ignored


def test_installers_start_the_bundled_executables() -> None:
    deb = (ROOT / "tools" / "build-deb.sh").read_text("utf-8")
    assert "Exec=/opt/casework/casework-app" in deb
    assert "ln -s /opt/casework/casework " in deb
    iss = (ROOT / "packaging" / "windows" / "casework.iss").read_text("utf-8")
    assert re.search(r'Source: "\.\.\\\.\.\\dist\\casework\\\*"', iss)
    assert "casework-app.exe" in iss
    assert "casework.ico" in iss
    version = re.search(r'#define AppVersion "([^"]+)"', iss)
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert version is not None and f'version = "{version.group(1)}"' in pyproject
    for icon in (ROOT / "packaging" / "windows" / "casework.ico",
                 ROOT / "packaging" / "macos" / "casework.icns",
                 ROOT / "resources" / "icons" / "casework.png"):
        assert icon.stat().st_size > 1000


def test_windowed_entry_point_runs_without_standard_streams() -> None:
    """A windowed Windows program has sys.stdout/sys.stderr = None; the entry point must
    still get through the CLI layer (here: `--help`, printed into nowhere)."""
    code = ("import runpy, sys; sys.stdout = None; sys.stderr = None; "
            "sys.argv = ['casework-app', '--help']; "
            f"runpy.run_path({str(ROOT / 'packaging' / 'entry_app.py')!r}, "
            "run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
