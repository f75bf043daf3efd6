"""A bulk write's versions are the versions one tick per row would give (issue 23: one
format per batch instead of one f-string per row)."""

from __future__ import annotations

from casework.clock import FixedClock
from casework.storage.changelog import Hlc
from tests.conftest import NOW


def test_a_batch_of_versions_equals_one_tick_per_row() -> None:
    device = "01a24d3c-0d8d-7e80-b1a8-6b11ef021589"
    clock = FixedClock(NOW)
    one_by_one, batched = Hlc(device), Hlc(device)
    batched_versions = batched.ticks(clock, 5) + batched.ticks(clock, 1_000_001)
    expected = [one_by_one.tick(clock) for _ in range(1_000_006)]
    assert batched_versions == expected
    # Past a million in one millisecond the counter grows a digit, as tick's does.
    assert expected[-1].split(".")[1] == "1000005"
    assert batched.tick(clock) == one_by_one.tick(clock)
    assert batched.ticks(clock, 0) == []


def test_clock_parts_are_the_versions_without_their_device() -> None:
    """A contact row stores its version's clock part and the device by key (m0081)."""
    device = "01a24d3c-0d8d-7e80-b1a8-6b11ef021589"
    clock = FixedClock(NOW)
    full, parts = Hlc(device), Hlc(device)
    versions = full.ticks(clock, 3) + full.ticks(clock, 4)
    clocks = parts.ticks(clock, 3, clock_only=True) + parts.ticks(clock, 4, clock_only=True)
    assert [f"{c}.{device}" for c in clocks] == versions
    assert parts.tick(clock) == full.tick(clock)
