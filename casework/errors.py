"""Errors split by who is at fault.

`UserError` and its subclasses carry a German message meant for the person at the
keyboard (wrong passphrase, damaged file, bad field value). Anything else that escapes
is a bug. Messages never contain personal data: they name fields and files, not values.
"""

from __future__ import annotations


class CaseworkError(Exception):
    """Base class of all errors Casework raises on purpose."""


class UserError(CaseworkError):
    """Something the user or the environment must fix; `message` is German."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(UserError):
    """A field value is not acceptable. `field` is the German field label."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class WrongPassphrase(UserError):
    def __init__(self) -> None:
        super().__init__("Die Passphrase ist falsch.")


class VaultError(UserError):
    """The vault folder, header or database is missing, damaged, foreign or too new."""


class NotFound(UserError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} wurde nicht gefunden.")


class PermissionDenied(UserError):
    """The acting worker may not do this (role rule, four-eyes rule …)."""


class StorageFull(UserError):
    def __init__(self) -> None:
        super().__init__(
            "Der Datenträger ist voll oder nicht beschreibbar. Es wurde nichts gespeichert; "
            "bitte Platz schaffen und erneut versuchen."
        )
