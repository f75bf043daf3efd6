"""Write packaging/windows/casework.ico and packaging/macos/casework.icns from
resources/icons/casework.svg with Qt's own image plugins (run once when the icon changes:
`QT_QPA_PLATFORM=offscreen python packaging/make_icons.py`)."""

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QIcon, QImageWriter

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    app = QGuiApplication([])
    icon = QIcon(str(ROOT / "resources" / "icons" / "casework.svg"))
    for target, fmt, size in ((ROOT / "packaging" / "windows" / "casework.ico", b"ico", 256),
                              (ROOT / "packaging" / "macos" / "casework.icns", b"icns", 512)):
        image = icon.pixmap(QSize(size, size)).toImage()
        writer = QImageWriter(str(target), fmt)
        if not writer.write(image):
            raise SystemExit(f"{target.name}: {writer.errorString()}")
        print(target.relative_to(ROOT), target.stat().st_size, "bytes")
    del app


if __name__ == "__main__":
    main()
