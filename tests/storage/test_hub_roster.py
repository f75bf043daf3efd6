"""The rules of the signed roster (storage.hub_roster.verify), without a hub: the chain
starts at the anchor, only enabled Admins sign, the newest statement per person wins,
and a demoted Admin's statements the demotion did not list are void (no backdating)."""

from __future__ import annotations

import random
from typing import Any

from casework.storage import crypto
from casework.storage import hub_roster as roster


class Person:
    def __init__(self, worker_id: str) -> None:
        self.id = worker_id
        self.private = crypto.new_private_keys()
        self.public = crypto.public_keys(self.private)[1]

    def sign(self, anchor: bytes, serial: int, worker: Person | str, role: str = "Fachkraft",
             **extra: Any) -> roster.Statement:
        wid = worker if isinstance(worker, str) else worker.id
        key = "" if isinstance(worker, str) else roster.b64(worker.public)
        data = {"v": 1, "anchor": roster.anchor_fingerprint(anchor), "serial": serial,
                "signer": self.id, "signer_key": roster.b64(self.public), "worker": wid,
                "name": wid.capitalize(), "role": role, "team": "Nord", "disabled": False,
                "key": key, "known": [], "at": "2026-12-06T10:00:00Z"}
        data.update(extra)
        text = roster.canonical(data)
        return roster.parse(text, crypto.sign(self.private, roster.signed_bytes(text)))


def test_the_chain_starts_at_the_anchor_and_only_admins_sign() -> None:
    anna, ben, eve = Person("anna"), Person("ben"), Person("eve")
    a = anna.public
    genesis = anna.sign(a, 1, anna, "Admin")
    ben_in = anna.sign(a, 2, ben)
    eve_genesis = eve.sign(eve.public, 1, eve, "Admin")  # another "team"
    eve_claims = eve.sign(a, 3, eve, "Admin")  # nobody made her Admin
    ben_self = ben.sign(a, 4, ben, "Leitung")  # a Fachkraft signs himself up
    tampered = roster.parse(ben_in.text.replace("Fachkraft", "Admin"), ben_in.sig)
    verdict = roster.verify([eve_claims, ben_self, genesis, ben_in, eve_genesis, tampered], a)
    assert {w: e.role for w, e in verdict.roster.items()} == {"anna": "Admin",
                                                               "ben": "Fachkraft"}
    assert verdict.refused == {eve_genesis.hash: "CW040", tampered.hash: "CW040",
                               eve_claims.hash: "CW042", ben_self.hash: "CW042"}
    # Without the anchor's own statement nothing counts.
    assert roster.verify([ben_in], a).roster == {}


def test_a_demoted_admin_can_neither_sign_later_nor_backdate_and_order_does_not_matter() -> None:
    anna, ben, carl = Person("anna"), Person("ben"), Person("carl")
    a = anna.public
    statements = [anna.sign(a, 1, anna, "Admin"), anna.sign(a, 2, ben, "Admin"),
                  anna.sign(a, 3, carl)]
    ben_ok = ben.sign(a, 4, carl, "Leitung")  # while he is Admin: counts
    statements.append(ben_ok)
    demotion = anna.sign(a, 5, ben, "Fachkraft", known=[ben_ok.hash])
    later = ben.sign(a, 6, ben, "Admin")  # after the demotion
    backdated = ben.sign(a, 4, carl, "Admin")  # a serial from before it
    statements += [demotion, later, backdated]
    first = roster.verify(statements, a)
    for _ in range(5):  # any order of arrival gives the same roster
        random.shuffle(statements)
        again = roster.verify(statements, a)
        assert again.roster == first.roster and again.refused == first.refused
    assert {w: e.role for w, e in first.roster.items()} == {
        "anna": "Admin", "ben": "Fachkraft", "carl": "Leitung"}
    assert first.refused == {later.hash: "CW043", backdated.hash: "CW043"}


def test_the_newest_statement_wins_and_a_replayed_older_one_changes_nothing() -> None:
    anna, ben = Person("anna"), Person("ben")
    a = anna.public
    old = anna.sign(a, 2, ben, "Leitung")
    new = anna.sign(a, 3, ben, "Fachkraft", team="Süd")
    base = [anna.sign(a, 1, anna, "Admin"), old, new]
    verdict = roster.verify([*base, old, old], a)
    assert (verdict.roster["ben"].role, verdict.roster["ben"].team) == ("Fachkraft", "Süd")
    assert verdict.refused == {}
    # The anchor check a one-time code carries: 4 groups of 4, from the key alone.
    check = roster.anchor_check(a)
    assert len(check) == 19 and check.count("-") == 3 and check != roster.anchor_check(
        ben.public)
