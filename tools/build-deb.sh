#!/usr/bin/env bash
# Package dist/casework (from tools/build-bundle.sh) as dist/casework_<version>_<arch>.deb:
#   /opt/casework/            the bundle
#   /usr/bin/casework         link to the console executable (CLI; app without arguments)
#   /usr/share/applications/casework.desktop, hicolor icons (PNG 256 px, SVG)
# Usage: tools/build-deb.sh VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:?Version fehlt}
[[ -x dist/casework/casework ]] || { echo "build-deb: dist/casework fehlt (tools/build-bundle.sh)" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)
NAME="casework_${VERSION}_${ARCH}"
stage="build/deb/$NAME"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/icons/hicolor/256x256/apps" "$stage/usr/share/icons/hicolor/scalable/apps" \
  "$stage/usr/share/doc/casework"
cp -a dist/casework "$stage/opt/casework"
ln -s /opt/casework/casework "$stage/usr/bin/casework"
# the desktop entry starts the windowed executable, by absolute path
sed -e 's|^Exec=.*|Exec=/opt/casework/casework-app|' resources/casework.desktop \
  > "$stage/usr/share/applications/casework.desktop"
install -m 0644 resources/icons/casework.png "$stage/usr/share/icons/hicolor/256x256/apps/casework.png"
install -m 0644 resources/icons/casework.svg "$stage/usr/share/icons/hicolor/scalable/apps/casework.svg"
cat > "$stage/usr/share/doc/casework/copyright" <<COPYRIGHT
Casework $VERSION
License: EUPL-1.2
Third-party components and their licences: Hilfe → Über Casework in the app.
COPYRIGHT
chmod -R u=rwX,go=rX "$stage/opt" "$stage/usr"
size_kib=$(du -sk "$stage" | cut -f1)
# PyInstaller bundles the libraries it finds (Qt, xcb, xkbcommon, fontconfig, glib …)
# except the graphics stack and the C library, which come from the system: the list below
# is what `ldd` resolves outside the bundle (docs/installation.md). The C library version
# is the newest symbol version any bundled library asks for — i.e. the build machine's.
glibc=$(find dist/casework -name '*.so*' -type f -exec objdump -T {} + 2>/dev/null \
  | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: casework
Version: $VERSION
Architecture: $ARCH
Maintainer: Casework <casework@example.invalid>
Installed-Size: $size_kib
Depends: libc6 (>= ${glibc:-2.36}), libegl1, libgl1, libxcb1, libdrm2, libwayland-client0, fontconfig-config
Recommends: fonts-dejavu-core, libwayland-cursor0, libwayland-egl1
Section: misc
Priority: optional
Description: Verschlüsselte Fallakte für die soziale Arbeit (NRW)
 Casework ist eine verschlüsselte, offline-fähige Fallakte für die soziale Arbeit.
 Dieses Paket enthält die eigenständige Fassung (Python, Qt, SQLCipher, reportlab)
 unter /opt/casework; der Befehl "casework" startet App und Kommandozeile.
CONTROL
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q /usr/share/icons/hicolor || true; fi
POSTINST
chmod 0755 "$stage/DEBIAN/postinst"
dpkg-deb --root-owner-group -Zxz --build "$stage" "dist/$NAME.deb" >/dev/null
echo "deb: dist/$NAME.deb ($(du -h "dist/$NAME.deb" | cut -f1))"
