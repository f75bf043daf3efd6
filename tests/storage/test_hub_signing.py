"""Batch signatures of hub changes (issue 17): one Ed25519 signature per pushed batch over
a Merkle tree; every item verifies on its own, in any order, and any altered item or path
fails while the rest of its batch still verifies."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.storage.hub_signing import BatchVerifier, batch_signatures


def test_every_item_of_a_batch_verifies_alone_and_altered_items_or_paths_fail() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    other = Ed25519PrivateKey.generate().public_key()
    for n in (1, 2, 3, 5, 8, 13, 100):
        items = [f"Änderung {i}".encode() for i in range(n)]
        sigs = batch_signatures(key, items)
        forward, backward = BatchVerifier(), BatchVerifier()
        assert all(forward.ok(public, d, s) for d, s in zip(items, sigs, strict=True))
        assert all(backward.ok(public, items[j], sigs[j]) for j in reversed(range(n)))
        mixed = BatchVerifier()
        for j in range(n):
            assert not mixed.ok(public, items[j] + b"x", sigs[j]), (n, j)
            assert mixed.ok(public, items[j], sigs[j])
            assert not mixed.ok(public, items[j] + b"y", sigs[j]), (n, j)
            assert not mixed.ok(other, items[j], sigs[j])
            if len(sigs[j]) > 72:
                forged = sigs[j][:72] + bytes(32) + sigs[j][104:]
                assert not BatchVerifier().ok(public, items[j], forged)
            assert not BatchVerifier().ok(public, items[j], sigs[j][:-1])
