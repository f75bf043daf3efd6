"""Folding text for search: case-, accent- and umlaut-insensitive.

"Müller", "Mueller" and "Muller" all fold to "muller"; "Straße" and "Strasse" to
"strase". The same function folds stored text and queries, so extra matches are possible
("Manuel" ~ "Manul") but a spelling variant never hides a family.
"""

from __future__ import annotations

import re
import unicodedata

_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("ss", "s"))
# Letters NFKD does not decompose but people type without the mark ("Yilmaz", "Lodz").
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th",
                          "æ": "ae", "œ": "oe", "ŀ": "l"})
_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    text = text.casefold().replace("ß", "ss").translate(_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for digraph, single in _DIGRAPHS:
        text = text.replace(digraph, single)
    return text


def fold_words(text: str) -> list[str]:
    """Folded words (letters and digits) of `text`, in order."""
    return _WORD.findall(fold(text))
