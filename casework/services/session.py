"""A `Session` is an unlocked vault, a clock, and the worker who is acting.

Every service function takes the session first. Opening, creating and locking vaults lives
here too, so the UI and the CLI share one path.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from casework.clock import Clock
from casework.errors import PermissionDenied, UserError, ValidationError
from casework.models.ids import WorkerId
from casework.models.persons.worker import Worker, WorkerRole
from casework.storage import attachments as attachment_store
from casework.storage import crypto, vault_header, vault_open, vault_slots
from casework.storage import persons as worker_store
from casework.storage import vault as vault_store
from casework.storage.backup.premigration import backup_before_migration
from casework.storage.changelog import RecordWriter, newest_version
from casework.storage.db import MEMORY_SECURITY, Database
from casework.storage.vault import CheckReport, Vault
from casework.storage.vault_header import KeySlot as KeySlot  # for the app's passphrase change
from casework.storage.vault_header import VaultHeader as VaultHeader
from casework.storage.vault_open import MigrationProgress
from casework.storage.vault_slots import SlotRequest as SlotRequest

MIN_PASSPHRASE_LENGTH = 12

# A short list of passphrases that pass the length rule but are trivially guessable
# (LR-47: block trivial passwords; no periodic change).
_TRIVIAL = {
    "passwortpasswort", "passwort1234", "password1234", "passwordpassword", "123456789012",
    "1234567890123", "qwertzuiopü", "qwertyuiopas", "abcdefghijkl", "casework1234",
    "sozialarbeit", "jugendamt123", "geheimgeheim", "hallohallo12", "111111111111",
}


def passphrase_problem(passphrase: str) -> str | None:
    """German reason why a new passphrase is not acceptable, or None."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return f"Die Passphrase muss mindestens {MIN_PASSPHRASE_LENGTH} Zeichen lang sein."
    lowered = passphrase.casefold()
    if lowered in _TRIVIAL or len(set(lowered)) <= 3:
        return "Diese Passphrase ist zu leicht zu erraten. Bitte eine andere wählen."
    if lowered.isdigit():
        return "Nur Ziffern sind zu leicht zu erraten. Bitte Wörter oder gemischte Zeichen."
    sequences = "abcdefghijklmnopqrstuvwxyz0123456789qwertzuiopasdfghjklyxcvbnm"
    if lowered in sequences or lowered[::-1] in sequences:
        return "Eine Tastatur- oder Zeichenfolge ist zu leicht zu erraten."
    return None


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """A rough 0–4 score and a German hint for the create-vault dialog."""
    if passphrase_problem(passphrase) is not None:
        return 0, "zu schwach"
    classes = sum(any(f(c) for c in passphrase) for f in
                  (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum()))
    words = len(passphrase.split())
    score = 1 + (len(passphrase) >= 16) + (len(passphrase) >= 24 or words >= 4) + (classes >= 3)
    return min(score, 4), ["zu schwach", "ausreichend", "gut", "stark", "sehr stark"][min(score, 4)]


@dataclass
class Session:
    vault: Vault
    clock: Clock
    actor_id: WorkerId
    _actor: Worker | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # A real deletion interrupted between its commit and the removal of its files
        # (crash, power cut) is finished before anyone works in the vault.
        attachment_store.finish_pending_deletions(self.vault)

    @property
    def db(self) -> Database:
        return self.vault.db

    def writer(self) -> RecordWriter:
        return self.vault.writer(self.actor_id)

    @property
    def actor(self) -> Worker:
        if self._actor is None or self._actor.id != self.actor_id:
            worker = worker_store.get_worker(self.db, self.actor_id)
            if worker is None:
                raise UserError("Die angemeldete Person ist in dieser Akte nicht mehr vorhanden.")
            self._actor = worker
        return self._actor

    def act_as(self, worker_id: WorkerId) -> None:
        """Switch who is acting, without a credential: for the services' own tests and
        tools only. People switch with `services.persons.switch_person` (passphrase), and
        every reserved act needs that person's `Authorization` anyway."""
        if worker_store.get_worker(self.db, worker_id) is None:
            raise ValidationError("Mitarbeitende/r", "ist in dieser Akte nicht vorhanden.")
        self.actor_id = worker_id
        self._actor = None
        self.audit("session.act_as", "worker", worker_id)

    @property
    def roles(self) -> tuple[WorkerRole, ...]:
        """All roles of the acting person (the owner is Admin plus her working role)."""
        from casework.storage import signatures as person_store

        return person_store.roles_of(self.db, self.actor_id) or (self.actor.data.role,)

    def has_role(self, *roles: WorkerRole) -> bool:
        return any(r in roles for r in self.roles)

    def require_role(self, *roles: WorkerRole) -> None:
        if not self.has_role(*roles):
            allowed = ", ".join(r.value for r in roles)
            raise PermissionDenied(f"Dafür ist die Rolle {allowed} nötig.")

    def audit(self, action: str, entity: str = "", entity_id: str = "", detail: str = "") -> None:
        self.vault.audit(action, entity, entity_id, detail, actor_id=self.actor_id)

    @property
    def profile_name(self) -> str:
        return self.vault.meta("profile") or "bottrop-beispiel"

    @property
    def is_open(self) -> bool:
        return self.vault.is_open

    def close(self) -> None:
        self.vault.close()

    def fold_wal(self) -> None:
        """See `Vault.fold_wal` (for the app's worker thread, after a job)."""
        self.vault.fold_wal()

    def interrupt(self) -> None:
        """From another thread: abort the SQL statement running on this session's
        connection (see `Database.interrupt`)."""
        self.vault.db.interrupt()


def create(folder: Path, passphrase: str, clock: Clock, *, owner_name: str,
           owner_role: WorkerRole = WorkerRole.FACHKRAFT,
           profile: str = "bottrop-beispiel", memory_security: bool = MEMORY_SECURITY) -> Session:
    problem = passphrase_problem(passphrase)
    if problem is not None:
        raise ValidationError("Passphrase", problem)
    if not owner_name.strip():
        raise ValidationError("Name", "darf nicht leer sein.")
    vault = vault_open.create_vault(Path(folder), passphrase, clock,
                                    owner_name=owner_name.strip(),
                                    owner_role=owner_role.value, profile=profile,
                                    memory_security=memory_security)
    return Session(vault, clock, WorkerId(vault.owner_id))


def vault_exists(folder: Path) -> bool:
    """True if the folder holds a vault header (it may still be damaged)."""
    return (Path(folder) / vault_header.HEADER_FILE).is_file()


def unlock(folder: Path, passphrase: str, clock: Clock, *, failed_attempts: int = 0,
           cache_kib: int | None = None, memory_security: bool = MEMORY_SECURITY,
           person: str | None = None) -> Session:
    """Open the vault as `person` (name or id; None: the owner) with her passphrase."""
    vault = vault_open.open_vault(Path(folder), passphrase, clock,
                                  failed_attempts=failed_attempts, cache_kib=cache_kib,
                                  memory_security=memory_security, person=person,
                                  before_migration=backup_before_migration)
    return Session(vault, clock, WorkerId(vault.person_id))


def is_vault(folder: Path) -> bool:
    """Whether `folder` looks like a Casework vault (has its header file)."""
    return (Path(folder) / vault_header.HEADER_FILE).is_file()


@dataclass
class UnwrappedKey:
    """A data key unwrapped with the passphrase but not yet used to open the database.

    The desktop app runs the slow part (Argon2id) on its worker thread and then opens the
    database on the GUI thread, so a connection never crosses threads."""

    folder: Path
    header: VaultHeader
    unlocked: vault_slots.UnlockedKey = field(repr=False)

    @property
    def data_key(self) -> bytearray:
        return self.unlocked.data_key

    def wipe(self) -> None:
        self.unlocked.wipe()


def unwrap_key(folder: Path, passphrase: str, person: str | None = None) -> UnwrappedKey:
    """Read the header and unwrap the data key with `person`'s passphrase (slow; touches
    no database). Raises `WrongPassphrase` or `VaultError`."""
    folder = Path(folder)
    header = vault_header.read_header(folder)
    return UnwrappedKey(folder, header, vault_slots.unlock_person(header, passphrase, person))


def unwrap_and_migrate(folder: Path, passphrase: str, person: str | None,
                       clock: Clock, progress: MigrationProgress | None = None,
                       ) -> UnwrappedKey:
    """On the app's worker thread: `unwrap_key`, then, after a program update, bring the
    vault's schema up to date here (verified backup first, as every open does), so the
    GUI thread's `open_unwrapped` has nothing left to migrate: a large vault's migration
    takes minutes, which must not freeze the window. `progress(step, steps)`: 0 while the
    backup is written, then each step (from the worker thread). Returns the key with the
    header as it is on disk afterwards."""
    key = unwrap_key(folder, passphrase, person)
    try:
        if not vault_open.needs_migration(key.folder, key.header, key.data_key):
            return key
        own = vault_slots.UnlockedKey(bytearray(key.data_key), key.unlocked.person_id)
        vault = vault_open.open_with_key(key.folder, key.header, own.data_key, clock,
                                         audit_action="", unlocked=own,
                                         before_migration=backup_before_migration,
                                         on_migration=progress)
        vault.close()
        return UnwrappedKey(key.folder, vault_header.read_header(key.folder), key.unlocked)
    except BaseException:
        key.wipe()
        raise


def open_unwrapped(key: UnwrappedKey, clock: Clock, *, failed_attempts: int = 0,
                   memory_security: bool = MEMORY_SECURITY) -> Session:
    """Second half of `unlock`: open the database with a key from `unwrap_key` on the
    calling thread. The session owns (and on close wipes) the key afterwards."""
    vault = vault_open.open_with_key(key.folder, key.header, key.data_key, clock,
                                     failed_attempts=failed_attempts,
                                     memory_security=memory_security, unlocked=key.unlocked,
                                     before_migration=backup_before_migration)
    return Session(vault, clock, WorkerId(vault.person_id))


def background_key(session: Session) -> UnwrappedKey:
    """On the GUI thread: what a worker thread needs to open its own connection to this
    vault (a connection never crosses threads; the worker's session wipes the copy)."""
    return UnwrappedKey(session.vault.folder, session.vault.header,
                        vault_slots.UnlockedKey(session.vault.data_key_copy(),
                                                session.vault.person_id))


def open_background(key: UnwrappedKey, clock: Clock, actor_id: WorkerId,
                    audit_action: str) -> Session:
    """On a worker thread: the vault's second connection, acting as `actor_id` (the
    person acting in the app); the caller closes it on that thread. `audit_action`: the
    audit entry of this open ("" for one that only reads, e.g. a report)."""
    vault = vault_open.open_with_key(key.folder, key.header, key.data_key, clock,
                                     audit_action=audit_action, unlocked=key.unlocked,
                                     second_connection=True)
    return Session(vault, clock, actor_id)


def observe_newest_version(session: Session) -> None:
    """After another connection wrote: this session's clock moves past its versions."""
    newest = newest_version(session.db)
    if newest:
        session.vault.hlc.observe(newest)


def person_names_known(folder: Path) -> int:
    """How many persons have a key slot (for the unlock page; names are not on disk)."""
    return len(vault_header.read_header(Path(folder)).slots)


def change_passphrase(session: Session, new_passphrase: str) -> None:
    """The acting person's new passphrase (the caller has verified her current one)."""
    problem = passphrase_problem(new_passphrase)
    if problem is not None:
        raise ValidationError("Neue Passphrase", problem)
    vault_slots.change_passphrase(session.vault, new_passphrase, worker_id=session.actor_id)


def begin_passphrase_change(session: Session, new_passphrase: str,
                            ) -> SlotRequest:
    """The app's `change_passphrase` in three steps, so the Argon2id run (about half a
    second) happens on the worker thread: this (GUI thread), `derive_passphrase_slot`
    (worker, no database), `finish_passphrase_change` (GUI thread)."""
    problem = passphrase_problem(new_passphrase)
    if problem is not None:
        raise ValidationError("Neue Passphrase", problem)
    return vault_slots.prepare_person_slot(session.vault, session.actor_id, new_passphrase)


def derive_passphrase_slot(request: SlotRequest) -> KeySlot:
    return vault_slots.derive_person_slot(request)


def finish_passphrase_change(session: Session, slot: KeySlot) -> None:
    vault_slots.finish_passphrase_change(session.vault, slot)


def check(session: Session) -> CheckReport:
    report = vault_store.check_vault(session.vault)
    attachment_problems = tuple(attachment_store.check(session.vault))
    if attachment_problems:
        report = replace(report, problems=report.problems + attachment_problems)
    session.audit("vault.check", detail="ok" if report.ok else "problems")
    return report


def harden_process() -> bool:
    """Core dumps off for this process (RLIMIT_CORE 0), so a crash never writes key
    material to disk; False where the platform has no such limit (Windows)."""
    return bool(crypto.disable_core_dumps())
