"""Faults that must never cost committed work: a killed process, a full disk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from casework.clock import FixedClock
from casework.services import contacts
from casework.services import session as session_service
from casework.services.households import households
from tests.conftest import PASSPHRASE, REPO_ROOT, add_family

_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from casework.clock import SystemClock
    from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
    from casework.services import contacts, session as S
    from casework.services.households import households
    s = S.unlock(Path(sys.argv[1]), sys.argv[2], SystemClock())
    hid = households.list_ids(s)[0]
    i = 0
    while True:
        cid, _ = contacts.log_contact(s, hid, ContactDraft(
            s.clock.now(), ContactType.TELEFONAT, 5,
            notes=(NoteEntry(NoteKind.FAKT, f"Anruf Nummer {i} " + "x" * 300),)))
        print(cid, flush=True)
        i += 1
""")

_FILLER = textwrap.dedent("""
    import resource, signal, sys
    from pathlib import Path
    from casework.clock import SystemClock
    from casework.errors import UserError
    from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
    from casework.services import contacts, session as S
    from casework.services.households import households
    s = S.unlock(Path(sys.argv[1]), sys.argv[2], SystemClock())
    hid = households.list_ids(s)[0]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    db = Path(sys.argv[1]) / "casework.db"
    limit = db.stat().st_size + 64 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        for i in range(5000):
            contacts.log_contact(s, hid, ContactDraft(
                s.clock.now(), ContactType.TELEFONAT, 5,
                notes=(NoteEntry(NoteKind.FAKT, "Platzfresser " * 200),)))
    except UserError as error:
        print("USERERROR", error.message, flush=True)
        sys.exit(0)
    print("NO ERROR", flush=True)
""")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def test_sigkill_during_a_burst_of_contact_writes_loses_nothing_committed(
        session, vault_dir: Path, clock: FixedClock) -> None:
    add_family(session, "Kaltstart")
    session.close()
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(vault_dir), PASSPHRASE],
                            stdout=subprocess.PIPE, text=True, env=_env())
    assert proc.stdout is not None
    committed = []
    for line in proc.stdout:
        committed.append(line.strip())
        if len(committed) >= 40:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    reopened = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        hid = households.list_ids(reopened)[0]
        stored = {c.id for c in contacts.contacts(reopened, hid)}
        assert set(committed) <= stored
        assert session_service.check(reopened).ok
    finally:
        reopened.close()


def test_full_disk_gives_german_message_and_keeps_earlier_data(session, vault_dir: Path,
                                                               clock: FixedClock) -> None:
    hid = add_family(session, "Vollplatte")
    session.close()
    result = subprocess.run([sys.executable, "-c", _FILLER, str(vault_dir), PASSPHRASE],
                            capture_output=True, text=True, env=_env(), timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("USERERROR"), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "Datenträger" in result.stdout

    reopened = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert households.get(reopened, hid).name == "Vollplatte"
        assert len(households.members(reopened, hid)) == 2
        assert session_service.check(reopened).ok
    finally:
        reopened.close()
