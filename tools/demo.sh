#!/usr/bin/env bash
# Set up Casework on a fresh Debian/Ubuntu machine and start it on a demo vault with
# fictitious data (the passphrase is shown on the unlock screen of the demo).
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
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q -e .
exec .venv/bin/casework --demo "$@"
