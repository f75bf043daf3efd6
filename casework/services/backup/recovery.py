"""Organisation recovery key: create (Leitung/Admin), print, and recover a vault whose
passphrase is lost (LR-42). Recovery always forces a new passphrase and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from casework.clock import Clock, from_utc_iso, to_utc_iso
from casework.errors import UserError, ValidationError
from casework.models.ids import WorkerId
from casework.models.persons.worker import WorkerRole
from casework.services import session as session_service
from casework.services.session import Session

if TYPE_CHECKING:
    from casework.services.persons import Authorization
from casework.storage import vault_header, vault_open, vault_slots
from casework.storage.backup import recovery as store
from casework.storage.backup.premigration import backup_before_migration


@dataclass(frozen=True, slots=True)
class RecoverySheet:
    """Plain data for one printed sheet (`casework.forms.backup`)."""

    vault_id: str
    created_at: str  # UTC ISO
    part: int  # 0 = the whole key, 1 or 2 = a half (four-eyes)
    parts: int  # 1 or 2
    lines: tuple[store.KeyLine, ...]


def create_recovery_key(session: Session, *, split: bool = False,
                        auth: Authorization) -> tuple[RecoverySheet, ...]:
    """A new organisation recovery key (an older one stops working). Returns one sheet, or
    two sheets (one half each) when `split`. The key itself is not kept anywhere.
    Reserved: Leitung or Admin (the owner always is Admin), re-authenticated and signed."""
    from casework.services import persons

    session.require_role(WorkerRole.LEITUNG, WorkerRole.ADMIN)
    persons.check_auth(session, auth, (WorkerRole.ADMIN, WorkerRole.LEITUNG))
    key = store.add_recovery_key(session.vault, split=split)
    created = to_utc_iso(session.clock.now())
    vault_id = session.vault.header.vault_id
    wrapped = session.vault.header.key(store.KIND)
    assert wrapped is not None
    with session.db.transaction():
        persons.sign_act(session, auth, "vault.recovery_key", "vault", vault_id,
                         {"vault_id": vault_id, "recovery_public": wrapped.public.hex(),
                          "split": split},
                         allowed=(WorkerRole.ADMIN, WorkerRole.LEITUNG))
        session.audit("vault.recovery_key_created", "vault", vault_id,
                      "split" if split else "single")
        session.vault.set_meta("recovery_sheet_at", created)
    session.vault.anchor_audit()
    if not split:
        return (RecoverySheet(vault_id, created, 0, 1, tuple(store.encode_key(key))),)
    first, second = store.split_key(key)
    return (RecoverySheet(vault_id, created, 1, 2, tuple(store.encode_key(first, 1))),
            RecoverySheet(vault_id, created, 2, 2, tuple(store.encode_key(second, 2))))


def recovery_status(folder: Path) -> str | None:
    """None (no recovery key), `store.LABEL_SINGLE` or `store.LABEL_SPLIT`."""
    return store.recovery_label(vault_header.read_header(Path(folder)))


def is_split(folder: Path) -> bool:
    return recovery_status(folder) == store.LABEL_SPLIT


def parse_key(texts: tuple[str, ...]) -> bytes:
    """The key from the typed sheet text: one text, or two (both halves)."""
    if len(texts) == 1:
        return store.decode_key(texts[0], 0)
    if len(texts) == 2:
        return store.combine_halves(store.decode_key(texts[0], 1), store.decode_key(texts[1], 2))
    raise ValueError("one or two texts")


def recover(folder: Path, key_texts: tuple[str, ...], new_passphrase: str,
            clock: Clock) -> Session:
    """Open the vault with the recovery key and set a new passphrase (re-wrap; the
    database is not re-encrypted). Audit: `vault.recover`, `vault.passphrase_changed`."""
    problem = session_service.passphrase_problem(new_passphrase)
    if problem is not None:
        raise ValidationError("Neue Passphrase", problem)
    folder = Path(folder)
    header = vault_header.read_header(folder)
    if store.recovery_label(header) is None:
        raise UserError("Für diese Akte wurde kein Wiederherstellungsschlüssel angelegt.")
    data_key = store.unwrap_with_recovery_key(header, parse_key(key_texts))
    vault = vault_open.open_with_key(folder, header, data_key, clock,
                                     audit_action="vault.recover",
                                     before_migration=backup_before_migration)
    try:
        vault_slots.change_passphrase(vault, new_passphrase)
    except BaseException:
        vault.close()
        raise
    return session_service.Session(vault, clock, WorkerId(vault.person_id))


def recover_key(folder: Path, key_texts: tuple[str, ...], new_passphrase: str,
                clock: Clock) -> session_service.UnwrappedKey:
    """`recover` as the app runs it, on its worker thread (the new key slot is one Argon2id
    run; a migration after an update may take minutes): the vault is recovered, given the
    new passphrase and closed again here. Returns its data key for
    `session.open_unwrapped` on the GUI thread (a connection never crosses threads)."""
    session = recover(folder, key_texts, new_passphrase, clock)
    try:
        key = session_service.background_key(session)
    finally:
        session.close()
    try:
        header = vault_header.read_header(key.folder)
    except BaseException:
        key.wipe()
        raise
    return session_service.UnwrappedKey(key.folder, header, key.unlocked)



def render_sheet(session: Session, sheet: RecoverySheet) -> bytes:
    """The printable PDF of one sheet, with the organisation's letterhead."""
    return render_sheets(session.profile_name, session.clock, (sheet,))[0]


def render_sheets(profile_name: str, clock: Clock,
                  sheets: tuple[RecoverySheet, ...]) -> list[bytes]:
    """The PDFs of `sheets` (no database: the app renders them on its worker thread; the
    first one loads the PDF library and its fonts, a quarter of a second)."""
    from casework.forms import backup as form
    from casework.forms import base
    from casework.services.directory import shipped as reference

    profile = reference.load_profile(profile_name)
    letterhead = base.letterhead_from_organisation(profile.organisation)
    return [form.render_recovery_sheet(form.RecoverySheetData(
        sheet.vault_id, from_utc_iso(sheet.created_at), sheet.part, sheet.parts,
        tuple(form.SheetLine(line.number, line.groups, line.check) for line in sheet.lines),
        letterhead), clock) for sheet in sheets]
