#!/usr/bin/env bash
# Build the standalone Casework bundle with PyInstaller (docs/installation.md):
#   dist/casework/                    the bundle: Python, Qt, SQLCipher, reportlab, resources/
#   dist/casework_<version>_<arch>.deb  on Debian/Ubuntu (dpkg-deb): /opt/casework, a
#                                     /usr/bin/casework link, desktop entry and icon
# Usage: tools/build-bundle.sh [--no-deb] [--smoke]
#   PYTHON=python3.11   interpreter for the build environment (default python3)
# The build environment (build/bundle-venv) holds the pinned PyInstaller and the project
# installed from PyPI wheels; it is reused by later runs. Nothing here runs in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
PYINSTALLER_VERSION=6.22.3
VENV=build/bundle-venv
DEB=1
SMOKE=0
for arg in "$@"; do
  case $arg in
    --no-deb) DEB=0 ;;
    --smoke) SMOKE=1 ;;
    *) echo "build-bundle: unbekannte Option $arg" >&2; exit 2 ;;
  esac
done

if [[ ! -x "$VENV/bin/python" ]]; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
# Wheels only: the build needs no compiler (sqlcipher3 and PySide6 ship binary wheels).
"$VENV/bin/python" -m pip install -q --only-binary=:all: "pyinstaller==$PYINSTALLER_VERSION"
# The project itself (metadata for the About dialog and the licence list); a non-editable
# install, its dependencies as binary wheels.
"$VENV/bin/python" -m pip install -q --upgrade --force-reinstall --no-deps .
"$VENV/bin/python" -m pip install -q --only-binary=:all: .
VERSION=$("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('casework'))")

start=$SECONDS
rm -rf dist/casework
# The spec puts the source tree first on the path (pathex); the installed copy in the
# build environment provides the distribution metadata (version, licences).
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath dist \
  --workpath build/pyinstaller packaging/casework.spec
echo "bundle: dist/casework ($(du -sh dist/casework | cut -f1), $((SECONDS - start)) s)"

# Nothing personal and no secrets in the bundle: no vault, backup, key or settings
# files; no path of the build machine in any text file (pip's direct_url.json names the
# source folder, so it goes); no test passphrase. (The demo passphrase is public on
# purpose; PEM markers inside OpenSSL/Qt binaries are library code.)
find dist/casework -name direct_url.json -path '*casework-*.dist-info*' -delete
if find dist/casework \( -name '*.db' -o -name '*.sqlite' -o -name 'vault.json' \
     -o -name '*.cwbackup' -o -name '*.pem' -o -name '*.key' -o -name '.env' \
     -o -name '*.conf' -o -name '.pgpass' \) | grep .; then
  echo "build-bundle: vault, key or settings files in the bundle" >&2; exit 1
fi
if grep -rIl -e "$ROOT" -e "$HOME/" -e "Kaffeetasse" dist/casework; then
  echo "build-bundle: build machine paths or test secrets in the bundle (above)" >&2; exit 1
fi

if [[ $DEB -eq 1 ]] && command -v dpkg-deb >/dev/null; then
  tools/build-deb.sh "$VERSION"
fi
if [[ $SMOKE -eq 1 ]]; then
  tools/bundle-smoke.sh dist/casework/casework
fi
