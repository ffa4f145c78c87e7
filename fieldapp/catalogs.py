"""Compile the gettext catalogs: .mo files for the server, JSON for the browser.

This module needs Babel and the standard library only, nothing of fieldapp: the wheel
build (``setup.py``) loads it by its path to compile the catalogs into the wheel, before
Flask or any other dependency is installed. `flask translate` (translations_cli.py)
builds the rest of the workflow on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.catalog import Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: Gettext domains; the JS one becomes the browser's JSON catalogs.
DOMAINS = ("messages", "messages-js")
JS_DOMAIN = "messages-js"
LANGUAGES = ("sq", "sr_Latn", "sr_Cyrl", "en")

#: Header lines that name the tool or a date: they change with a Babel release or a
#: re-run, never with what a catalog says, so content comparisons leave them out.
_VOLATILE_HEADER = re.compile(
    rb'^"(?:Generated-By|POT-Creation-Date|PO-Revision-Date): [^"\n]*(?:\\n)?"\n',
    re.MULTILINE,
)


def po_path(translations: Path, lang: str, domain: str) -> Path:
    """Return the catalog (.po) of ``lang`` in ``domain`` under ``translations``."""
    return translations / lang / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    """Read a .po or .pot file."""
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=path.stem)


def messages(catalog: Catalog) -> Iterator[Message]:
    """Yield the catalog's messages, without its header entry."""
    return (message for message in catalog if message.id)


def missing(message: Message) -> bool:
    """Whether any of the message's strings (plural forms included) is empty."""
    strings = (
        message.string
        if isinstance(message.string, (tuple, list))
        else [message.string]
    )
    return not all(strings)


def content(po: bytes) -> bytes:
    """Return a catalog's text without the header lines that name a tool or a date."""
    return _VOLATILE_HEADER.sub(b"", po)


def js_catalog(translations: Path, lang: str) -> dict[str, object]:
    """Return the browser's catalog of ``lang``: translated, non-fuzzy entries only."""
    catalog = read_catalog(po_path(translations, lang, JS_DOMAIN), lang)
    found: dict[str, str | list[str]] = {}
    for message in messages(catalog):
        if message.fuzzy or missing(message):
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        key = f"{message.context}\x04{msgid}" if message.context else msgid
        string = message.string
        found[key] = list(string) if isinstance(string, (tuple, list)) else str(string)
    return {
        "lang": lang,
        "nplurals": catalog.num_plurals,
        "plural": str(catalog.plural_expr),
        "messages": found,
    }


def compile_catalogs(
    translations: Path,
    mo_dir: Path,
    json_dir: Path,
    langs: tuple[str, ...] = LANGUAGES,
) -> list[str]:
    """Write the .mo files and the browser's JSON catalogs; return statistics lines.

    Untranslated and fuzzy entries are left out (they show the English); whether the
    catalogs are complete is `flask translate check`'s business, not this function's.
    """
    stats = []
    for domain in DOMAINS:
        for lang in langs:
            path = po_path(translations, lang, domain)
            catalog = read_catalog(path, lang)
            total = sum(1 for _ in messages(catalog))
            done = sum(1 for m in messages(catalog) if not m.fuzzy and not missing(m))
            target = mo_dir / lang / "LC_MESSAGES" / f"{domain}.mo"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            share = 100 * done // total if total else 100
            stats.append(
                f"{done} of {total} messages ({share}%) translated in "
                f"{lang}/LC_MESSAGES/{domain}.po"
            )
    json_dir.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        data = json.dumps(
            js_catalog(translations, lang),
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        (json_dir / f"{lang}.json").write_text(data + "\n", encoding="utf-8")
    return stats
