"""Issue 15 figures on a demo vault: unlock (one Argon2id run + open), one re-authenticated
and signed Leitung approval, and `vault check` (integrity, audit chain and anchor, every
signature).

    python -m casework demo --vault /tmp/demo2000 --families 2000
    python bench/persons_bench.py /tmp/demo2000
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from casework.clock import SystemClock
from casework.models.kinderschutz.review import QUEUE_STATUSES
from casework.models.persons.worker import WorkerRole
from casework.services import demo, demo_showcase, persons
from casework.services import session as session_service
from casework.services.kinderschutz import review

LEITUNG = "Bench Leitung"
LEITUNG_PASSPHRASE = "Messlauf mit eigener Passphrase 1"  # noqa: S105 - fictitious


def main(folder: Path) -> None:
    clock = SystemClock()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        session = session_service.unlock(folder, demo.DEMO_PASSPHRASE, clock)
        times.append(time.perf_counter() - start)
        session.close()
    print(f"unlock (owner): median {statistics.median(times):.2f} s "
          f"({', '.join(f'{t:.2f}' for t in times)})")

    leitung, leitung_passphrase = LEITUNG, LEITUNG_PASSPHRASE
    if persons.has_key_slot(folder, demo_showcase.LEITUNG_NAME):  # the demo's own Leitung
        # the demo Leitung has the demo vault's (public) passphrase
        leitung, leitung_passphrase = demo_showcase.LEITUNG_NAME, demo.DEMO_PASSPHRASE
    session = session_service.unlock(folder, demo.DEMO_PASSPHRASE, clock)
    try:
        if not persons.has_key_slot(folder, leitung):
            persons.add_person(session, persons.authorize(session, demo.DEMO_PASSPHRASE),
                               LEITUNG, (WorkerRole.LEITUNG,), LEITUNG_PASSPHRASE)
        households = session.db.scalar("SELECT count(*) FROM households WHERE deleted = 0")
    finally:
        session.close()
    start = time.perf_counter()
    session = session_service.unlock(folder, leitung_passphrase, clock, person=leitung)
    print(f"unlock (Leitung, by name): {time.perf_counter() - start:.2f} s")
    try:
        pending = [v for v in review.queue(session) if v.author_id != session.actor_id
                   and v.status in QUEUE_STATUSES]
        if pending:
            start = time.perf_counter()
            auth = persons.authorize(session, leitung_passphrase)
            review.approve(session, pending[0].id, auth=auth,
                           expected_hash=pending[0].current_hash)
            print(f"re-authenticated, signed approval: {time.perf_counter() - start:.2f} s "
                  f"({len(pending)} waiting in the queue)")
        else:
            start = time.perf_counter()
            auth = persons.authorize(session, leitung_passphrase)
            with session.db.transaction():
                persons.sign_act(session, auth, "bench", "vault", "bench", {"x": 1})
            print(f"re-authentication + signature (queue empty): "
                  f"{time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        report = session_service.check(session)
        print(f"vault check: {time.perf_counter() - start:.2f} s, {households} households, "
              f"{report.signatures} signatures verified, {report.legacy_records} legacy, "
              f"{'ok' if report.ok else report.problems[:3]}")
    finally:
        session.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
