"""The Übermittlungsbogen as it was sent (issue 19): the sending step keeps an encrypted
copy of the letter (attachment) and its SHA-256, so a re-print reproduces what went out."""

from __future__ import annotations

VERSION = 34

SQL = """
ALTER TABLE referral_steps ADD COLUMN attachment_id TEXT;
ALTER TABLE referral_steps ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
"""
