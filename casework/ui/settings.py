"""UI settings, declared once with types and defaults (STYLE 8).

QSettings holds only UI state: the last vault FOLDER (a path, never a passphrase or key),
the auto-lock interval and window geometry. Tests pass their own QSettings (an INI file in
a temp folder), so they never touch the user's settings.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

AUTO_LOCK_DEFAULT_MIN = 5
AUTO_LOCK_MIN_MIN = 1
AUTO_LOCK_MAX_MIN = 15


class Settings:
    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else QSettings("Casework", "Casework")

    @property
    def last_vault(self) -> str:
        return str(self._store.value("vault/last_folder", "") or "")

    @last_vault.setter
    def last_vault(self, folder: str) -> None:
        self._store.setValue("vault/last_folder", folder)

    def last_person(self, folder: str) -> str:
        """The name last typed on "Wer sind Sie?" for this vault (a staff member's login
        name on her own machine account, like an operating system's login screen; never
        a client's data, never a passphrase)."""
        value = self._store.value(f"persons/{_folder_key(folder)}", "")
        return str(value or "")

    def set_last_person(self, folder: str, name: str) -> None:
        self._store.setValue(f"persons/{_folder_key(folder)}", name)

    @property
    def auto_lock_minutes(self) -> int:
        raw = self._store.value("lock/auto_lock_minutes", AUTO_LOCK_DEFAULT_MIN)
        try:
            minutes = int(str(raw))
        except ValueError:
            return AUTO_LOCK_DEFAULT_MIN
        return min(max(minutes, AUTO_LOCK_MIN_MIN), AUTO_LOCK_MAX_MIN)

    @auto_lock_minutes.setter
    def auto_lock_minutes(self, minutes: int) -> None:
        minutes = min(max(int(minutes), AUTO_LOCK_MIN_MIN), AUTO_LOCK_MAX_MIN)
        self._store.setValue("lock/auto_lock_minutes", minutes)

    @property
    def geometry(self) -> QByteArray | None:
        value = self._store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    @property
    def open_notice_seen(self) -> bool:
        """The person was told once that an opened document leaves the encrypted vault."""
        return str(self._store.value("documents/open_notice_seen", "")) == "true"

    @open_notice_seen.setter
    def open_notice_seen(self, seen: bool) -> None:
        self._store.setValue("documents/open_notice_seen", "true" if seen else "")

    def sync(self) -> None:
        self._store.sync()


def _folder_key(folder: str) -> str:
    import hashlib

    return hashlib.sha256(folder.encode("utf-8")).hexdigest()[:16]
