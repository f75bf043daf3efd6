#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian/Ubuntu machine and run it:
# system packages (Qt runtime libraries, poppler for PDF rendering, PostgreSQL for the hub
# tests), a fresh virtual environment with the project and its test tools, then ruff, mypy
# and pytest (Qt offscreen, warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libglib2.0-0 poppler-utils postgresql xvfb)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Please install: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

VENV=${CASEWORK_VENV:-.venv}
if [[ ! -x "$VENV/bin/python" ]]; then
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    echo "Das Python-Modul „venv“ fehlt: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[test]"

export QT_QPA_PLATFORM=offscreen
echo "== ruff"
"$VENV/bin/ruff" check casework tests tools bench
echo "== mypy (strict, the whole package)"
"$VENV/bin/mypy" casework
echo "== pytest"
# One worker per core (pytest-xdist); pass -n 0 (or any -n) to choose yourself.
workers=(-n auto)
for arg in "$@"; do
  case $arg in -n|-n*|--numprocesses*) workers=() ;; esac
done
"$VENV/bin/python" -m pytest "${workers[@]}" "$@"
