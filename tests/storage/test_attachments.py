"""Encrypted attachments on a real vault folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casework.errors import NotFound, VaultError
from casework.services.session import Session
from casework.storage import attachments

SCAN = b"%PDF-1.4 Unterschrift Ay\xc5\x9fe M\xc3\xbcller, Einwilligung Foto " * 200


def _file(session: Session, attachment_id: str) -> Path:
    return session.vault.attachments_dir / attachment_id


def test_roundtrip_and_no_plaintext_on_disk(session: Session) -> None:
    aid = attachments.put(session.vault, SCAN)
    assert attachments.get(session.vault, aid) == SCAN
    raw = _file(session, aid).read_bytes()
    assert raw.startswith(attachments.MAGIC + bytes([attachments.FORMAT_VERSION]))
    for fragment in (b"Unterschrift", b"M\xc3\xbcller", b"%PDF", SCAN[:32]):
        assert fragment not in raw
    # Only the random-id file is left behind: no temp files, no name in the file name.
    assert sorted(p.name for p in session.vault.attachments_dir.iterdir()) == [aid]
    assert attachments.list_ids(session.vault) == [aid]


def test_same_content_twice_gives_different_ciphertexts(session: Session) -> None:
    one = attachments.put(session.vault, SCAN)
    two = attachments.put(session.vault, SCAN)
    assert one != two
    assert _file(session, one).read_bytes() != _file(session, two).read_bytes()


@pytest.mark.parametrize("offset", [4, 10, 200, -1])
def test_bit_flip_is_detected_with_a_german_message(session: Session, offset: int) -> None:
    aid = attachments.put(session.vault, SCAN)
    path = _file(session, aid)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(VaultError) as caught:
        attachments.get(session.vault, aid)
    assert "Anhang" in caught.value.message
    assert "beschädigt" in caught.value.message or "Format" in caught.value.message


def test_file_renamed_to_another_id_is_rejected(session: Session) -> None:
    one = attachments.put(session.vault, SCAN)
    two = attachments.put(session.vault, b"other content")
    os.replace(_file(session, one), _file(session, two))
    with pytest.raises(VaultError, match="verändert"):
        attachments.get(session.vault, two)


def test_truncated_file_is_rejected(session: Session) -> None:
    aid = attachments.put(session.vault, SCAN)
    path = _file(session, aid)
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(VaultError, match="beschädigt"):
        attachments.get(session.vault, aid)


def test_delete_leaves_no_file_and_is_idempotent(session: Session) -> None:
    aid = attachments.put(session.vault, SCAN)
    keep = attachments.put(session.vault, b"keep me")
    attachments.delete(session.vault, aid)
    assert not _file(session, aid).exists()
    assert attachments.list_ids(session.vault) == [keep]
    attachments.delete(session.vault, aid)  # again: nothing happens
    with pytest.raises(NotFound):
        attachments.get(session.vault, aid)
    assert attachments.get(session.vault, keep) == b"keep me"


def test_ids_cannot_escape_the_folder(session: Session) -> None:
    with pytest.raises(NotFound):
        attachments.get(session.vault, "../vault.json")
    with pytest.raises(NotFound):
        attachments.delete(session.vault, "../casework.db")
    assert (session.vault.folder / "casework.db").exists()


def test_key_is_bound_to_the_vault(session: Session, tmp_path: Path) -> None:
    """A file copied into another vault cannot be read there (different data key)."""
    from casework.services import session as session_service
    from tests.conftest import PASSPHRASE

    aid = attachments.put(session.vault, SCAN)
    other = session_service.create(tmp_path / "other", PASSPHRASE, session.clock,
                                   owner_name="Test")
    try:
        target = other.vault.attachments_dir / aid
        target.write_bytes(_file(session, aid).read_bytes())
        with pytest.raises(VaultError):
            attachments.get(other.vault, aid)
    finally:
        other.close()
