"""Fill catalog entries from a YAML file of translations, instead of editing .po by hand.

    .venv/bin/python tools/fill_translations.py new-strings.yaml

The file maps each msgid (as extracted) to its translations; plural entries give a
list per language (sq: 2 forms, sr_Latn: 3 forms)::

    "Wrong username or password.":
      sq: "Emër përdoruesi ose fjalëkalim i gabuar."
      sr_Latn: "Pogrešno korisničko ime ili lozinka."

Only sq and sr_Latn are people's work; run `flask translate cyrillic` afterwards (and
`translate update` before, so the entries exist). An entry already translated is
overwritten, and its fuzzy flag dropped. Unknown msgids are reported and fail the run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "fieldapp" / "translations"
DOMAINS = ("messages", "messages-js")


def fill(wanted: dict[str, dict[str, object]]) -> list[str]:
    """Write ``wanted`` into the catalogs; return the msgids found in no catalog."""
    found: set[str] = set()
    for lang in ("sq", "sr_Latn"):
        for domain in DOMAINS:
            path = TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po"
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, domain=domain)
            changed = False
            for message in catalog:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key not in wanted or lang not in wanted[key]:
                    continue
                value = wanted[key][lang]
                message.string = tuple(value) if isinstance(value, list) else value
                message.flags.discard("fuzzy")
                found.add(key)
                changed = True
            if changed:
                with path.open("wb") as handle:
                    write_po(handle, catalog, width=76)
    return sorted(set(wanted) - found)


def main() -> int:
    """Fill from the file named on the command line."""
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    wanted = yaml.safe_load(Path(sys.argv[1]).read_text(encoding="utf-8")) or {}
    missing = fill(wanted)
    for msgid in missing:
        print(f"not in any catalog (run `flask translate update`): {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
