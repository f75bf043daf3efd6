"""What "Hilfe → Über Casework" shows: the version, the licence, the third-party licences.

Everything is read at run time from the installed distributions' metadata — the same in a
source checkout, a pip installation and the PyInstaller bundle (whose spec copies the
metadata of Casework and all its run-time dependencies). Components that are not Python
distributions (the interpreter itself, the Qt libraries inside PySide6, SQLCipher inside
sqlcipher3, the DejaVu fonts in resources/) are listed from `EMBEDDED`.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sys
from dataclasses import dataclass

from casework import __version__

APP_NAME = "Casework"
LICENCE = "EUPL-1.2"
LICENCE_NAME = "European Union Public Licence, Version 1.2"
DISTRIBUTION = "casework"


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    version: str
    licence: str


# Known licences for distributions whose metadata names none.
KNOWN_LICENCES = {"sqlcipher3": "zlib"}

EMBEDDED = (
    Component("Python", sys.version.split()[0], "PSF-2.0"),
    Component("Qt (in PySide6)", "", "LGPL-3.0-only"),
    Component("SQLCipher (in sqlcipher3)", "", "BSD-3-Clause"),
    Component("OpenSSL (in cryptography, sqlcipher3)", "", "Apache-2.0"),
    Component("DejaVu-Schriften", "", "Bitstream-Vera"),
)

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def app_version() -> str:
    """The installed version; in a source checkout without installation, the package's."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return __version__


def _licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta["License-Expression"]  # None when missing
    if expression:
        return str(expression)
    text = str(meta["License"] or "").strip()
    if text and "\n" not in text and len(text) <= 60 and text.upper() != "UNKNOWN":
        return text
    classifiers = [c.split("::")[-1].strip() for c in (meta.get_all("Classifier") or [])
                   if c.startswith("License ::") and "OSI Approved" in c]
    if classifiers:
        return " / ".join(classifiers)
    name = str(meta["Name"] or "").lower()
    return KNOWN_LICENCES.get(name, "siehe Paketangaben")


def _runtime_requirements(dist: metadata.Distribution) -> list[str]:
    names = []
    for requirement in dist.requires or []:
        if "extra ==" in requirement.replace("extra==", "extra =="):
            continue  # optional extras (test tools, hub driver) are not shipped
        match = _REQUIREMENT_NAME.match(requirement)
        if match:
            names.append(match.group(1))
    return names


def third_party() -> list[Component]:
    """Every run-time dependency of Casework (transitively), sorted by name, then the
    embedded non-Python components."""
    seen: dict[str, Component] = {}
    try:
        queue = _runtime_requirements(metadata.distribution(DISTRIBUTION))
    except metadata.PackageNotFoundError:  # a bare source checkout
        queue = ["sqlcipher3", "PySide6-Essentials", "reportlab", "python-dateutil",
                 "argon2-cffi", "cryptography", "holidays"]
    while queue:
        name = queue.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = Component(str(dist.metadata["Name"]), dist.version, _licence_of(dist))
        queue += _runtime_requirements(dist)
    return sorted(seen.values(), key=lambda c: c.name.lower()) + list(EMBEDDED)


def about_text() -> str:
    """Plain text for the dialog's licence list (and for `casework --version` users)."""
    lines = [f"{APP_NAME} {app_version()}", f"Lizenz: {LICENCE} ({LICENCE_NAME})", "",
             "Enthaltene Software anderer Hersteller:"]
    for component in third_party():
        version = f" {component.version}" if component.version else ""
        lines.append(f"  {component.name}{version} – {component.licence}")
    return "\n".join(lines)
