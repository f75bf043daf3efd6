"""Data that needs checking in a directory profile — said, never refused.

Published lists carry mistakes (sources-reference §3.20): two ASD districts with the same
phone number, e-mail addresses with umlauts before the "@" ("bildungsbüro@…") that many
mail servers reject. An import keeps such data (it may be right, and refusing a whole
list over one line helps nobody) and names each doubtful item once.
"""

from __future__ import annotations

from collections import defaultdict

from casework.models.directory.profile import Profile


def phone_key(phone: str) -> str:
    """Digits only, a leading +49 read as 0: "02041-70 3121" == "02041 703121"."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+49"):
        digits = "0" + digits[2:]
    elif digits.startswith("0049"):
        digits = "0" + digits[4:]
    return digits


def non_ascii_local_part(email: str) -> bool:
    local, at, _domain = email.strip().rpartition("@")
    return bool(at) and not local.isascii()


def warnings(profile: Profile) -> tuple[str, ...]:
    """German lines, one per doubtful item (empty: nothing to check)."""
    out: list[str] = []
    asd = profile.asd
    by_phone: dict[str, list[str]] = defaultdict(list)
    shown: dict[str, str] = {}
    for district in asd.districts:
        key = phone_key(district.phone)
        if key:
            by_phone[key].append(f"Bezirk {district.number}")
            shown.setdefault(key, district.phone)
    for function in asd.special_functions:
        key = phone_key(function.phone)
        if key and key in by_phone:
            by_phone[key].append(function.name)
    for key, owners in by_phone.items():
        if len(owners) > 1:
            out.append(f"ASD-Liste: {_join(owners)} haben dieselbe Rufnummer {shown[key]} – "
                       "bitte prüfen, ob das stimmt.")
    emails: list[tuple[str, str]] = [
        ("Träger", profile.organisation.email),
        ("Datenschutz", profile.organisation.data_protection_contact.email),
        *((f"ASD-Bezirk {d.number}", d.email) for d in asd.districts),
        *((f"ASD-Sonderfunktion „{f.name}“", f.email) for f in asd.special_functions),
        *((f"Partner „{p.name}“", p.email) for p in profile.partners),
    ]
    for owner, email in emails:
        if non_ascii_local_part(email):
            out.append(f"{owner}: Die E-Mail-Adresse {email} enthält vor dem @ Umlaute oder "
                       "Sonderzeichen; viele Mailserver lehnen sie ab – bitte prüfen.")
    return tuple(out)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " und " + names[-1]
