"""Key derivation and wrapping (ARCHITECTURE §3, LR-40/41/48).

A random 256-bit data key opens the database as a raw SQLCipher key. It is stored only
wrapped with AES-256-GCM under a key-encryption key derived from the passphrase with
Argon2id. Algorithm identifiers and parameters live in the public header so they can be
upgraded later (crypto agility for 70-year retention).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.errors import VaultError

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
WRAP_ALGORITHM = "AES-256-GCM"
KDF_NAME = "argon2id"

# RFC 9106 second recommendation; the minimum this app accepts (LR-41).
MIN_MEMORY_KIB = 64 * 1024
MIN_ITERATIONS = 3
PARALLELISM = 4
# Upper bounds: a header from outside (a crafted vault.json or backup) must not make the
# app spend minutes and gigabytes before it can say "wrong passphrase". Casework writes
# 64 MiB / 3 / 4; an upgrade path up to these bounds stays open.
MAX_MEMORY_KIB = 1024 * 1024
MAX_ITERATIONS = 32
MAX_PARALLELISM = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    memory_kib: int
    iterations: int
    parallelism: int
    salt: bytes

    @classmethod
    def fresh(cls, memory_kib: int = MIN_MEMORY_KIB, iterations: int = MIN_ITERATIONS) -> KdfParams:
        return cls(memory_kib, iterations, PARALLELISM, os.urandom(SALT_BYTES))

    def acceptable(self) -> bool:
        """Neither weaker than the minimum nor beyond what this app would ever write."""
        numbers = (self.memory_kib, self.iterations, self.parallelism)
        return (
            all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
            and MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB
            and MIN_ITERATIONS <= self.iterations <= MAX_ITERATIONS
            and 1 <= self.parallelism <= MAX_PARALLELISM
            and isinstance(self.salt, bytes)
            and len(self.salt) == SALT_BYTES
        )


def derive_kek(passphrase: str, params: KdfParams) -> bytearray:
    if not params.acceptable():
        # Checked where headers are read; this is the last line of defence.
        raise VaultError("Die Schlüsselparameter im Kopf sind unzulässig; die Datei ist "
                         "beschädigt oder verändert.")
    raw = hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=params.salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )
    return bytearray(raw)


def new_data_key() -> bytearray:
    return bytearray(os.urandom(KEY_BYTES))


def wrap(kek: bytes | bytearray, data_key: bytes | bytearray, aad: bytes) -> tuple[bytes, bytes]:
    """Encrypt the data key; returns (nonce, ciphertext+tag). A fresh random nonce each
    time: a key-encryption key wraps only a handful of keys in its life."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(bytes(kek)).encrypt(nonce, bytes(data_key), aad)


def unwrap(
    kek: bytes | bytearray, nonce: bytes, ciphertext: bytes, aad: bytes
) -> bytearray | None:
    """The data key, or None if the key-encryption key or the header is wrong."""
    if len(nonce) != NONCE_BYTES or len(ciphertext) < 16:
        return None  # AESGCM raises ValueError on other nonce lengths: a crafted header
    try:
        return bytearray(AESGCM(bytes(kek)).decrypt(nonce, ciphertext, aad))
    except InvalidTag:
        return None


def wipe(buffer: bytearray) -> None:
    """Overwrite key material we hold (best effort: Python may have copies of derived
    immutable values such as the hex PRAGMA text; those die with the connection)."""
    for i in range(len(buffer)):
        buffer[i] = 0
