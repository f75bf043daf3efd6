"""Redaction of free text with everything the vault knows (issue 19).

A `Redactor` replaces in free text:
- names of persons and households it was given, in every form a note writer uses: full
  names, single parts, genitive ("Kuniberts"), transliterations (ä → ae, ß → ss),
  diminutives and nicknames built from the first name ("Kunibertchen", "Kunilein",
  "Kuni", "Lenchen", "Lenerl") and small misspellings (one letter off from five letters
  on, two from nine);
- streets it was given, also abbreviated ("Gärtnerstr."), transliterated and misspelt
  ("Gartnerstrase"), with the house number;
- words of typed-source fields ("Nachbar Herr Wolkenstein" → "Wolkenstein");
- every e-mail address, every phone-like number and (optionally) every date in the common
  German forms (6.5.19, 06.05.2019, 6. Mai 2019, 6. Mai, 2019-05-06, Mai 2019).

It also lists suspicious remaining spans for a human review: capitalised words that are
no known German word or role and not at a sentence start, and digits.

What it cannot guarantee (printed with every extract): names it was never told (a new
neighbour, a nickname not derived from the first name such as "Hansi" for Johannes,
names written in another script), descriptions that identify without a name ("the
teacher of the 3b at the school on the corner"), and rare words that happen to look like
a known name are replaced too. A person has to read the review list before export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

LIMITS = (
    "Die automatische Schwärzung ersetzt Namen, Spitznamen und Koseformen, Straßen, "
    "Telefonnummern, E-Mail-Adressen und Datumsangaben, die in der Akte bekannt sind oder "
    "wie solche aussehen. Sie kann nicht garantieren, dass eine Person unerkannt bleibt: "
    "Namen, die nirgends in der Akte stehen, frei erfundene Spitznamen und Umschreibungen "
    "(„die Lehrerin aus der 3b“) erkennt sie nicht. Vor der Weitergabe muss eine Fachkraft "
    "den Text lesen."
)

MONTHS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
          "september", "oktober", "november", "dezember")
_MONTH_RE = (r"(?:Januar|Jan\.?|Februar|Feb\.?|März|Maerz|Mär\.?|April|Apr\.?|Mai|Juni|"
             r"Jun\.?|Juli|Jul\.?|August|Aug\.?|September|Sept?\.?|Oktober|Okt\.?|November|"
             r"Nov\.?|Dezember|Dez\.?)")
DATE_RE = re.compile(
    r"(?<![\w.])(?:"
    r"\d{1,2}\.\s?\d{1,2}\.(?:\s?\d{4}|\s?\d{2}(?!\d))?"  # 6.5.19, 06.05.2019, 6.5.
    r"|\d{4}-\d{2}-\d{2}"  # 2019-05-06
    r"|\d{1,2}/\d{1,2}/\d{2,4}"  # 6/5/19
    r"|\d{1,2}\.?\s" + _MONTH_RE + r"(?:\s\d{4}|\s\d{2}(?!\d))?"  # 6. Mai 2019, 6. Mai
    r"|" + _MONTH_RE + r"\s\d{4}"  # Mai 2019
    r")(?![\w])", re.IGNORECASE)
EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s/-]?|0)\(?\d[\d\s/()\-]{4,}\d(?!\d)")
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
STREET_SUFFIXES = ("strasse", "strase", "str", "weg", "platz", "allee", "gasse", "ring",
                   "damm", "ufer", "hof", "pfad", "stieg", "chaussee", "markt", "wall")
STREET_NUMBER = re.compile(r"\s*\.?\s*\d+\s*[a-zA-Z]?(?!\w)")
DIMINUTIVE_SUFFIXES = ("chen", "lein", "erl", "el", "le", "li", "ie", "i", "y", "ke", "o")

# Words that look like names at the start of a source field but are roles or titles.
ROLE_WORDS = frozenset({
    "frau", "herr", "herrn", "dr", "prof", "lehrer", "lehrerin", "nachbar", "nachbarin",
    "mutter", "vater", "oma", "opa", "tante", "onkel", "kind", "sohn", "tochter", "bruder",
    "schwester", "erzieher", "erzieherin", "schule", "kita", "arzt", "ärztin", "aerztin",
    "polizei", "jugendamt", "asd", "familie", "freund", "freundin", "bekannte", "bekannter",
    "hausmeister", "hausmeisterin", "vermieter", "vermieterin", "klassenlehrerin",
    "klassenlehrer", "sozialarbeiter", "sozialarbeiterin", "kinderarzt", "kinderärztin",
    "hebamme", "trainer", "trainerin", "die", "der", "das", "von", "vom", "aus", "und",
})

# Capitalised words a note writer uses all the time; not suspicious in the review.
COMMON_WORDS = ROLE_WORDS | frozenset({
    "eltern", "elternteil", "kinder", "geschwister", "wohnung", "haus", "zimmer", "küche",
    "gespräch", "termin", "hausbesuch", "beratung", "hilfe", "schutz", "schutzplan",
    "beobachtung", "fakt", "einschätzung", "gefährdung", "kindeswohl", "verfahren",
    "jugendhilfe", "fachkraft", "leitung", "woche", "wochen", "tag", "tage", "tagen",
    "monat", "monate", "jahr", "jahre", "jahren", "morgen", "abend", "nacht", "montag",
    "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "wochenende",
    "frühstück", "essen", "geld", "arbeit", "job", "streit", "angst", "sorge", "sorgen",
    "verletzung", "verletzungen", "arm", "bein", "gesicht", "rücken", "kopf", "hand",
    "zähne", "kleidung", "schuhe", "hunger", "schlaf", "spielplatz", "park", "stadt",
    "straße", "verein", "angebot", "kurs", "sprache", "dolmetscher", "dolmetscherin",
    "deutsch", "deutschkurs", "unterstützung", "kontakt", "absprache", "vereinbarung",
    "ergebnis", "hinweis", "hinweise", "sie", "er", "es", "wir", "ihr", "ich", "man",
    "heute", "gestern", "laut", "nach", "bei", "mit", "in", "im", "am", "an", "auf",
    "für", "zum", "zur", "ein", "eine", "einer", "kein", "keine", "wenn", "weil", "dass",
    "aber", "oder", "auch", "noch", "schon", "dann", "jetzt", "hier", "dort", "bitte",
    "ja", "nein", "nicht", "sehr", "mehr", "viel", "wenig", "alle", "alles", "nichts",
    "person", "name", "adresse", "telefon", "datum", "geburtsdatum", "familienname",
    "stelle", "geschwisterkind", "kindes", "mutters", "vaters",
})
NOUN_SUFFIXES = ("ung", "heit", "keit", "schaft", "tion", "ität", "nis", "tum", "ismus",
                 "ment", "ei", "enz", "anz", "ik", "ur", "gen", "en", "er", "e")


def fold(word: str) -> str:
    """Lower case, umlauts and ß transliterated, accents removed: "Gärtner" → "gaertner"."""
    word = word.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    word = word.replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", word)
                   if not unicodedata.combining(c))


def _loose(word: str) -> str:
    """`fold` that also forgets umlaut spellings ("ae" and "a" alike) for misspellings."""
    return fold(word).replace("ae", "a").replace("oe", "o").replace("ue", "u")


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (ca != cb))
            best = min(best, current[j])
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _tolerance(length: int) -> int:
    return 2 if length >= 9 else 1 if length >= 5 else 0


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # in the original text
    end: int
    original: str
    replacement: str
    category: str  # Name, Straße, Telefon, E-Mail, Datum, Markiert


@dataclass(frozen=True, slots=True)
class Suspect:
    start: int  # in the redacted text
    end: int
    text: str
    why: str


@dataclass(frozen=True, slots=True)
class Redacted:
    original: str
    text: str
    spans: tuple[Span, ...]
    suspects: tuple[Suspect, ...]


@dataclass
class Vocabulary:
    """What the vault knows: (name, replacement) pairs, first names for nicknames, streets,
    phone numbers, typed-source texts and words a worker marked in a review."""

    names: list[tuple[str, str]] = field(default_factory=list)
    first_names: list[tuple[str, str]] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)
    keep: set[str] = field(default_factory=set)  # folded words never replaced
    dates: list[date] = field(default_factory=list)  # replaced even when dates are kept


class Redactor:
    def __init__(self, vocabulary: Vocabulary | None = None, *, dates: bool = True,
                 phones: bool = True, emails: bool = True, streets: bool = True) -> None:
        v = vocabulary or Vocabulary()
        self._dates = dates
        self._phones = phones
        self._emails = emails
        self._keep = {fold(k) for k in v.keep}
        self._exact: dict[str, str] = {}
        self._fuzzy: list[tuple[str, str, int]] = []
        self._nick: list[tuple[str, str]] = []  # (loose stem of a first name, replacement)
        self._phrases: list[tuple[re.Pattern[str], str, str]] = []
        for name, replacement in v.names:
            self._add_name(name, replacement)
        for name, replacement in v.first_names:
            self._add_name(name, replacement)
            for part in re.split(r"[\s\-]+", name):
                if len(part) >= 3 and fold(part) not in self._keep:
                    base = _loose(part)
                    self._nick.append((base, replacement))
                    stem = base.rstrip("aeiouy")
                    if len(stem) >= 3 and stem != base:
                        self._nick.append((stem, replacement))
        for text in v.sources:
            for word in WORD_RE.findall(text):
                if len(word) >= 3 and word[0].isupper() and fold(word) not in ROLE_WORDS:
                    self._add_name(word, "[Person]")
        for word in v.marked:
            if word.strip():
                self._phrases.append((re.compile(
                    rf"(?<!\w){re.escape(word.strip())}(?!\w)", re.IGNORECASE),
                    "[geschwärzt]", "Markiert"))
        self._streets: list[tuple[str, str]] = []  # (stem, whole name), loosely folded
        if streets:
            for street in v.streets:
                name = re.sub(r"\s*\d+\s*[a-zA-Z]?$", "", street).strip()
                stem = _street_stem(name)
                if len(stem) >= 3:
                    self._streets.append((stem, re.sub(r"[\s\-.]+", "", _loose(name))))
        self._known_dates = set(v.dates)
        self._phone_digits = [re.sub(r"\D", "", p) for p in v.phones]
        self._phone_digits = [d for d in self._phone_digits if len(d) >= 5]

    @classmethod
    def none(cls) -> Redactor:
        """A redactor that changes nothing (a balancing decision released third parties)."""
        return cls(dates=False, phones=False, emails=False, streets=False)

    def _add_name(self, name: str, replacement: str) -> None:
        whole = name.strip()
        if not whole:
            return
        if " " in whole or "-" in whole:
            self._phrases.append((re.compile(
                r"(?<!\w)" + r"[\s\-]+".join(re.escape(p) for p in re.split(r"[\s\-]+", whole))
                + r"(?:s|'s|’s)?(?!\w)", re.IGNORECASE), replacement, "Name"))
        for part in re.split(r"[\s\-]+", whole):
            if len(part) < 2:
                continue
            key = _loose(part)
            if key in {_loose(k) for k in self._keep}:
                continue
            self._exact.setdefault(key, replacement)
            tolerance = _tolerance(len(key))
            if tolerance:
                self._fuzzy.append((key, replacement, tolerance))

    # ------------------------------------------------------------------ matching

    def _name_for(self, word: str) -> str | None:
        key = _loose(word)
        if fold(word) in self._keep or len(key) < 2:
            return None
        candidates = [key]
        for ending in ("s", "'s", "’s", "n", "ns", "es"):
            if key.endswith(ending) and len(key) - len(ending) >= 2:
                candidates.append(key[:-len(ending)])
        for candidate in candidates:
            if candidate in self._exact:
                return self._exact[candidate]
        if not word[:1].isupper():
            return None
        # Diminutives and nicknames from first names: Kunibertchen, Kuni, Lenchen, Lenerl.
        for suffix in DIMINUTIVE_SUFFIXES:
            for candidate in candidates:
                if not candidate.endswith(suffix):
                    continue
                stem = candidate[:-len(suffix)]
                if len(stem) < 3:
                    continue
                for base, replacement in self._nick:
                    if base == stem or (base.startswith(stem) and len(base) >= 5) or (
                            len(stem) >= 5 and distance(stem, base, 1) <= 1):
                        return replacement
        for candidate in candidates:
            for base, replacement, tolerance in self._fuzzy:
                if abs(len(base) - len(candidate)) <= tolerance and distance(
                        candidate, base, tolerance) <= tolerance:
                    return replacement
        return None

    def _street_match(self, word: str) -> bool:
        """The word is a known street: whole name or stem (the part before "straße",
        "allee" …), abbreviated or misspelt."""
        whole = _loose(word).rstrip(".")
        stem = _street_stem(word)
        for known_stem, known_whole in self._streets:
            for candidate, known in ((whole, known_whole), (stem, known_stem)):
                if len(candidate) < 3:
                    continue
                tolerance = _tolerance(len(known))
                if candidate == known or (tolerance and distance(candidate, known,
                                                                 tolerance) <= tolerance):
                    return True
            if whole.startswith(known_stem + "str") and len(known_stem) >= 4:
                return True
        return False

    def redact(self, text: str) -> Redacted:
        if not text:
            return Redacted(text, "", (), ())
        spans: list[Span] = []

        def add(start: int, end: int, replacement: str, category: str) -> None:
            spans.append(Span(start, end, text[start:end], replacement, category))

        if self._emails:
            for m in EMAIL_RE.finditer(text):
                add(m.start(), m.end(), "[E-Mail]", "E-Mail")
        for pattern, replacement, category in self._phrases:
            for m in pattern.finditer(text):
                add(m.start(), m.end(), replacement, category)
        for m in DATE_RE.finditer(text):
            if self._dates or parse_date(m.group(0)) in self._known_dates:
                add(m.start(), m.end(), "[Datum]", "Datum")
        if self._phones:
            for m in PHONE_RE.finditer(text):
                if sum(c.isdigit() for c in m.group(0)) >= 5:
                    add(m.start(), m.end(), "[Telefon]", "Telefon")
            for digits in self._phone_digits:
                loose = r"[\s/()\-]*".join(re.escape(d) for d in digits)
                for m in re.finditer(r"\+?" + loose, text):
                    add(m.start(), m.end(), "[Telefon]", "Telefon")
        words = list(WORD_RE.finditer(text))
        for index, m in enumerate(words):
            word = m.group(0)
            if self._street_match(word):
                end = m.end()
                nxt = words[index + 1] if index + 1 < len(words) else None
                if nxt is not None and text[m.end():nxt.start()].strip() in ("", ".") and \
                        _loose(nxt.group(0)) in ("strasse", "str", "strase", "weg", "platz"):
                    end = nxt.end()
                number = STREET_NUMBER.match(text, end)
                if number:
                    end = number.end()
                add(m.start(), end, "[Adresse]", "Straße")
                continue
            name = self._name_for(word)
            if name is not None:
                add(m.start(), m.end(), name, "Name")
        chosen = _non_overlapping(spans)
        out: list[str] = []
        position = 0
        for span in chosen:
            out.append(text[position:span.start])
            out.append(span.replacement)
            position = span.end
        out.append(text[position:])
        result = "".join(out)
        return Redacted(text, result, tuple(chosen), tuple(suspects(result)))

    def __call__(self, text: str) -> str:
        return self.redact(text).text


_MONTH_NUMBERS = {m: i for i, m in enumerate(MONTHS, start=1)}


def parse_date(text: str) -> date | None:
    """The date a German date text means ("6.5.19" → 2019-05-06; two-digit years up to
    the current century's 30 are 20xx); None without a full date."""
    raw = text.strip().lower()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw)
        m = re.fullmatch(r"(\d{1,2})[./]\s?(\d{1,2})[./]\s?(\d{2}|\d{4})", raw)
        if m:
            day, month, year = (int(g) for g in m.groups())
        else:
            m = re.fullmatch(r"(\d{1,2})\.?\s([a-zä]+)\.?\s(\d{2}|\d{4})", raw)
            if not m:
                return None
            month = next((n for name, n in _MONTH_NUMBERS.items()
                          if name.startswith(m.group(2)[:3])), 0)
            day, year = int(m.group(1)), int(m.group(3))
        if year < 100:
            year += 2000 if year <= 30 else 1900
        return date(year, month, day)
    except ValueError:
        return None


def _street_stem(street: str) -> str:
    key = _loose(street.strip().rstrip("."))
    key = re.sub(r"[\s\-.]+", "", key)
    for suffix in STREET_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 3:
            return key[:-len(suffix)]
    return key


def _non_overlapping(spans: Iterable[Span]) -> list[Span]:
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if chosen and span.start < chosen[-1].end:
            continue
        chosen.append(span)
    return chosen


_PLACEHOLDER = re.compile(r"\[[^\]]*\]")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


def suspects(text: str) -> list[Suspect]:
    """Spans a person should look at before export: capitalised words that are neither a
    known common word nor at the start of a sentence, and anything with digits."""
    found: list[Suspect] = []
    hidden = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]

    def inside(start: int) -> bool:
        return any(a <= start < b for a, b in hidden)

    for m in re.finditer(r"\S*\d\S*", text):
        if not inside(m.start()):
            found.append(Suspect(m.start(), m.end(), m.group(0).strip(".,;:()"), "Ziffern"))
    for m in WORD_RE.finditer(text):
        word = m.group(0)
        if inside(m.start()) or not word[:1].isupper() or len(word) < 3:
            continue
        before = text[:m.start()]
        if not before.strip() or _SENTENCE_END.search(before) or before.rstrip().endswith(
                ("\n", "–", "-", '"', "„")):
            continue
        low = word.lower()
        if low in COMMON_WORDS or fold(word) in COMMON_WORDS:
            continue
        if len(word) > 6 and low.endswith(NOUN_SUFFIXES[:12]):
            continue
        found.append(Suspect(m.start(), m.end(), word, "unbekanntes großgeschriebenes Wort"))
    return sorted(found, key=lambda s: s.start)
