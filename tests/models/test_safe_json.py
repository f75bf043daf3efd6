"""The bounded JSON reader refuses what would crash or hang the plain one."""

from __future__ import annotations

import json

import pytest

from casework.models import safe_json


def test_ordinary_json_reads_as_usual() -> None:
    data = {"a": [1, 2.5, "x", {"b": None, "c": True}], "ä": "\"}]"}
    assert safe_json.loads(json.dumps(data), max_bytes=1000) == data


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,                 # RecursionError in json.loads
    '{"a": ' * 40 + "1" + "}" * 40,
    "1" * 6000,                                    # ValueError (int digits limit)
    '{"memory_kib": ' + "9" * 31 + "}",
    "NaN", '{"x": Infinity}',
    "{",
    b"\xff\xfe",
])
def test_hostile_json_is_refused_with_one_error_type(text: str | bytes) -> None:
    with pytest.raises(safe_json.UnsafeJson):
        safe_json.loads(text, max_bytes=1_000_000)


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    text = json.dumps({"note": "[" * 100 + "\\\"{" * 50})
    assert safe_json.loads(text, max_bytes=10_000)["note"].startswith("[[[")


def test_size_limit() -> None:
    with pytest.raises(safe_json.UnsafeJson):
        safe_json.loads("[" + "1," * 1000 + "1]", max_bytes=100)
