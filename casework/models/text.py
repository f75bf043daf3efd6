"""Folding text for search: case-, accent- and umlaut-insensitive.

"Müller", "Mueller" and "Muller" all fold to "muller"; "Straße" and "Strasse" to
"strase". The same function folds stored text and queries, so extra matches are possible
("Manuel" ~ "Manul") but a spelling variant never hides a family.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from itertools import chain

_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("ss", "s"))
# Letters NFKD does not decompose but people type without the mark ("Yilmaz", "Lodz").
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th",
                          "æ": "ae", "œ": "oe", "ŀ": "l"})
_LETTER_RE = re.compile("[" + "".join(chr(c) for c in _LETTERS) + "]")
_WORD = re.compile(r"[0-9a-z]+")


@functools.cache
def _marks() -> re.Pattern[str]:
    """All combining marks of the Basic Multilingual Plane as one character class.

    Removing them with one regex substitution instead of a Python loop over every
    character makes folding a note ~2x faster (it runs for every note written)."""
    ranges: list[list[int]] = []
    for code in range(0x80, 0x10000):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return re.compile("[" + "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]")


def fold(text: str) -> str:
    text = text.casefold().replace("ß", "ss")
    if not text.isascii():
        if _LETTER_RE.search(text):
            text = text.translate(_LETTERS)
        text = unicodedata.normalize("NFKD", text)
        if text.isascii():
            pass
        elif max(text) <= "\uffff":
            text = _marks().sub("", text)
        else:
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for digraph, single in _DIGRAPHS:
        text = text.replace(digraph, single)
    return text


def fold_words(text: str) -> list[str]:
    """Folded words (letters and digits) of `text`, in order."""
    return _WORD.findall(fold(text))


class _WordFolds(dict[str, str]):
    """Index form of single whitespace-separated words, folded on first use."""

    def __missing__(self, word: str) -> str:
        folded = self[word] = " ".join(_WORD.findall(fold(word)))
        return folded


class _WordTuples(dict[str, tuple[str, ...]]):
    """Folded words of single whitespace-separated words, folded on first use."""

    def __missing__(self, word: str) -> tuple[str, ...]:
        folded = self[word] = tuple(_WORD.findall(fold(word)))
        return folded


def index_words(texts: Sequence[str]) -> list[list[str]]:
    """`fold_words` of each text of a batch, each distinct whitespace-separated word folded
    once per call (as `index_texts`, and with the same words)."""
    get = _WordTuples().__getitem__
    return [list(chain.from_iterable(map(get, text.split()))) for text in texts]


def index_texts(texts: list[str]) -> list[str]:
    """The search index's form of each text, `" ".join(fold_words(text))`, for a batch
    of texts (bulk writes: ~25,000 notes). Each distinct word is folded once per call:
    every step of `fold` works within a run of non-space characters (and a space folds
    to no word character), so folding word by word gives the same words. The folds are
    kept only for this one call."""
    folds = _WordFolds()
    get = folds.__getitem__
    return [" ".join(filter(None, map(get, text.split()))) for text in texts]
