#!/usr/bin/env bash
# Smoke-test a built or installed Casework bundle under Xvfb (docs/installation.md):
# CLI help, a blank form as PDF, a demo vault and its check, then the desktop app on that
# vault — unlock through the real unlock page, open a family, lock, quit (smoke mode:
# CASEWORK_QUIT_AFTER_MS + CASEWORK_SMOKE_UNLOCK) — and the start time, process start →
# window shown. Any traceback fails.
# Usage: tools/bundle-smoke.sh [EXECUTABLE [DESKTOP_FILE]]
#   EXECUTABLE    the console executable (default dist/casework/casework)
#   DESKTOP_FILE  an installed .desktop entry: the app part starts its Exec= command, the
#                 way the desktop menu does (e.g. /usr/share/applications/casework.desktop)
set -euo pipefail
cw=${1:-dist/casework/casework}
cw=$(cd "$(dirname "$cw")" && pwd)/$(basename "$cw")
app=$cw
if [[ -n "${2:-}" ]]; then
  app=$(sed -n 's/^Exec=//p' "$2" | head -1 | sed 's/ %[fFuU]//')
  [[ -x "$app" ]] || { echo "bundle-smoke: Exec= of $2 is not executable: $app" >&2; exit 1; }
  echo "app from desktop entry: $app"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "bundle-smoke: $*" >&2; exit 1; }
no_traceback() { if grep -q "Traceback" "$1"; then cat "$1" >&2; fail "$2: traceback"; fi; }
export CASEWORK_PASSPHRASE="Rauchtest-Passphrase mit Länge"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
cd "$work"

run() {  # run NAME CMD... : must exit 0 without a traceback
  local name=$1; shift
  "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; fail "$name failed"; }
  no_traceback "$work/out" "$name"
}
run "casework --help" "$cw" --help
grep -q "Aufruf: casework" "$work/out" || fail "--help is not the German CLI help"
grep -q "form" "$work/out" || fail "--help lists no subcommands (frozen module discovery)"
run "casework form" "$cw" form einwilligung --blank --out "$work/x.pdf"
[[ $(head -c 5 "$work/x.pdf") == "%PDF-" ]] || fail "form did not write a PDF"
if command -v pdftotext >/dev/null; then
  pdftotext "$work/x.pdf" "$work/x.txt"
  grep -q "Einwilligung" "$work/x.txt" || fail "the PDF has no form text"
fi
run "casework demo" "$cw" demo --vault "$work/akte" --families 5
run "casework vault check" "$cw" vault check --vault "$work/akte"

# The desktop app under Xvfb; Xvfb is started first so its start-up is not measured.
cat >"$work/app.sh" <<APP
#!/usr/bin/env bash
t0=\$(date +%s.%N)
CASEWORK_SMOKE_UNLOCK=1 CASEWORK_QUIT_AFTER_MS=20000 timeout 120 "$app" --vault "$work/akte" \
  >"$work/app.out" 2>"$work/app.err"
echo "exit=\$?" >>"$work/app.out"
echo "t0=\$t0" >>"$work/app.out"
APP
chmod +x "$work/app.sh"
xvfb-run -a "$work/app.sh"
cat "$work/app.err" >>"$work/app.out"
no_traceback "$work/app.out" "the app"
grep -q "Interner Fehler" "$work/app.out" && { cat "$work/app.out" >&2; fail "internal error"; }
grep -q "^exit=0" "$work/app.out" || { cat "$work/app.out" >&2; fail "the app did not end with 0"; }
for step in "window shown" "unlocked" "family opened" "locked"; do
  grep -q "casework-smoke: $step" "$work/app.out" || { cat "$work/app.out" >&2; fail "no '$step'"; }
done
t0=$(sed -n 's/^t0=//p' "$work/app.out")
shown=$(sed -n 's/^casework-smoke: window shown t=//p' "$work/app.out")
unlocked=$(sed -n 's/^casework-smoke: unlocked t=//p' "$work/app.out")
start_ms=$(awk -v a="$t0" -v b="$shown" 'BEGIN { printf "%d", (b - a) * 1000 }')
unlock_ms=$(awk -v a="$shown" -v b="$unlocked" 'BEGIN { printf "%d", (b - a) * 1000 }')
bundle=$(dirname "$(readlink -f "$app")")
echo "bundle size: $(du -sh "$bundle" | cut -f1) ($bundle)"
echo "start (process start → window shown): ${start_ms} ms; unlock incl. key derivation: ${unlock_ms} ms"
echo "bundle smoke: ok"
