"""JSON from outside (a header, an imported file, a mapping): bounded before it is parsed.

Python's `json` recurses per nesting level (a file nested 100,000 deep raises
RecursionError) and turns digit strings into ints of any length (a 6,000-digit number raises
ValueError on Python ≥ 3.11, and costs quadratic time before that). Nothing Casework writes
nests deeper than a few levels or has numbers longer than a few digits, so anything beyond
these limits is refused as damaged input, with the caller's German message.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 30


class UnsafeJson(ValueError):
    """Not JSON, or JSON beyond the limits (the caller names the file in German)."""


def _depth(text: str, limit: int) -> None:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                raise UnsafeJson("nested too deep")
        elif char in "]}":
            depth -= 1


def _number(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        if len(text) > MAX_NUMBER_CHARS:
            raise UnsafeJson("number too long")
        return kind(text)
    return parse


def loads(text: str | bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` within limits; raises `UnsafeJson` (a ValueError) for anything else."""
    if len(text) > max_bytes:
        raise UnsafeJson("too large")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnsafeJson("not UTF-8") from error
    _depth(text, max_depth)
    try:
        return json.loads(text, parse_int=_number(int), parse_float=_number(float),
                          parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise UnsafeJson(str(error)[:80]) from error


def _refuse_constant(name: str) -> Any:
    raise UnsafeJson(f"{name} is not JSON")
