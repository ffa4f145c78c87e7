"""`flask translate`: extract, update, derive Cyrillic, check and compile catalogs.

After adding strings: `flask translate extract && flask translate update`, then fill
the empty and fuzzy entries of sq and sr_Latn (`flask translate check` lists them; en is
filled with the English itself), then `flask translate cyrillic` (never edit sr_Cyrl)
and `flask translate compile`. `python -m fieldapp.translations_cli <command>` does
the same without any app settings (for `make install`).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from flask import Flask
from flask.cli import AppGroup

from fieldapp import catalogs
from fieldapp.catalogs import LANGUAGES
from fieldapp.catalogs import read_catalog
from forms import transliterate_sr

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "fieldapp" / "translations"
STATIC_I18N = ROOT / "fieldapp" / "static" / "i18n"

#: Gettext domain -> (mapping file, extra keywords). The JS domain becomes JSON.
DOMAINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "messages": ("babel.cfg", ("_l", "lazy_gettext", "lazy_ngettext:1,2")),
    "messages-js": ("babel-js.cfg", ("t", "nt:1,2")),
}
JS_DOMAIN = "messages-js"
#: Catalogs that people translate.
EDITED = ("sq", "sr_Latn", "en")
#: Catalogs generated from another one by transliteration: never edit them by hand.
GENERATED = {"sr_Cyrl": "sr_Latn"}
#: Words that stay in Latin letters in Cyrillic text: our names for things, and foreign
#: words (Serbian has no q, w, x or y), which would come out half-converted.
#: Placeholders, tags, entities and URLs come first so a word inside them is not split.
KEEP_LATIN = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|<[^<>]*>|\{[^{}\s]*\}|&#?\w+;"
    r"|(?:https?://|www\.)[^\s<>\"]+"
    r"|\b(?:fieldapp|JavaScript|JSON|CSV|ZIP|https?|iPhone|iOS|Android|P-256|base64url"
    r"|\w*[qwxyQWXY]\w*(?:-\w+)*)\b"
)
CYRILLIC_HEADER = (
    "Serbian (Cyrillic) translations for fieldapp.\n"
    "GENERATED from sr_Latn by `flask translate cyrillic`. Do not edit;\n"
    "translate sr_Latn/LC_MESSAGES/{domain}.po instead."
)

translate = AppGroup(
    "translate", help="Extract, update, check and compile translations."
)


def pot_path(domain: str) -> Path:
    """Return the template (.pot) of ``domain``."""
    return TRANSLATIONS / f"{domain}.pot"


def po_path(lang: str, domain: str) -> Path:
    """Return the catalog (.po) of ``lang`` in ``domain``."""
    return catalogs.po_path(TRANSLATIONS, lang, domain)


def _pybabel(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", *args]
    # Our own fixed arguments, run with this interpreter: no untrusted input.
    return subprocess.run(  # noqa: S603
        command, cwd=ROOT, check=True, capture_output=True, text=True
    )


def extract_to(domain: str, output: Path) -> str:
    """Extract ``domain``'s strings into ``output``; return pybabel's warnings."""
    mapping, keywords = DOMAINS[domain]
    output.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "extract",
        "-F",
        mapping,
        "-c",
        "i18n:",
        "-s",
        "--add-location=file",
        "--sort-by-file",
        "--project=fieldapp",
        "--ignore-dirs=.* ._ node_modules instance",
        "-o",
        str(output),
    ]
    for keyword in keywords:
        args += ["-k", keyword]
    return _pybabel(*args, ".").stderr


_messages = catalogs.messages
_missing = catalogs.missing


def _transliterate(text: str) -> str:
    out, last = [], 0
    for match in KEEP_LATIN.finditer(text):
        out += [transliterate_sr(text[last : match.start()]), match.group()]
        last = match.end()
    return "".join([*out, transliterate_sr(text[last:])])


def cyrillic_catalog(domain: str) -> bytes:
    """Return the sr_Cyrl catalog of ``domain`` generated from the sr_Latn one."""
    source = read_catalog(po_path("sr_Latn", domain), "sr_Latn")
    target = Catalog(
        locale="sr_Cyrl",
        domain=domain,
        charset="utf-8",
        fuzzy=False,
        header_comment="# "
        + CYRILLIC_HEADER.format(domain=domain).replace("\n", "\n# "),
    )
    target.mime_headers = [
        (key, value.replace("sr_Latn", "sr_Cyrl")) for key, value in source.mime_headers
    ]
    for message in _messages(source):
        string = message.string
        if isinstance(string, (tuple, list)):
            string = tuple(_transliterate(form) for form in string)
        else:
            string = _transliterate(string or "")
        target.add(
            message.id,
            string,
            locations=message.locations,
            flags=message.flags,
            auto_comments=message.auto_comments,
            user_comments=message.user_comments,
            context=message.context,
        )
    buffer = io.BytesIO()
    write_po(buffer, target, width=76)
    return buffer.getvalue()


def write_cyrillic() -> list[Path]:
    """Regenerate every sr_Cyrl catalog from sr_Latn; return the files written."""
    written = []
    for domain in DOMAINS:
        path = po_path("sr_Cyrl", domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(cyrillic_catalog(domain))
        written.append(path)
    return written


def is_fresh_cyrillic(domain: str) -> bool:
    """Whether the committed sr_Cyrl catalog says what a fresh transliteration says.

    Header lines that name the tool or a date are left out: a new Babel release writes
    its own version into `Generated-By`, and that is no reason to regenerate.
    """
    committed = po_path("sr_Cyrl", domain).read_bytes()
    return catalogs.content(committed) == catalogs.content(cyrillic_catalog(domain))


def problems(langs: tuple[str, ...] = LANGUAGES) -> dict[str, list[str]]:
    """Return, per "lang/domain", what stops the catalog being complete and correct."""
    found: dict[str, list[str]] = {}
    for domain in DOMAINS:
        template = {
            m.id if isinstance(m.id, str) else m.id[0]
            for m in _messages(read_catalog(pot_path(domain)))
        }
        for lang in langs:
            key, issues = f"{lang}/{domain}", []
            path = po_path(lang, domain)
            if not path.exists():
                found[key] = [
                    f"{path.relative_to(ROOT)} is missing: run `flask translate update`"
                ]
                continue
            catalog = read_catalog(path, lang)
            ids = set()
            for message in _messages(catalog):
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                ids.add(msgid)
                if message.fuzzy:
                    issues.append(f"fuzzy: {msgid!r}")
                elif _missing(message):
                    issues.append(f"untranslated: {msgid!r}")
            for message, errors in catalog.check():
                issues += [f"{error}: {message.id!r}" for error in errors]
            issues += [
                f"not in the catalog (run `flask translate update`): {msgid!r}"
                for msgid in sorted(template - ids)
            ]
            if lang in GENERATED and not is_fresh_cyrillic(domain):
                issues.append(
                    "out of date or edited by hand: run `flask translate cyrillic`"
                )
            if issues:
                found[key] = issues
    return found


def fill_english(domain: str) -> int:
    """Set msgstr = msgid for new or fuzzy English entries; return how many."""
    path = po_path("en", domain)
    catalog = read_catalog(path, "en")
    changed = 0
    for message in _messages(catalog):
        if message.fuzzy or _missing(message):
            message.string = (
                message.id if isinstance(message.id, str) else tuple(message.id)
            )
            message.flags.discard("fuzzy")
            changed += 1
    if changed:
        with path.open("wb") as handle:
            write_po(handle, catalog, width=76)
    return changed


def js_catalog(lang: str) -> dict[str, object]:
    """Return the browser's catalog of ``lang``: translated, non-fuzzy entries only."""
    return catalogs.js_catalog(TRANSLATIONS, lang)


def compile_catalogs(
    langs: tuple[str, ...] = LANGUAGES,
    mo_dir: Path | None = None,
    json_dir: Path | None = None,
) -> list[str]:
    """Write the .mo files (beside the catalogs unless told) and the browser's JSON
    catalogs (static/i18n unless told); return statistics lines."""
    return catalogs.compile_catalogs(
        TRANSLATIONS, mo_dir or TRANSLATIONS, json_dir or STATIC_I18N, langs
    )


def _report(found: dict[str, list[str]]) -> None:
    for key, issues in found.items():
        click.echo(f"{key}: {len(issues)} problem(s)", err=True)
        for issue in issues:
            click.echo(f"  {issue}", err=True)


@translate.command("extract", with_appcontext=False)
def extract_command() -> None:
    """Extract the strings of Python, templates and JavaScript into the .pot files."""
    for domain in DOMAINS:
        target = pot_path(domain)
        fresh = target.with_suffix(".pot.new")
        try:
            warnings = extract_to(domain, fresh)
        except subprocess.CalledProcessError as error:
            fresh.unlink(missing_ok=True)
            raise click.ClickException(
                f"extraction of {domain} failed:\n{error.stderr}"
            ) from None
        if warnings.strip():
            fresh.unlink(missing_ok=True)
            raise click.ClickException(f"extraction of {domain} warned:\n{warnings}")
        # Only a new date? Keep the old file, so the catalogs do not churn.
        if target.exists() and _undated(target) == _undated(fresh):
            fresh.unlink()
        else:
            fresh.replace(target)
        count = sum(1 for _ in _messages(read_catalog(target)))
        click.echo(f"{target.relative_to(ROOT)}: {count} messages")


def _undated(path: Path) -> bytes:
    return re.sub(rb'"POT-Creation-Date: [^"]*"', b"", path.read_bytes())


@translate.command("update", with_appcontext=False)
def update_command() -> None:
    """Merge the .pot files into the sq, sr_Latn and en catalogs (never sr_Cyrl)."""
    for domain in DOMAINS:
        for lang in EDITED:
            _pybabel(
                "update",
                "-i",
                str(pot_path(domain)),
                "-d",
                str(TRANSLATIONS),
                "-D",
                domain,
                "-l",
                lang,
                "--init-missing",
                "--ignore-obsolete",
            )
        fill_english(domain)
    click.echo(
        "Updated. Translate the new and fuzzy entries, then run "
        "`flask translate cyrillic` and `flask translate compile`."
    )


@translate.command("cyrillic", with_appcontext=False)
def cyrillic_command() -> None:
    """Generate the sr_Cyrl catalogs from sr_Latn by transliteration."""
    for path in write_cyrillic():
        click.echo(f"wrote {path.relative_to(ROOT)}")


@translate.command("check", with_appcontext=False)
def check_command() -> None:
    """List untranslated, fuzzy or broken entries; exit 1 if there are any."""
    found = problems()
    if found:
        _report(found)
        raise SystemExit(1)
    click.echo("All catalogs are complete.")


@translate.command("compile", with_appcontext=False)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse to compile while `check` finds a problem (the release build's rule).",
)
def compile_command(strict: bool) -> None:
    """Compile .mo files and static/i18n/<lang>.json from the catalogs as they are.

    Untranslated or fuzzy entries show the English; `flask translate check` (run by
    `make test` and CI) is where an incomplete catalog fails.
    """
    found = problems()
    if found:
        _report(found)
        if strict:
            raise click.ClickException("catalogs are incomplete: see above")
        click.echo("Compiling anyway: those entries show the English.", err=True)
    for line in compile_catalogs():
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register `flask translate`."""
    app.cli.add_command(translate)


# `python -m fieldapp.translations_cli compile` works without any app configuration.
if __name__ == "__main__":
    translate()
