"""Canonical bytes and batch signatures of what a device sends to the hub (issue 17):
changes (`hub_crypto`) and sealed keys (`hub_keys`) are signed once per batch over a Merkle
tree, each item with its path, so every item verifies on its own."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical(value: Any) -> bytes:
    """As json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    the same bytes, without building an encoder per call."""
    return _CANONICAL(value).encode("utf-8")


# --- one signature per batch: a Merkle tree over the batch, each item with its path ----------
# An item's `sig` is: Ed25519 signature of the root (64) || leaf count (4) || index (4) ||
# the sibling hashes from leaf to root (32 each). A receiver recomputes the root from the
# item and its path and checks the signature (once per batch and signer).

_BATCH = b"casework-batch-v1\n"
MAX_SIG_BYTES = 72 + 32 * 16


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def batch_signatures(signer: Ed25519PrivateKey, items: Sequence[bytes]) -> list[bytes]:
    """The `sig` of each item (the data each leaf covers) of one batch."""
    n = len(items)
    if n == 0:
        return []
    levels = [[_leaf(d) for d in items]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([_node(below[i], below[i + 1]) if i + 1 < len(below) else below[i]
                       for i in range(0, len(below), 2)])
    root = levels[-1][0]
    head = signer.sign(_BATCH + n.to_bytes(4, "big") + root) + n.to_bytes(4, "big")
    out = []
    for index in range(n):
        path = []
        i = index
        for level in levels[:-1]:
            sibling = i - 1 if i % 2 else i + 1
            if sibling < len(level):
                path.append(level[sibling])
            i //= 2
        out.append(head + index.to_bytes(4, "big") + b"".join(path))
    return out


class BatchVerifier:
    """Checks batch signatures: each distinct (signer, root) once, and every tree node
    on a verified path is remembered, so the next item of the same batch stops where its
    path meets a known node (usually after one or two hashes)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, bytes, bytes], bool] = {}
        self.nodes: dict[tuple[int, bytes, int, int], bytes] = {}

    def ok(self, public: Ed25519PublicKey, data: bytes, sig: bytes) -> bool:
        if len(sig) < 72 or len(sig) > MAX_SIG_BYTES or (len(sig) - 72) % 32:
            return False
        head, signer = sig[:68], id(public)
        n = int.from_bytes(sig[64:68], "big")
        index = int.from_bytes(sig[68:72], "big")
        if not 0 <= index < n:
            return False
        node = _leaf(data)
        trail = [(0, index, node)]
        width, i, level, k = n, index, 0, 72
        while width > 1:
            known = self.nodes.get((signer, head, level, i))
            if known is not None:
                if known != node:
                    return False
                self._remember(signer, head, trail)
                return True
            sibling = i - 1 if i % 2 else i + 1
            if sibling < width:
                if k + 32 > len(sig):
                    return False
                other = sig[k:k + 32]
                k += 32
                node = _node(other, node) if i % 2 else _node(node, other)
            i //= 2
            width = (width + 1) // 2
            level += 1
            trail.append((level, i, node))
        if k != len(sig):
            return False
        message = _BATCH + n.to_bytes(4, "big") + node
        key = (signer, message, sig[:64])
        found = self.seen.get(key)
        if found is None:
            try:
                public.verify(sig[:64], message)
                found = True
            except (InvalidSignature, ValueError):
                found = False
            self.seen[key] = found
        if found:
            self._remember(signer, head, trail)
        return found

    def _remember(self, signer: int, head: bytes, trail: list[tuple[int, int, bytes]]) -> None:
        for level, i, node in trail:
            self.nodes[(signer, head, level, i)] = node
