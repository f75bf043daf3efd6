"""`vault rekey` (issue 15): re-encrypt a vault under a new data key.

Separate from `storage.vault` because it needs the attachments and the recovery wrap,
which themselves build on `storage.vault`.
"""

from __future__ import annotations

import dataclasses
import json
import os

from casework.storage import audit, crypto, private_files, vault_header
from casework.storage.attachments import stage_rekey
from casework.storage.backup import recovery as recovery_store
from casework.storage.db import Database
from casework.storage.vault import Vault


def rekey(vault: Vault) -> int:
    """Re-encrypt the vault under a new random data key (after a lost laptop whose
    passphrase may be known): the database is exported with `sqlcipher_export` into a new
    file under the new raw key, the attachments are written again, every person's key slot
    and the recovery wrap are sealed anew (to their public keys: no passphrases needed), and
    the new header replaces the old one. Headers inside older backups then no longer open
    the current database. A person whose passphrase may be known must also set a new one.
    Returns the number of re-encrypted attachments. Crash-safe: see
    `finish_interrupted_rekey`."""
    folder = vault.folder
    new_key = crypto.new_data_key()
    try:
        header = vault.header
        for slot in header.slots:
            ephemeral, nonce, sealed = crypto.seal(slot.x_public, new_key,
                                                   header.seal_aad(slot.worker_id))
            header = header.with_slot(dataclasses.replace(
                slot, seal_ephemeral=ephemeral, seal_nonce=nonce, seal_ciphertext=sealed))
        header = recovery_store.reseal(header, new_key)
        vault.audit("vault.rekey", "vault", header.vault_id, actor_id=vault.person_id)
        vault.db.checkpoint()
        count = stage_rekey(vault, new_key)
        target = folder / vault_header.REKEY_DB
        target.unlink(missing_ok=True)
        private_files.create_empty(target)
        vault.db.export_to(target, new_key)
        header = header.replace(anchor=audit.head(vault.db)).signed(new_key)
        vault_header.write_atomic(folder / vault_header.REKEY_HEADER, json.dumps(
            header.to_json(), indent=2, ensure_ascii=False).encode("utf-8"))
        vault.db.close()
        os.replace(target, folder / vault_header.DB_FILE)  # the commit point
        private_files.fsync_dir(folder)
        vault_header.finish_interrupted_rekey(folder)
        vault.db = Database.open(folder / vault_header.DB_FILE, new_key)
    except BaseException:
        if not vault.db.is_open and (folder / vault_header.REKEY_DB).exists():
            vault_header.finish_interrupted_rekey(folder)
            vault.db = Database.open(folder / vault_header.DB_FILE, vault.key_buffer)
        crypto.wipe(new_key)
        raise
    crypto.wipe(vault.key_buffer)
    vault._data_key = new_key
    vault.header = header
    return count
