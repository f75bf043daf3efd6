"""Record ids: UUIDv7 created on the device."""

from __future__ import annotations

import time
import uuid

from casework.models.ids import new_id, new_ids


def test_ids_made_in_bulk_are_uuid7s_like_single_ones_with_all_74_bits_random() -> None:
    before = time.time_ns() // 1_000_000
    ids = new_ids(2_000)
    after = time.time_ns() // 1_000_000
    values = [uuid.UUID(text) for text in ids]
    assert [str(v) for v in values] == ids and len(set(ids)) == len(ids)
    for value in (*values, uuid.UUID(new_id())):
        assert value.version == 7 and value.variant == uuid.RFC_4122
        assert before <= value.int >> 80 <= after + 1_000
    # rand_a (12 bits) and rand_b (62 bits): every one of them is 0 in some id, 1 in another
    random_bits = [(v.int >> 64) & 0xFFF | (v.int & ((1 << 62) - 1)) << 12 for v in values]
    ones = zeros = 0
    for bits in random_bits:
        ones |= bits
        zeros |= ~bits
    assert ones == zeros & ((1 << 74) - 1) == (1 << 74) - 1
