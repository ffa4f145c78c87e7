"""After a merge: take the translations another branch made for the entries we lack.

    git checkout --ours fieldapp/translations     # (or --theirs) to end the conflict
    FLASK_DEBUG=1 .venv/bin/flask --app wsgi translate extract
    FLASK_DEBUG=1 .venv/bin/flask --app wsgi translate update
    .venv/bin/python tools/merge_translations.py MERGE_HEAD [REV ...]
    FLASK_DEBUG=1 .venv/bin/flask --app wsgi translate cyrillic
    FLASK_DEBUG=1 .venv/bin/flask --app wsgi translate check

Catalogs conflict on almost every merge of two branches that both added strings (line
numbers, neighbours). Taking one side and extracting again keeps every msgid the merged
code uses; this fills the sq and sr_Latn entries that are then empty or fuzzy from the
catalogs as they are at each REV (a commit, a branch, MERGE_HEAD), where translated
and not fuzzy. Prints what it filled and what is still missing.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path("fieldapp") / "translations"
DOMAINS = ("messages", "messages-js")
LANGS = ("sq", "sr_Latn")


def _key(message) -> tuple[str | None, str]:  # type: ignore[no-untyped-def]
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def _done(message) -> bool:  # type: ignore[no-untyped-def]
    strings = (
        message.string if isinstance(message.string, tuple | list) else [message.string]
    )
    return bool(message.id) and not message.fuzzy and all(strings)


def _at(rev: str, path: Path, lang: str, domain: str):  # type: ignore[no-untyped-def]
    shown = subprocess.run(  # noqa: S603 - fixed git command on our own paths
        ["git", "show", f"{rev}:{path.as_posix()}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if shown.returncode != 0:
        return None
    return read_po(io.BytesIO(shown.stdout), locale=lang, domain=domain)


def main(revs: list[str]) -> int:
    """Fill from ``revs``, in order; return 1 if entries are still missing."""
    missing = 0
    for lang in LANGS:
        for domain in DOMAINS:
            path = TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po"
            with (ROOT / path).open("rb") as handle:
                catalog = read_po(handle, locale=lang, domain=domain)
            known = {}
            for rev in revs:
                other = _at(rev, path, lang, domain)
                for message in other or ():
                    if _done(message):
                        known.setdefault(_key(message), message.string)
            filled = 0
            for message in catalog:
                if message.id and not _done(message):
                    if _key(message) in known:
                        message.string = known[_key(message)]
                        message.flags.discard("fuzzy")
                        filled += 1
                    else:
                        missing += 1
                        print(f"still missing in {path}: {message.id!r}")
            if filled:
                with (ROOT / path).open("wb") as handle:
                    write_po(handle, catalog, width=76)
                print(f"{path}: filled {filled}")
    return 1 if missing else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1:]))
