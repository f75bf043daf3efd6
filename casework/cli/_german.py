"""German texts for argparse's own messages (usage, errors, help headings).

argparse takes its messages through `gettext`; Casework ships no message catalogue, so the
module-level `_`/`ngettext` of argparse are pointed at this table once, before any parser is
built. Messages missing here (new Python versions) fall back to the English original.
"""

from __future__ import annotations

import argparse

_TEXTS = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Angaben",
    "options": "Optionen",
    "optional arguments": "Optionen",
    "subcommands": "Befehle",
    "show this help message and exit": "diese Hilfe zeigen und beenden",
    "show program's version number and exit": "Version zeigen und beenden",
    " (default: %(default)s)": " (Vorgabe: %(default)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Aufruf fehlerhaft: %(message)s\n",
    "the following arguments are required: %s": "%s fehlt",
    "one of the arguments %s is required": "eine dieser Angaben fehlt: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "unbekannter Wert %(value)r (möglich: %(choices)s)",
    "invalid %(type)s value: %(value)r": "ungültiger Wert %(value)r",
    "expected one argument": "hier fehlt ein Wert",
    "expected at most one argument": "höchstens ein Wert erlaubt",
    "expected at least one argument": "mindestens ein Wert nötig",
    "not allowed with argument %s": "nicht zusammen mit %s erlaubt",
    "ambiguous option: %(option)s could match %(matches)s":
        "mehrdeutige Option: %(option)s kann %(matches)s bedeuten",
    "can't open '%(filename)s': %(error)s": "„%(filename)s“ lässt sich nicht öffnen: %(error)s",
    "ignored explicit argument %r": "überflüssiger Wert %r",
}
_PLURALS = {
    "expected %s argument": ("%s Wert erwartet", "%s Werte erwartet"),
}


def _gettext(message: str) -> str:
    return _TEXTS.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    german = _PLURALS.get(singular)
    if german is None:
        return singular if n == 1 else plural
    return german[0] if n == 1 else german[1]


def install() -> None:
    """Point argparse's message lookup at the German table (idempotent)."""
    argparse._ = _gettext  # type: ignore[attr-defined]  # argparse's gettext hook
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]  # same, for plurals
