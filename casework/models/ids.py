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


# Byte maps setting the version nibble (0111) and the RFC 4122 variant bits (10) of a
# random byte, applied to every id's byte at once (bytes.translate).
_VERSION_BYTE = bytes((b & 0x0F) | 0x70 for b in range(256))
_VARIANT_BYTE = bytes((b & 0x3F) | 0x80 for b in range(256))


def new_ids(count: int) -> list[str]:
    """`count` UUIDv7s of this millisecond, the same layout as `new_id`, built from one
    call to the system's random source (bulk imports need ~400,000 of them): per id 10
    random bytes, version and variant set in all of them at once, then only slices."""
    ms = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    stamp = f"{ms:012x}"
    head = f"{stamp[:8]}-{stamp[8:]}-"
    raw = bytearray(secrets.token_bytes(10 * count))
    raw[0::10] = raw[0::10].translate(_VERSION_BYTE)  # 7 + rand_a (12 bits)
    raw[2::10] = raw[2::10].translate(_VARIANT_BYTE)  # 10 + rand_b (62 bits)
    text = raw.hex()
    return [f"{head}{text[i:i + 4]}-{text[i + 4:i + 8]}-{text[i + 8:i + 20]}"
            for i in range(0, 20 * count, 20)]
