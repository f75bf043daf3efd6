"""SCRAM-SHA-256 verifiers computed on the client, so a plain password or device secret
never reaches the hub server (nor its logs)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """NFKC stands in for SASLprep."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", unicodedata.normalize("NFKC", password).encode(),
                                 salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return (f"SCRAM-SHA-256${iterations}:{b64(salt)}$"
            f"{b64(stored_key)}:{b64(server_key)}")
