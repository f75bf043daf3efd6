#!/usr/bin/env bash
# Install Casework the way a user does — a fresh virtual environment, plain `pip install .`,
# no extras — and use it: `casework --help`, a small demo vault, `vault check`, a hub
# command without the hub extra, and the desktop app offscreen for a few seconds.
# Any traceback fails. Usage: tools/install-smoke.sh [PYTHON] [--model-tests]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "install-smoke ($PY): $*" >&2; exit 1; }
no_traceback() { if grep -q "Traceback" "$1"; then cat "$1" >&2; fail "$2 printed a traceback"; fi; }

echo "== install smoke with $($PY --version 2>&1)"
"$PY" -m venv "$work/venv" || fail "python3 -m venv fehlt (Debian/Ubuntu: apt-get install python3-venv)"
"$work/venv/bin/python" -m pip install -q --upgrade pip >/dev/null
start=$SECONDS
"$work/venv/bin/python" -m pip install -q . >"$work/pip.log" 2>&1 || { cat "$work/pip.log" >&2; fail "pip install . failed"; }
echo "pip install . : $((SECONDS - start)) s"
"$work/venv/bin/python" -c "import psycopg" 2>/dev/null && fail "a plain install must not bring psycopg"
cw="$work/venv/bin/casework"
export CASEWORK_PASSPHRASE="Rauchtest-Passphrase mit Länge"
cd "$work"   # the installed package, not the source tree

"$cw" --help >"$work/out" 2>&1 || { cat "$work/out" >&2; fail "casework --help"; }
no_traceback "$work/out" "casework --help"
"$cw" demo --vault "$work/akte" --families 5 >"$work/out" 2>&1 || { cat "$work/out" >&2; fail "casework demo"; }
no_traceback "$work/out" "casework demo"
"$cw" vault check --vault "$work/akte" >"$work/out" 2>&1 || { cat "$work/out" >&2; fail "casework vault check"; }
no_traceback "$work/out" "casework vault check"
"$cw" verzeichnis asd-bezirk --plz 46236 >"$work/out" 2>&1 || { cat "$work/out" >&2; fail "casework verzeichnis (packaged reference data)"; }
set +e
"$cw" hub init --dsn "host=localhost dbname=casework" >"$work/out" 2>&1
code=$?
set -e
[[ $code -eq 3 ]] || { cat "$work/out" >&2; fail "hub without the extra: exit $code, expected 3"; }
grep -q "casework\[hub\]" "$work/out" || fail "hub without the extra does not say how to install it"
no_traceback "$work/out" "casework hub init"

# The desktop app: start on the demo vault offscreen, let it end itself after 8 s.
set +e
XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" QT_QPA_PLATFORM=offscreen \
  CASEWORK_QUIT_AFTER_MS=8000 timeout 120 "$cw" --demo >"$work/app" 2>&1
code=$?
set -e
[[ $code -eq 0 ]] || { cat "$work/app" >&2; fail "casework --demo ended with exit $code"; }
no_traceback "$work/app" "casework --demo"
grep -q "Interner Fehler" "$work/app" && { cat "$work/app" >&2; fail "casework --demo reported an internal error"; }

if [[ "${2:-}" == "--model-tests" ]]; then
  "$work/venv/bin/python" -m pip install -q "pytest>=8" "pytest-qt>=4.4" "hypothesis>=6.100" >/dev/null
  cd "$OLDPWD"
  # the source tree's tests against the installed package (pythonpath "." points at the
  # source; both are the same code)
  "$work/venv/bin/python" -m pytest -q -p no:cacheprovider tests/models
fi
echo "install smoke ($PY): ok"
