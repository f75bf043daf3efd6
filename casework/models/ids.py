"""Typed ids. Ids are time-ordered UUIDs created on the device (UUIDv7 layout), so
records created offline on many laptops merge without collisions and sort by creation."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import NewType

HouseholdId = NewType("HouseholdId", str)
PersonId = NewType("PersonId", str)
ContactId = NewType("ContactId", str)
WorkerId = NewType("WorkerId", str)
DeviceId = NewType("DeviceId", str)


def new_id() -> str:
    """A UUIDv7: 48-bit Unix milliseconds, then 74 random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a (12 bits)
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # rand_b (62 bits)
    return str(uuid.UUID(int=value))


_VARIANT = "89ab89ab89ab89ab"  # RFC 4122 variant nibble 10xx from a random hex digit


def new_ids(count: int) -> list[str]:
    """`count` UUIDv7s of this millisecond, the same layout as `new_id`, built from one
    call to the system's random source (bulk imports need ~400,000 of them)."""
    ms = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    stamp = f"{ms:012x}"
    head = f"{stamp[:8]}-{stamp[8:]}-7"
    rand = secrets.token_bytes(10 * count).hex()
    return [f"{head}{rand[i:i + 3]}-{_VARIANT[int(rand[i + 3], 16)]}{rand[i + 4:i + 7]}-"
            f"{rand[i + 7:i + 19]}" for i in range(0, 20 * count, 20)]
