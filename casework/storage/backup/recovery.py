"""Organisation recovery key (ARCHITECTURE §3, LR-42).

A random 256-bit key wraps the vault's data key a second time (AES-256-GCM, associated
data `VaultHeader.aad("recovery")`, which does not depend on the passphrase's KDF, so the
wrap survives passphrase changes). The key has full entropy, so no password KDF is needed.

For the office safe it is written as Crockford base32 (no I, L, O, U; case-insensitive),
in groups of four, several groups per line, each line with two check characters so a typo
is found line by line. Four-eyes: the key can be split into two halves (XOR with a random
pad); each half alone reveals nothing, both are needed.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from casework.errors import UserError, ValidationError
from casework.storage import crypto
from casework.storage.vault import Vault
from casework.storage.vault_header import VaultHeader, WrappedKey

KIND = "recovery"
LABEL_SINGLE = "einzeln"
LABEL_SPLIT = "geteilt (2 Teile)"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})
KEY_CHARS = 52  # 256 bits in 5-bit symbols (4 padding bits)
GROUPS_PER_LINE = (4, 3, 3, 3)  # 13 groups of four characters
CHECK_CHARS = 2
FIELD = "Wiederherstellungsschlüssel"


class RecoveryKeyWrong(UserError):
    def __init__(self) -> None:
        super().__init__("Der Wiederherstellungsschlüssel passt nicht zu dieser Akte.")


@dataclass(frozen=True, slots=True)
class KeyLine:
    number: int
    groups: tuple[str, ...]
    check: str

    def text(self) -> str:
        return f"{' '.join(self.groups)}  {self.check}"


def _to_symbols(key: bytes) -> str:
    if len(key) != crypto.KEY_BYTES:
        raise ValueError("key length")
    value = int.from_bytes(key, "big") << 4
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(KEY_CHARS)))


def _from_symbols(symbols: str) -> bytes:
    value = 0
    for ch in symbols:
        value = (value << 5) | _DECODE[ch]
    if value & 0xF:
        raise ValueError("padding")
    return (value >> 4).to_bytes(crypto.KEY_BYTES, "big")


def _check(part: int, number: int, chars: str) -> str:
    digest = hashlib.sha256(f"casework-recovery:{part}:{number}:{chars}".encode()).digest()
    value = int.from_bytes(digest[:2], "big")
    return ALPHABET[(value >> 11) & 31] + ALPHABET[(value >> 6) & 31]


def encode_key(key: bytes, part: int = 0) -> list[KeyLine]:
    """The printable lines of a key (`part` 0 = whole key, 1 or 2 = half)."""
    symbols = _to_symbols(key)
    lines: list[KeyLine] = []
    pos = 0
    for number, count in enumerate(GROUPS_PER_LINE, start=1):
        chars = symbols[pos:pos + 4 * count]
        pos += 4 * count
        groups = tuple(chars[i:i + 4] for i in range(0, len(chars), 4))
        lines.append(KeyLine(number, groups, _check(part, number, chars)))
    return lines


_SEPARATORS = re.compile(r"[\s\-_.·]+")
_LINE_NUMBER = re.compile(r"^\s*(\d+)\s*[:.)]\s*")


def decode_key(text: str, part: int = 0) -> bytes:
    """Parse what a person typed from the sheet: one line per sheet line, each ending
    with its two check characters. Raises `ValidationError` naming the line."""
    raw_lines = [ln for ln in text.replace(";", "\n").splitlines() if ln.strip()]
    if len(raw_lines) != len(GROUPS_PER_LINE):
        raise ValidationError(FIELD, f"bitte alle {len(GROUPS_PER_LINE)} Zeilen des Blatts "
                              f"eingeben (erkannt: {len(raw_lines)}).")
    symbols = ""
    for number, (raw, count) in enumerate(zip(raw_lines, GROUPS_PER_LINE, strict=True),
                                          start=1):
        line = _LINE_NUMBER.sub("", raw, count=1)
        compact = _SEPARATORS.sub("", line).upper()
        if any(ch not in _DECODE for ch in compact):
            raise ValidationError(FIELD, f"Zeile {number} enthält Zeichen, die auf dem Blatt "
                                  "nicht vorkommen.")
        compact = "".join(ALPHABET[_DECODE[ch]] for ch in compact)
        expected = 4 * count + CHECK_CHARS
        if len(compact) != expected:
            raise ValidationError(FIELD, f"Zeile {number} hat {len(compact)} statt {expected} "
                                  "Zeichen.")
        chars, check = compact[:-CHECK_CHARS], compact[-CHECK_CHARS:]
        if _check(part, number, chars) != check:
            which = " oder Teil verwechselt" if part else ""
            raise ValidationError(FIELD, f"Zeile {number}: Prüfzeichen stimmen nicht "
                                  f"(Tippfehler{which}?).")
        symbols += chars
    try:
        return _from_symbols(symbols)
    except ValueError:
        raise ValidationError(FIELD, "ist kein gültiger Schlüssel.") from None


def split_key(key: bytes) -> tuple[bytes, bytes]:
    pad = os.urandom(len(key))
    return pad, bytes(a ^ b for a, b in zip(key, pad, strict=True))


def combine_halves(first: bytes, second: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(first, second, strict=True))


def recovery_label(header: VaultHeader) -> str | None:
    """None if the vault has no recovery key, else LABEL_SINGLE or LABEL_SPLIT."""
    wrapped = header.key(KIND)
    return None if wrapped is None else wrapped.label


def add_recovery_key(vault: Vault, *, split: bool) -> bytes:
    """Create a new recovery key (replacing an older one) and store the data key sealed to
    it in `vault.json`. The key is an X25519 private key: the header keeps only its public
    half, so `vault rekey` can seal a new data key to it. Returns the key; the caller prints
    it and forgets it."""
    key = bytearray(os.urandom(crypto.KEY_BYTES))
    x_public, _ = crypto.public_keys(key + bytes(crypto.PRIVATE_BYTES))
    data_key = vault.data_key_copy()
    try:
        ephemeral, nonce, ciphertext = crypto.seal(x_public, data_key,
                                                   vault.header.seal_aad(KIND))
    finally:
        crypto.wipe(data_key)
    vault.save_header(vault.header.with_key(
        WrappedKey(KIND, nonce, ciphertext, crypto.SEAL_ALGORITHM,
                   LABEL_SPLIT if split else LABEL_SINGLE, ephemeral, x_public)))
    result = bytes(key)
    crypto.wipe(key)
    return result


def reseal(header: VaultHeader, data_key: bytes | bytearray) -> VaultHeader:
    """The recovery wrap for a new data key (`vault rekey`). A recovery key of the first
    format (symmetric wrap) cannot be re-sealed: it is dropped, and a new one must be made."""
    wrapped = header.key(KIND)
    if wrapped is None:
        return header
    if wrapped.algorithm != crypto.SEAL_ALGORITHM:
        return header.without_key(KIND)
    ephemeral, nonce, ciphertext = crypto.seal(wrapped.public, data_key, header.seal_aad(KIND))
    return header.with_key(WrappedKey(KIND, nonce, ciphertext, crypto.SEAL_ALGORITHM,
                                      wrapped.label, ephemeral, wrapped.public))


def unwrap_with_recovery_key(header: VaultHeader, key: bytes) -> bytearray:
    wrapped = header.key(KIND)
    if wrapped is None:
        raise UserError("Für diese Akte wurde kein Wiederherstellungsschlüssel angelegt.")
    if wrapped.algorithm == crypto.SEAL_ALGORITHM:
        data_key = crypto.unseal(key, wrapped.ephemeral, wrapped.nonce, wrapped.ciphertext,
                                 header.seal_aad(KIND))
    else:
        data_key = crypto.unwrap(key, wrapped.nonce, wrapped.ciphertext, header.aad(KIND))
    if data_key is None:
        raise RecoveryKeyWrong()
    return data_key
