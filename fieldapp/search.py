"""Fold names so a search ignores diacritics, case and Cyrillic/Latin script."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from sqlalchemy import orm

# Serbian Cyrillic to Latin first, so "Јовановић" and "Jovanović" fold alike.
_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ђ": "dj",
    "е": "e",
    "ж": "z",
    "з": "z",
    "и": "i",
    "ј": "j",
    "к": "k",
    "л": "l",
    "љ": "lj",
    "м": "m",
    "н": "n",
    "њ": "nj",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "ћ": "c",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "c",
    "џ": "dz",
    "ш": "s",
}
# Letters that Unicode decomposition does not reduce to a base letter.
_SPECIAL = {"đ": "dj", "ł": "l", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe"}


def fold(text: str) -> str:
    """Return ``text`` lower-cased, Latin, without diacritics or extra spaces."""
    lowered = text.casefold()
    out = []
    for char in lowered:
        if char in _CYRILLIC:
            out.append(_CYRILLIC[char])
        elif char in _SPECIAL:
            out.append(_SPECIAL[char])
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # "dž" decomposes to "dz": the same as Cyrillic "џ" above. "Đorđe" is typed as
    # "Djordje" or "Dorde" on keyboards without đ: fold both spellings to "dorde".
    stripped = stripped.replace("dj", "d")
    return " ".join(stripped.split())


def name_filter(
    column: orm.InstrumentedAttribute[str], query: str
) -> sa.ColumnElement[bool]:
    """Return a condition matching ``column`` (a folded search key) to every word."""
    words = fold(query).split()
    conditions = [column.contains(word, autoescape=True) for word in words]
    return sa.and_(sa.true(), *conditions)
