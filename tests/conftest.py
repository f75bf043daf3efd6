"""Shared fixtures: real SQLCipher vaults in temp folders, a fixed clock, the CLI.

A template vault is created once per test session (Argon2id with the production
parameters takes ~0.2 s) and copied for each test; every test still unlocks its copy with
the passphrase through the real code path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from casework.clock import BERLIN, FixedClock
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, WorkerId
from casework.models.persons.worker import WorkerRole
from casework.services import persons
from casework.services import session as session_service
from casework.services.households import households
from casework.services.persons import Authorization
from casework.services.session import Session

REPO_ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "Kaffeetasse auf dem Fensterbrett 7"
# Every person the tests add besides the owner has this passphrase.
COLLEAGUE_PASSPHRASE = "Gießkanne neben der Haustür 4"
# Saturday 21 November 2026, 10:00 in Bottrop.
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=BERLIN)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def _template_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "vault"
    session = session_service.create(folder, PASSPHRASE, FixedClock(NOW),
                                     owner_name="Lena Beispiel")
    session.close()
    return folder


@pytest.fixture
def vault_dir(_template_vault: Path, tmp_path: Path) -> Path:
    """A fresh, locked vault folder (copy of the template)."""
    target = tmp_path / "vault"
    shutil.copytree(_template_vault, target)
    return target


@pytest.fixture
def session(vault_dir: Path, clock: FixedClock) -> Iterator[Session]:
    """An unlocked vault; the acting worker is the owner 'Lena Beispiel' (Fachkraft)."""
    s = session_service.unlock(vault_dir, PASSPHRASE, clock)
    yield s
    if s.is_open:
        s.close()


def add_family(session: Session, name: str = "Müller", *, district: str = "Batenbrock-Süd",
               children: tuple[tuple[str, date], ...] = (("Lena", date(2019, 3, 1)),),
               parent: str = "Ayşe") -> HouseholdId:
    """A household with one custodial parent and the given children."""
    hid, _ = households.create(session, HouseholdDraft(
        name=name, street="Gärtnerstraße 12", plz="46236", city="Bottrop", district=district))
    households.add_person(session, hid, PersonDraft(parent, name, BirthInfo(date(1988, 5, 4)),
                                                    Gender.WEIBLICH, HouseholdRole.ELTERNTEIL,
                                                    custody=True))
    for first, born in children:
        households.add_person(session, hid, PersonDraft(first, name, BirthInfo(born),
                                                        Gender.WEIBLICH, HouseholdRole.KIND))
    return hid


@pytest.fixture
def family(session: Session) -> HouseholdId:
    return add_family(session)


def run_cli(*args: str, passphrase: str | None = PASSPHRASE, env: dict[str, str] | None = None,
            input_text: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m casework ARGS` as a real process against the source tree."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    full_env["PYTHONPATH"] = str(REPO_ROOT)
    if passphrase is not None:
        full_env["CASEWORK_PASSPHRASE"] = passphrase
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "casework", *args], cwd=REPO_ROOT,
                          env=full_env, capture_output=True, text=True, input=input_text,
                          timeout=timeout, check=False)


def sign(session: Session, passphrase: str | None = None) -> Authorization:
    """The acting person's re-authentication for one reserved act (one Argon2id run)."""
    if passphrase is None:
        passphrase = (PASSPHRASE if session.actor_id == session.vault.owner_id
                      else COLLEAGUE_PASSPHRASE)
    return persons.authorize(session, passphrase)


def add_person(session: Session, name: str, *roles: WorkerRole,
               passphrase: str = COLLEAGUE_PASSPHRASE) -> WorkerId:
    """The owner (Admin) adds a person with her own passphrase (two Argon2id runs); the
    acting person stays who she was."""
    acting = session.actor_id
    session.act_as(WorkerId(session.vault.owner_id))
    try:
        wid, _ = persons.add_person(session, sign(session), name, roles or (WorkerRole.LEITUNG,),
                                    passphrase)
    finally:
        session.act_as(acting)
    return wid
