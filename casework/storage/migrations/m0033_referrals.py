"""Referrals (Vermittlung / Lotsenfunktion, issue 6): one row per referral and its
append-only steps (vorgeschlagen → … → abgeschlossen / zurückgezogen).

`referrals.state` is a cache of the state derived from the steps (the last state step in
HLC order), kept in the same transaction as each step so plain SQL (the annual report's
generic query) can group by it; the service always derives the state from the steps.
`person_ids` / `sent_person_ids` are JSON lists of person ids (the retention, purge and
Art. 15 code finds rows by the `*person_ids` suffix).
"""

VERSION = 33

_BOOK = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

SQL = f"""
CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    person_ids TEXT NOT NULL DEFAULT '[]',
    recipient_type TEXT NOT NULL,          -- RecipientKind value
    recipient_label TEXT NOT NULL,
    recipient_ref TEXT NOT NULL DEFAULT '', -- district number / partner name
    recipient_contact TEXT NOT NULL DEFAULT '',
    consent_recipient TEXT NOT NULL,       -- consent catalogue recipient key
    reason TEXT NOT NULL,
    offer TEXT NOT NULL DEFAULT '',
    purpose_key TEXT NOT NULL DEFAULT 'email',
    purpose_detail TEXT NOT NULL DEFAULT '',
    share_fields TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT '',
    referred_on TEXT NOT NULL,             -- local date of the proposal
    state TEXT NOT NULL DEFAULT 'vorgeschlagen',
    {_BOOK}
);
CREATE INDEX referrals_household ON referrals(household_id, deleted);
CREATE INDEX referrals_state ON referrals(deleted, state);

CREATE TABLE referral_steps (
    id TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals(id),
    household_id TEXT NOT NULL REFERENCES households(id),
    kind TEXT NOT NULL,                    -- ReferralState value or 'Wiedervorlage'
    on_date TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    feedback TEXT NOT NULL DEFAULT '',
    follow_up_set INTEGER NOT NULL DEFAULT 0,
    follow_up_on TEXT,
    basis TEXT NOT NULL DEFAULT '',        -- StatutoryBasis name, '' = consent
    informed_on TEXT,
    not_informed_reason TEXT NOT NULL DEFAULT '',
    consent_refs TEXT NOT NULL DEFAULT '[]',
    sent_person_ids TEXT NOT NULL DEFAULT '[]',
    {_BOOK}
);
CREATE INDEX referral_steps_referral ON referral_steps(referral_id, deleted, version);
CREATE INDEX referral_steps_follow_up ON referral_steps(follow_up_set, follow_up_on);
"""
