"""Form drafts live encrypted in the vault, per worker, and go away when discarded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import ValidationError
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import drafts
from casework.services import session as session_service
from casework.services.persons import workers
from casework.services.session import Session
from tests.conftest import PASSPHRASE

MARKER = "Schimmel im Kinderzimmer Entwurfsmarker"


def test_save_load_replace_discard(session: Session) -> None:
    assert drafts.load_draft(session, "quick_contact", "h1") is None
    drafts.save_draft(session, "quick_contact", "h1", json.dumps({"note": "eins"}))
    drafts.save_draft(session, "quick_contact", "h1", json.dumps({"note": "zwei"}))
    assert json.loads(drafts.load_draft(session, "quick_contact", "h1") or "") == {
        "note": "zwei"}
    assert drafts.draft_keys(session, "quick_contact") == ["h1"]
    assert drafts.discard_draft(session, "quick_contact", "h1")
    assert not drafts.discard_draft(session, "quick_contact", "h1")
    assert drafts.load_draft(session, "quick_contact", "h1") is None


def test_drafts_belong_to_the_acting_worker(session: Session) -> None:
    drafts.save_draft(session, "quick_contact", "h1", json.dumps({"note": "Lena"}))
    other, _ = workers.create(session, WorkerDraft("Jonas Muster", WorkerRole.FACHKRAFT))
    session.act_as(other)
    assert drafts.load_draft(session, "quick_contact", "h1") is None


def test_rejects_non_json_and_huge_payloads(session: Session) -> None:
    with pytest.raises(json.JSONDecodeError):
        drafts.save_draft(session, "quick_contact", "h1", "kein json")
    with pytest.raises(ValidationError) as caught:
        drafts.save_draft(session, "quick_contact", "h1",
                          json.dumps("x" * (drafts.MAX_PAYLOAD_CHARS + 1)))
    assert caught.value.field == "Entwurf"


def test_draft_text_never_reaches_the_disk_in_plaintext(vault_dir: Path,
                                                        clock: FixedClock) -> None:
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    drafts.save_draft(session, "quick_contact", "h1", json.dumps({"note": MARKER}))
    raw_open = b"".join(p.read_bytes() for p in vault_dir.rglob("*") if p.is_file())
    session.close()
    raw_closed = b"".join(p.read_bytes() for p in vault_dir.rglob("*") if p.is_file())
    for raw in (raw_open, raw_closed):
        assert MARKER.encode() not in raw
        assert MARKER.encode("utf-16-le") not in raw
    reopened = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert MARKER in (drafts.load_draft(reopened, "quick_contact", "h1") or "")
    finally:
        reopened.close()
