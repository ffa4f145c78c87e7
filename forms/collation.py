"""Alphabetical order in each form language, without ICU.

Sorting by code point puts Serbian Cyrillic "Ђ", "Ј", "Љ", "Њ", "Ћ", "Џ" before "А", and
Albanian "Ç" and "Ë" after "Z"; Albanian and Serbian also have letters written with two
characters ("gj", "sh", "lj", "nj", "dž"). Each language's alphabet is listed here, and
``fieldapp/static/js/collate.js`` mirrors it for the browser.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from typing import TypeVar

from forms.locales import normalize_locale

T = TypeVar("T")

#: each language's letters in alphabetical order (lower case; digraphs are one letter)
ALPHABETS: dict[str, tuple[str, ...]] = {
    "sq": (
        "a", "b", "c", "ç", "d", "dh", "e", "ë", "f", "g", "gj", "h", "i", "j", "k",
        "l", "ll", "m", "n", "nj", "o", "p", "q", "r", "rr", "s", "sh", "t", "th", "u",
        "v", "x", "xh", "y", "z", "zh",
    ),
    "sr_Latn": (
        "a", "b", "c", "č", "ć", "d", "dž", "đ", "e", "f", "g", "h", "i", "j", "k",
        "l", "lj", "m", "n", "nj", "o", "p", "r", "s", "š", "t", "u", "v", "z", "ž",
    ),
    "sr_Cyrl": (
        "а", "б", "в", "г", "д", "ђ", "е", "ж", "з", "и", "ј", "к", "л", "љ", "м",
        "н", "њ", "о", "п", "р", "с", "т", "ћ", "у", "ф", "х", "ц", "ч", "џ", "ш",
    ),
    "en": tuple("abcdefghijklmnopqrstuvwxyz"),
}  # fmt: skip


def sort_key(text: str, locale: str | None) -> tuple[int, ...]:
    """Return a key that orders ``text`` alphabetically in ``locale``.

    A space sorts before every letter (so "Hani i Elezit" is read word by word); a
    character outside the alphabet sorts by its base letter if that is in the
    alphabet, else after every letter, by code point.
    """
    letters = ALPHABETS[normalize_locale(locale)]
    index = {letter: i for i, letter in enumerate(letters)}
    longest = max(len(letter) for letter in letters)
    lowered = text.casefold()
    key: list[int] = []
    i = 0
    while i < len(lowered):
        for size in range(longest, 0, -1):
            piece = lowered[i : i + size]
            if piece in index:
                key.append(1 + index[piece] * 2)
                i += size
                break
        else:
            char = lowered[i]
            base = unicodedata.normalize("NFD", char)[0]
            if char.isspace() or char in "-–":
                key.append(0)
            elif base in index:
                key.append(2 + index[base] * 2)  # just after its base letter
            else:
                key.append(1000 + ord(char))
            i += 1
    return tuple(key)


def sorted_by(
    items: Iterable[T], text: Callable[[T], str], locale: str | None
) -> list[T]:
    """Return ``items`` in the alphabetical order of ``text(item)`` in ``locale``."""
    return sorted(items, key=lambda item: (sort_key(text(item), locale), text(item)))


def surname_first(full_name: str) -> str:
    """Return a full name with its last word (the surname) first, for sorting."""
    words = full_name.split()
    return " ".join(words[-1:] + words[:-1])
