#!/usr/bin/env bash
# Set up Casework on a fresh Debian/Ubuntu machine and start it on a demo vault with
# fictitious data (the passphrase is shown on the unlock screen of the demo).
# The first run installs into .venv (about a minute); later runs start at once and
# reinstall only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})) && [[ $(id -u) -eq 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif ((${#missing[@]})); then
  echo "Falls die App nicht startet: sudo apt-get install ${missing[*]}" >&2
fi
if ! command -v python3 >/dev/null; then
  echo "Python 3 fehlt: sudo apt-get install python3 python3-venv" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    echo "Das Python-Modul „venv“ fehlt: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi
stamp=.venv/.casework-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]] || ! .venv/bin/python -c "import casework" 2>/dev/null; then
  echo "Casework wird eingerichtet (einmalig, etwa eine Minute) …"
  .venv/bin/python -m pip install -q -e .
  touch "$stamp"
fi
exec .venv/bin/casework --demo "$@"
