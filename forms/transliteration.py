"""Serbian Latin to Cyrillic transliteration that keeps markup and placeholders."""

from __future__ import annotations

import re

_LETTERS = dict(
    zip(
        "abcčćdđefghijklmnoprsštuvzž",
        "абцчћдђефгхијклмнопрсштувзж",
        strict=True,
    )
)
_LETTERS.update({k.upper(): v.upper() for k, v in list(_LETTERS.items())})
_DIGRAPHS = {
    "lj": "љ", "Lj": "Љ", "LJ": "Љ",
    "nj": "њ", "Nj": "Њ", "NJ": "Њ",
    "dž": "џ", "Dž": "Џ", "DŽ": "Џ",
}  # fmt: skip

# Spans copied verbatim: printf and str.format placeholders, HTML tags and entities,
# URLs and e-mail addresses. Translators see the same markup in every script.
_VERBATIM = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"
    r"|\{[^{}\s]*\}"
    r"|<[^<>]*>"
    r"|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);"
    r"|(?:https?://|www\.)[^\s<>\"]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)

# Words where the two letters of a digraph belong to different morphemes
# (in-jekcija, nad-živeti); written as two Cyrillic letters.
_SPLIT_DIGRAPH = re.compile(
    r"(?i)\b(in)(jekc|jekt)|\b(kon)(jug|junk)|\b(nad|od|pod)(živ|žnj|žup|žanr)"
)
_MARK = "\x00"


def _split_digraphs(text: str) -> str:
    def mark(match: re.Match[str]) -> str:
        groups = [g for g in match.groups() if g is not None]
        return groups[0] + _MARK + groups[1]

    return _SPLIT_DIGRAPH.sub(mark, text)


def _convert(text: str) -> str:
    text = _split_digraphs(text)
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _DIGRAPHS:
            out.append(_DIGRAPHS[pair])
            i += 2
            continue
        char = text[i]
        if char != _MARK:
            out.append(_LETTERS.get(char, char))
        i += 1
    return "".join(out)


def transliterate_sr(text: str) -> str:
    """Transliterate Serbian Latin ``text`` to Cyrillic, keeping markup intact."""
    out: list[str] = []
    last = 0
    for match in _VERBATIM.finditer(text):
        out.append(_convert(text[last : match.start()]))
        out.append(match.group())
        last = match.end()
    out.append(_convert(text[last:]))
    return "".join(out)
