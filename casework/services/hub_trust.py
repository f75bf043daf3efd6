"""The team roster the hub cannot forge, and device keys bound to persons (issue 16).

`casework.storage.hub_roster` has the rules. This module is the use cases: the founding
Admin starts the chain (`found_team`, her person key becomes the team's trust anchor and
she signs the roster as it stands once), an Admin signs a change of role, team, name or
disabled state (`sign_entry`), a person binds her device's keys at enrolment
(`bind_device`), and every sync applies the roster the statements prove
(`apply_roster`). Until a team has an anchor, devices take the hub's plain roster as
before and say so (`TrustStatus.signed` False).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casework.clock import to_utc_iso
from casework.errors import PermissionDenied, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.persons.worker import WorkerRole
from casework.services.persons import Authorization, check_auth
from casework.services.session import Session
from casework.storage import crypto, hub_crypto, hub_device_keys
from casework.storage import hub as store
from casework.storage import hub_roster as roster_store
from casework.storage import signatures as signature_store
from casework.storage.db import Database

ROLES = roster_store.ROLES  # the roles a signed statement can give
_CHECK = "roster_anchor_check"
_CURSOR = "roster_seq"
_BINDING = "hub_device_binding"
_PERSON = "hub_person_key"


@dataclass(frozen=True, slots=True)
class TrustStatus:
    signed: bool  # roles come from signed statements (else: the hub's word, as before)
    anchor: str | None  # fingerprint of the trust anchor
    anchor_source: str | None  # "code", "self", "hub" (taken from the hub, compare it)
    refused: int  # roster statements and hub roster rows not taken over
    waiting_devices: int  # device keys neither bound to a verified person nor confirmed
    locked: int  # received changes waiting for a key (household or device key)
    device_bound: bool  # this device's keys carry its person's signature
    unsent: int = 0  # statements an Admin signed here that the hub has not taken

    @property
    def roles_text(self) -> str:
        sources = {"code": "aus dem Einmal-Code", "self": "hier gesetzt",
                   "hub": "vom Team-Hub übernommen – bitte mit der Administration vergleichen"}
        if self.anchor is not None:
            return (f"signiert (Vertrauensanker {self.anchor}, "
                    f"{sources.get(self.anchor_source or '', 'Herkunft unbekannt')})")
        if self.signed:
            return ("Der Vertrauensanker aus dem Einmal-Code fehlt am Team-Hub – keine Rollen "
                    "übernommen.")
        return ("noch nicht signiert – Namen und Rollen kommen ungeprüft vom Team-Hub (die "
                "Administration setzt den Vertrauensanker).")

    def lines(self) -> list[str]:
        """The signed roster and waiting changes in plain German, without names (for
        `casework sync --status`; the sync dialog shows the same numbers)."""
        lines = [f"Rollen: {self.roles_text}"]
        if self.refused:
            lines.append(f"Abgewiesene Angaben zu Personen und Rollen: {self.refused}")
        if self.signed and self.waiting_devices:
            lines.append(f"Geräte ohne bestätigten Schlüssel: {self.waiting_devices} (ihre "
                         "Änderungen werden erst nach Bestätigung übernommen)")
        if self.signed and not self.device_bound:
            lines.append("Dieses Gerät ist noch nicht an seine Person gebunden "
                         "(casework hub geraet-binden).")
        if self.unsent:
            lines.append(f"Hier signierte Angaben zu Rollen, die der Team-Hub noch nicht "
                         f"angenommen hat: {self.unsent}")
        if self.locked:
            lines.append(f"Empfangene Änderungen, die auf einen Schlüssel warten: "
                         f"{self.locked} (sie werden übernommen, sobald der Schlüssel da ist)")
        return lines


def _now(session: Session) -> str:
    return to_utc_iso(session.clock.now())


def _strict(db: Database) -> bool:
    return roster_store.anchor(db) is not None or store.get_state(db, _CHECK) is not None


def status(session: Session) -> TrustStatus:
    db = session.db
    anchor = roster_store.anchor(db)
    strict = _strict(db)
    return TrustStatus(
        strict, None if anchor is None else roster_store.anchor_fingerprint(anchor),
        store.get_state(db, "roster_anchor_source"),
        roster_store.refused_count(db), roster_store.waiting_devices(db) if strict else 0,
        hub_crypto.locked_count(db), store.get_state(db, _BINDING) is not None,
        len(roster_store.unpushed(db)))


def anchor_check(session: Session) -> str | None:
    """What a one-time code issued on this device carries about the team's anchor."""
    anchor = roster_store.anchor(session.db)
    return None if anchor is None else roster_store.anchor_check(anchor)


def remember_code_anchor(session: Session, check: str | None) -> None:
    """At enrolment: the anchor check from the one-time code (the device then believes
    no roster that does not end at that key)."""
    if not check:
        return
    with session.db.transaction():
        store.set_state(session.db, _CHECK, check)


def roster_cursor(session: Session) -> int:
    return int(store.get_state(session.db, _CURSOR) or 0)


# --- device bindings -------------------------------------------------------------------

def _person_key(session: Session, auth: Authorization) -> bytes:
    found = signature_store.current_key(session.db, auth.worker_id)
    if found is None:
        raise UserError("Für diese Person gibt es in der Akte keinen Schlüssel.")
    return found[1]


def _hub_worker(session: Session) -> str:
    return store.get_state(session.db, "hub_worker_id") or session.vault.owner_id


def bind_device(session: Session, auth: Authorization) -> str:
    """The person signs this device's hub keys with her person key (her passphrase, now);
    other devices accept the device key once the signed roster names that person key.
    Returns the person key's fingerprint (to compare with the Admin)."""
    # The person of this vault: since enrolment she may act under the hub's worker id
    # while her key slot keeps the vault's earlier one.
    mine = {session.actor_id, store.get_state(session.db, "pre_enrol_owner")}
    if auth.used or auth.worker_id not in mine:
        raise PermissionDenied("Die Bestätigung gehört zu einer anderen Person als der, "
                               "die gerade angemeldet ist.")
    person = _person_key(session, auth)
    worker = _hub_worker(session)
    device = session.vault.device_id
    with session.db.transaction():
        enc, sign = hub_device_keys.ensure_device_key(session.db, device, worker,
                                                      _now(session))
    binding = auth.sign(roster_store.binding_message(worker, device, enc, sign))
    _store_binding(session, person, binding)
    return crypto.fingerprint(person)


def _binding(session: Session, key: bytearray) -> bytes:
    worker = _hub_worker(session)
    with session.db.transaction():
        enc, sign = hub_device_keys.ensure_device_key(session.db, session.vault.device_id,
                                                      worker, _now(session))
    return crypto.sign(key, roster_store.binding_message(worker, session.vault.device_id,
                                                         enc, sign))


def _store_binding(session: Session, person: bytes, binding: bytes) -> None:
    device = session.vault.device_id
    with session.db.transaction():
        store.set_state(session.db, _BINDING, roster_store.b64(binding))
        store.set_state(session.db, _PERSON, roster_store.b64(person))
        roster_store.set_own_binding(session.db, device, person, binding)
    session.audit("hub.device_bound", "device", device)


def own_binding(session: Session) -> tuple[bytes, bytes] | None:
    person = store.get_state(session.db, _PERSON)
    binding = store.get_state(session.db, _BINDING)
    if person is None or binding is None:
        return None
    return base64.b64decode(person), base64.b64decode(binding)


# --- applying the roster on every sync --------------------------------------------------

def apply_roster(session: Session, plain: Sequence[tuple[Any, ...]],
                 statements: Sequence[tuple[Any, ...]]) -> Changes:
    """The hub's plain roster (id, name, role, team, disabled) and new signed statements
    (seq, statement, sig). With an anchor only what the statements prove is applied;
    everything else the hub claims is shown as refused. Without one: as before."""
    db = session.db
    now = _now(session)
    with db.transaction():
        if statements:
            roster_store.keep(db, [(str(s[1]), bytes(s[2])) for s in statements], now)
            store.set_state(db, _CURSOR, str(max(int(s[0]) for s in statements)))
        anchor = roster_store.anchor(db) or _adopt_anchor(db)
        if anchor is None and store.get_state(db, _CHECK) is None:
            changed = store.apply_roster(db, plain, now)
        else:
            verdict = (roster_store.verify(roster_store.stored(db), anchor) if anchor
                       else roster_store.Verdict({}, {}))
            roster_store.store_verdict(db, verdict, now)
            changed = _apply_verified(db, verdict.roster, plain, now)
        roster_store.refresh_bindings(db)
    return Changes.of("worker", *changed) if changed else Changes()


def _genesis_candidates(db: Database) -> list[tuple[bytes, str]]:
    """Self-signed Admin statements whose key names itself as anchor: (key, worker)."""
    found = []
    for s in roster_store.stored(db):
        data = s.data
        if data is None or data["signer"] != data["worker"] or data["key"] != \
                data["signer_key"] or data["role"] != roster_store.ADMIN:
            continue
        key = base64.b64decode(data["key"])
        if len(key) == 32 and data["anchor"] == roster_store.anchor_fingerprint(key) and \
                crypto.verify(key, s.sig, roster_store.signed_bytes(s.text)):
            found.append((key, str(data["worker"])))
    return found


def _adopt_anchor(db: Database) -> bytes | None:
    """Pin the anchor: the one the enrolment code named, or (a device enrolled before
    its team signed) the founding Admin's as the hub shows it — only if she is an Admin
    in the roster this device already had; the fingerprint is shown for comparison."""
    check = store.get_state(db, _CHECK)
    candidates = _genesis_candidates(db)
    if check is not None:
        match = {k for k, _w in candidates if roster_store.anchor_check(k) == check}
    else:
        match = {k for k, w in candidates if roster_store.holds_role(db, w, roster_store.ADMIN)}
    if len(match) != 1:
        return None
    [key] = match
    roster_store.set_anchor(db, key, "code" if check is not None else "hub")
    if check is None:
        roster_store.keep_pinned_keys(db)
    return key


def _apply_verified(db: Database, roster: dict[str, roster_store.Entry],
                    plain: Sequence[tuple[Any, ...]], now: str) -> list[str]:
    current = roster_store.worker_rows(db)
    changed = []
    rows = []
    for e in roster.values():
        if current.get(e.worker_id) != (e.name, e.role, e.team):
            rows.append((e.worker_id, e.name, e.role, e.team, False))
    if rows:
        changed += store.apply_roster(db, rows, now)
    for wid, name, role, team, disabled in plain:
        wid = str(wid)
        entry = roster.get(wid)
        claim = {"name": str(name), "role": str(role), "team": str(team),
                 "disabled": bool(disabled)}
        if entry is None:
            if claim["role"] != "Fachkraft" or claim["disabled"]:
                roster_store.note_unsigned(db, wid, claim, now)
            held = current.get(wid)
            if held is not None and (held[1], held[2]) != ("Fachkraft", ""):
                # Whatever the hub said before the team signed counts no more.
                roster_store.neutralise(db, wid, now)
                changed.append(wid)
        elif (entry.name, entry.role, entry.team, entry.disabled) != (
                claim["name"], claim["role"], claim["team"], claim["disabled"]):
            roster_store.note_unsigned(db, wid, claim, now)
    return changed


# --- signing (Admin) --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RosterEntry:
    worker_id: str
    name: str
    role: str
    team: str
    disabled: bool
    key: bytes | None

    @property
    def fingerprint(self) -> str:
        return crypto.fingerprint(self.key) if self.key else "kein Schlüssel"


def verified_roster(session: Session) -> list[RosterEntry]:
    return sorted((RosterEntry(e.worker_id, e.name, e.role, e.team, e.disabled, e.key)
                   for e in roster_store.verified(session.db).values()),
                  key=lambda e: e.name.casefold())


def person_key_of(session: Session, worker_id: str) -> bytes | None:
    """The person key the hub shows for a worker's devices (each with its binding):
    used when an Admin first signs that worker; she compares its fingerprint."""
    keys = roster_store.device_person_keys(session.db, worker_id)
    own = own_binding(session)
    if worker_id == _hub_worker(session) and own is not None:
        keys = {own[0]}
    return keys.pop() if len(keys) == 1 else None


def _sign(session: Session, auth: Authorization, entries: Sequence[RosterEntry],
          anchor: bytes) -> list[str]:
    """Sign statements with the Admin's person key (one act), keep them for the next
    sync. Returns their hashes."""
    db = session.db
    held = roster_store.verified(db)
    stored = roster_store.stored(db)
    serial = max((s.serial for s in stored), default=0)
    signer_key = _person_key(session, auth)
    now = _now(session)
    texts = []
    for e in entries:
        serial += 1
        before = held.get(e.worker_id)
        known: list[str] = []
        if before is not None and before.role == roster_store.ADMIN and before.key and (
                e.role != roster_store.ADMIN or e.disabled or e.key != before.key):
            old = roster_store.b64(before.key)
            known = sorted(s.hash for s in stored if s.data is not None
                           and s.data["signer"] == e.worker_id and s.data["signer_key"] == old)
        texts.append(roster_store.canonical({
            "v": 1, "anchor": roster_store.anchor_fingerprint(anchor), "serial": serial,
            "signer": _hub_worker(session), "signer_key": roster_store.b64(signer_key),
            "worker": e.worker_id, "name": e.name.strip(), "role": e.role,
            "team": e.team.strip(), "disabled": e.disabled,
            "key": roster_store.b64(e.key) if e.key else "", "known": known, "at": now}))
    try:
        signed = [(t, crypto.sign(auth.key_buffer, roster_store.signed_bytes(t)))
                  for t in texts]
    finally:
        auth.wipe()
    with db.transaction():
        roster_store.keep(db, signed, now, pushed=False)
        verdict = roster_store.verify(roster_store.stored(db), anchor)
        roster_store.store_verdict(db, verdict, now)
        _apply_verified(db, verdict.roster, [], now)
        roster_store.refresh_bindings(db)
    for t, _sig in signed:
        session.audit("hub.roster_signed", "worker", json.loads(t)["worker"])
    return [roster_store.statement_hash(t) for t, _ in signed]


def _require_admin(session: Session, auth: Authorization) -> None:
    check_auth(session, auth, (WorkerRole.ADMIN,))


def found_team(session: Session, auth: Authorization,
               plain: Sequence[tuple[Any, ...]]) -> list[RosterEntry]:
    """The founding Admin: her person key becomes the team's trust anchor, and she signs
    the roster as the hub shows it now (after reading it) — once. Returns what she signed."""
    _require_admin(session, auth)
    db = session.db
    if roster_store.anchor(db) is not None or store.get_state(db, _CHECK) is not None:
        raise UserError("Dieses Team hat schon einen Vertrauensanker; Rollen ändert eine "
                        "Person mit Admin-Rolle mit „casework hub rolle“.")
    me = _hub_worker(session)
    mine = _person_key(session, auth)
    own = [r for r in plain if str(r[0]) == me]
    if not own or str(own[0][2]) != roster_store.ADMIN:
        raise PermissionDenied("Den Vertrauensanker setzt eine Person, die am Team-Hub die "
                               "Admin-Rolle hat.")
    entries = [RosterEntry(me, str(own[0][1]), roster_store.ADMIN, str(own[0][3]), False, mine)]
    for wid, name, role, team, disabled in plain:
        if str(wid) != me:
            entries.append(RosterEntry(str(wid), str(name), str(role), str(team),
                                       bool(disabled), person_key_of(session, str(wid))))
    with db.transaction():
        roster_store.set_anchor(db, mine, "self")
        roster_store.keep_pinned_keys(db)
    if own_binding(session) is None:  # her own device, in the same act
        _store_binding(session, mine, _binding(session, auth.key_buffer))
    _sign(session, auth, entries, mine)
    return entries


def sign_entry(session: Session, auth: Authorization, worker_id: str, *,
               role: str | None = None, team: str | None = None, name: str | None = None,
               disabled: bool | None = None, plain: Sequence[tuple[Any, ...]] = ()
               ) -> RosterEntry:
    """An Admin signs a worker's role, team, name or disabled state; what is not given
    stays as signed before (a worker not signed yet: as the hub lists her, with the
    person key her enrolled device shows — the Admin checks both first)."""
    _require_admin(session, auth)
    anchor = roster_store.anchor(session.db)
    if anchor is None:
        raise UserError("Dieses Team hat noch keinen Vertrauensanker (zuerst: casework hub "
                        "anker --vault …).")
    if role is not None and role not in roster_store.ROLES:
        raise ValidationError("Rolle", f"unbekannt: {role}.")
    held = roster_store.verified(session.db).get(worker_id)
    listed = [r for r in plain if str(r[0]) == worker_id]
    if held is None and not listed:
        raise ValidationError("Person", "ist am Team-Hub nicht bekannt.")
    base = (held.name, held.role, held.team, held.disabled) if held is not None else (
        str(listed[0][1]), str(listed[0][2]), str(listed[0][3]), bool(listed[0][4]))
    key = held.key if held is not None and held.key else person_key_of(session, worker_id)
    entry = RosterEntry(worker_id, name if name is not None else base[0],
                        role if role is not None else base[1],
                        team if team is not None else base[2],
                        disabled if disabled is not None else base[3], key)
    if not entry.name.strip():
        raise ValidationError("Name", "darf nicht leer sein.")
    _sign(session, auth, [entry], anchor)
    return entry


def outgoing(session: Session) -> list[tuple[str, bytes]]:
    return roster_store.unpushed(session.db)


def pushed(session: Session, texts: Sequence[str]) -> None:
    with session.db.transaction():
        roster_store.mark_pushed(session.db, texts)


def refresh_bindings(session: Session) -> None:
    """After new device keys were pinned: which of them are bound to verified persons."""
    with session.db.transaction():
        roster_store.refresh_bindings(session.db)
