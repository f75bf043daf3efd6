#!/usr/bin/env bash
# Install the .deb on a truly clean Debian or Ubuntu and start the app from a desktop
# menu (docs/installation.md, "Clean machines"). Needs root, debootstrap and the
# distribution's package mirror; nothing here runs in CI.
#   tools/clean-install-check.sh DEB [bookworm|noble] [WORKDIR]
# Steps, each must pass:
#   1. debootstrap a minimal system (variant minbase: no Qt, no X, no fonts, no Python)
#   2. `apt-get install ./casework_….deb` as an office's IT would (pulls the dependencies)
#   3. as an ordinary user: tools/bundle-smoke.sh through the installed desktop entry
#      (CLI, PDF, demo vault, `vault check`, unlock → family → lock in the app)
#   4. a real application menu on a 1366x768 X screen: rofi's drun menu lists the installed
#      desktop entries as a desktop's start menu does; type "Casework", Enter; the window
#      must appear and the process must be the entry's Exec= command. Screenshots of the
#      menu and the started app are left in WORKDIR/root/tmp/.
set -euo pipefail
deb=$(readlink -f "${1:?Pfad zur .deb fehlt}")
suite=${2:-bookworm}
root=${3:-/tmp/clean-$suite}
here=$(cd "$(dirname "$0")" && pwd)
case $suite in
  bookworm) mirror=http://deb.debian.org/debian; script=bookworm; gpg=() ;;
  # Ubuntu's archive key is not in Debian's keyrings; the chroot is a throw-away test.
  noble) mirror=http://archive.ubuntu.com/ubuntu; script=/usr/share/debootstrap/scripts/gutsy
         gpg=(--no-check-gpg) ;;
  *) echo "clean-install-check: unbekannte Distribution $suite" >&2; exit 2 ;;
esac
if [[ ! -x "$root/usr/bin/apt-get" ]]; then
  debootstrap --variant=minbase "${gpg[@]}" "$suite" "$root" "$mirror" $script >/dev/null
fi
if [[ $suite == noble ]]; then
  echo "deb $mirror noble main universe" >"$root/etc/apt/sources.list"
fi
cleanup() { for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done; }
trap cleanup EXIT
mount -t proc proc "$root/proc"; mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"; mount -t sysfs sys "$root/sys"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 bash -c "$1"; }

echo "== $suite: packages before: $(in_root 'dpkg -l | grep -c ^ii')"
cp "$deb" "$root/root/"
in_root "apt-get update -q >/dev/null && apt-get install -y -q ./root/$(basename "$deb") >/tmp/install.log 2>&1" \
  || { tail -20 "$root/tmp/install.log"; exit 1; }
echo "== installed; packages after: $(in_root 'dpkg -l | grep -c ^ii')"

# Test tools only after the install, so the .deb had to bring everything it needs itself.
in_root "apt-get install -y -q --no-install-recommends xvfb xauth xdotool rofi imagemagick \
  poppler-utils >/tmp/tools.log 2>&1" || { tail -20 "$root/tmp/tools.log"; exit 1; }
in_root "id anna >/dev/null 2>&1 || useradd -m anna"
cp "$here/bundle-smoke.sh" "$root/home/anna/bundle-smoke.sh"
in_root "su anna -c 'cd ~ && bash bundle-smoke.sh /usr/bin/casework /usr/share/applications/casework.desktop'"

cat >"$root/home/anna/menu-start.sh" <<'MENU'
#!/usr/bin/env bash
set -euo pipefail
export DISPLAY=:5 XDG_RUNTIME_DIR=/tmp/anna-run
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
Xvfb :5 -screen 0 1366x768x24 >/tmp/xvfb.log 2>&1 & xvfb=$!
# minbase has no procps: find the app through /proc
app_pids() {
  local f first
  for f in /proc/[0-9]*/cmdline; do
    first=""; read -r -d '' first <"$f" 2>/dev/null || true
    [[ $first == /opt/casework/casework-app ]] && { f=${f#/proc/}; echo "${f%/cmdline}"; }
  done
  return 0
}
trap 'kill $(app_pids) 2>/dev/null || true; kill $xvfb' EXIT
sleep 2
rofi -show drun >/tmp/rofi.log 2>&1 &
sleep 2
xdotool type --delay 60 "Casework"
sleep 1
import -window root /tmp/menu-typed.png
t0=$(date +%s.%N)
xdotool key Return
for _ in $(seq 1 200); do
  xdotool search --name "^Casework" >/dev/null 2>&1 && break
  sleep 0.05
done
t1=$(date +%s.%N)
xdotool search --name "^Casework" >/dev/null || { echo "no Casework window" >&2; exit 1; }
echo "menu → window: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }') ms"
sleep 2
import -window root /tmp/app-started.png
[[ -n "$(app_pids)" ]] || { echo "not started from the entry" >&2; exit 1; }
echo "running: $(tr '\0' ' ' </proc/$(app_pids | head -1)/cmdline)"
MENU
chmod +x "$root/home/anna/menu-start.sh"
in_root "su anna -c /home/anna/menu-start.sh"
echo "== $suite: clean install and menu start ok (screenshots in $root/tmp/)"
