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


# --- person keys (issue 15) ------------------------------------------------------------------
# Each person holds an X25519 key pair (the vault's data key is sealed to its public key, so
# `vault rekey` can re-wrap a new data key for everyone without their passphrases) and an
# Ed25519 signing key pair. Both private keys are stored only wrapped (AES-256-GCM) under the
# key-encryption key from that person's passphrase (Argon2id).

SEAL_ALGORITHM = "X25519-HKDF-SHA256-AES-256-GCM"
SIGN_ALGORITHM = "Ed25519"
PRIVATE_BYTES = 32
_SEAL_INFO = b"casework-seal-v1"


def new_private_keys() -> bytearray:
    """64 random bytes: X25519 private key || Ed25519 private key (seed)."""
    return bytearray(os.urandom(2 * PRIVATE_BYTES))


def public_keys(private: bytes | bytearray) -> tuple[bytes, bytes]:
    """(X25519 public key, Ed25519 public key) of a 64-byte private key pair."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    x = X25519PrivateKey.from_private_bytes(bytes(private[:PRIVATE_BYTES]))
    e = Ed25519PrivateKey.from_private_bytes(bytes(private[PRIVATE_BYTES:]))
    raw = (Encoding.Raw, PublicFormat.Raw)
    return x.public_key().public_bytes(*raw), e.public_key().public_bytes(*raw)


def _seal_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), KEY_BYTES, ephemeral + recipient, _SEAL_INFO).derive(shared)


def seal(recipient_public: bytes, secret: bytes | bytearray,
         aad: bytes) -> tuple[bytes, bytes, bytes]:
    """Encrypt `secret` to an X25519 public key: (ephemeral public, nonce, ciphertext)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _seal_key(shared, eph_public, recipient_public)
    nonce = os.urandom(NONCE_BYTES)
    return eph_public, nonce, AESGCM(key).encrypt(nonce, bytes(secret), aad)


def seal_session(recipient_public: bytes) -> tuple[bytes, bytes]:
    """(ephemeral public, AES key) for sealing several secrets to one recipient with one
    key agreement; each secret then gets its own random nonce (same format as `seal`)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    return eph_public, _seal_key(shared, eph_public, recipient_public)


def unseal_session(private: bytes | bytearray, ephemeral: bytes) -> bytes | None:
    """The AES key of a `seal_session` (None for a bad ephemeral key)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    me = X25519PrivateKey.from_private_bytes(bytes(private[:PRIVATE_BYTES]))
    my_public = me.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = me.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    except ValueError:
        return None
    return _seal_key(shared, ephemeral, my_public)


def unseal(private: bytes | bytearray, ephemeral: bytes, nonce: bytes, ciphertext: bytes,
           aad: bytes) -> bytearray | None:
    """Open a `seal` with the X25519 private key (first 32 bytes of `private`)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    me = X25519PrivateKey.from_private_bytes(bytes(private[:PRIVATE_BYTES]))
    my_public = me.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = me.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    except ValueError:
        return None
    key = _seal_key(shared, ephemeral, my_public)
    try:
        return bytearray(AESGCM(key).decrypt(nonce, ciphertext, aad))
    except InvalidTag:
        return None


def sign(private: bytes | bytearray, message: bytes) -> bytes:
    """Ed25519 signature with the signing half (bytes 32–63) of `private`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(bytes(private[PRIVATE_BYTES:])).sign(message)


def verify(public: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(public: bytes) -> str:
    """Short, readable fingerprint of a signing key: 4 groups of 4 hex digits of SHA-256."""
    import hashlib

    digest = hashlib.sha256(b"casework-ed25519:" + public).hexdigest()[:16].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def hkdf(key: bytes | bytearray, info: bytes) -> bytearray:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return bytearray(HKDF(hashes.SHA256(), KEY_BYTES, None, info).derive(bytes(key)))


def disable_core_dumps() -> bool:
    """RLIMIT_CORE 0 for this process, so a crash never writes key material to disk.
    Returns False where the platform has no such limit (Windows)."""
    try:
        import resource
    except ImportError:
        return False
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        return False
    return True


def wipe_str(text: str) -> None:
    """Best effort: overwrite the characters of a compact ASCII `str` in place (CPython).

    Used only for the one PRAGMA text that must carry the raw key to SQLCipher; the str is
    built by us, used once and never interned. Anything else is left alone."""
    import ctypes
    import sys

    if not text or not text.isascii() or sys.implementation.name != "cpython":
        return
    size = len(text)
    offset = sys.getsizeof(text) - size - 1
    ctypes.memset(id(text) + offset, 0x30, size)
