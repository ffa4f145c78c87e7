"""The gettext catalogs: extraction is clean and current, every language complete, Cyrillic generated."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fieldapp import catalogs
from fieldapp import translations_cli as tc
from forms import transliterate_sr

PLACEHOLDER = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}\s]*\}|<[^<>]*>"
)


def _ids(path: Path) -> set[object]:
    return {
        m.id if isinstance(m.id, str) else tuple(m.id)
        for m in tc.read_catalog(path)
        if m.id
    }


@pytest.mark.parametrize("domain", list(tc.DOMAINS))
def test_extraction_runs_clean_and_the_committed_template_is_current(domain, tmp_path):
    fresh = tmp_path / f"{domain}.pot"
    warnings = tc.extract_to(domain, fresh)
    assert warnings.strip() == ""
    missing = _ids(fresh) - _ids(tc.pot_path(domain))
    stale = _ids(tc.pot_path(domain)) - _ids(fresh)
    assert (missing, stale) == (set(), set()), (
        "run `flask translate extract && flask translate update`, translate, "
        "`flask translate cyrillic`"
    )


def test_every_catalog_is_complete_without_fuzzy_entries_or_broken_placeholders():
    assert tc.problems() == {}


@pytest.mark.parametrize("domain", list(tc.DOMAINS))
def test_committed_cyrillic_catalog_says_what_the_generated_one_says(domain):
    committed = tc.po_path("sr_Cyrl", domain).read_bytes()
    assert catalogs.content(committed) == catalogs.content(
        tc.cyrillic_catalog(domain)
    ), "run `flask translate cyrillic`"


def _copy_translations(tmp_path, monkeypatch):
    copy = tmp_path / "translations"
    shutil.copytree(tc.TRANSLATIONS, copy)
    monkeypatch.setattr(tc, "TRANSLATIONS", copy)
    return copy


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Generated-By", "Babel 99.0.0"),
        ("POT-Creation-Date", "2031-01-01 00:00+0000"),
        ("PO-Revision-Date", "2031-01-01 00:00+0000"),
    ],
)
def test_cyrillic_check_ignores_a_header_that_names_the_tool_or_a_date(
    tmp_path, monkeypatch, header, value
):
    # What a new Babel release (or a re-run on another day) changes in the generated
    # file: never a reason to fail `make run`, `make test` or CI.
    _copy_translations(tmp_path, monkeypatch)
    po = tc.po_path("sr_Cyrl", "messages")
    text = po.read_text(encoding="utf-8")
    changed = re.sub(rf'"{header}: [^"]*\\n"', f'"{header}: {value}\\\\n"', text)
    assert changed != text
    po.write_text(changed, encoding="utf-8")
    assert tc.is_fresh_cyrillic("messages")
    assert "sr_Cyrl/messages" not in tc.problems()


def test_cyrillic_check_fails_when_a_message_differs(tmp_path, monkeypatch):
    _copy_translations(tmp_path, monkeypatch)
    po = tc.po_path("sr_Cyrl", "messages-js")
    text = po.read_text(encoding="utf-8")
    changed = text.replace("Исправите означене одговоре.", "Исправите одговоре.", 1)
    assert changed != text
    po.write_text(changed, encoding="utf-8")
    assert not tc.is_fresh_cyrillic("messages-js")
    assert tc.problems()["sr_Cyrl/messages-js"] == [
        "out of date or edited by hand: run `flask translate cyrillic`"
    ]


@pytest.mark.parametrize("domain", list(tc.DOMAINS))
def test_cyrillic_catalog_keeps_ids_placeholders_and_plural_forms(domain):
    latin = {
        m.id if isinstance(m.id, str) else m.id[0]: m
        for m in tc.read_catalog(tc.po_path("sr_Latn", domain))
        if m.id
    }
    cyrillic = tc.read_catalog(tc.po_path("sr_Cyrl", domain), "sr_Cyrl")
    assert str(cyrillic.locale) == "sr_Cyrl"
    assert cyrillic.num_plurals == 3
    assert (
        cyrillic.plural_expr
        == tc.read_catalog(tc.po_path("sr_Latn", domain)).plural_expr
    )
    for message in cyrillic:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        source = latin[key]
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        sources = (
            source.string if isinstance(source.string, tuple) else (source.string,)
        )
        assert len(strings) == len(sources)
        for cyr, lat in zip(strings, sources, strict=True):
            assert PLACEHOLDER.findall(cyr) == PLACEHOLDER.findall(lat), key
            # Only the words kept on purpose (names, acronyms, foreign words) stay Latin.
            leftover = tc.KEEP_LATIN.sub("", cyr)
            assert not re.search(r"[A-Za-zČĆŽŠĐčćžšđ]", leftover), (key, cyr)


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("ljubav njiva džep", "љубав њива џеп"),
        ("Ljiljana Njegoš Džemal", "Љиљана Његош Џемал"),
        ("LJUBAV NJIVA DŽEP", "ЉУБАВ ЊИВА ЏЕП"),
        ("Đorđe Šćekić, čaša žaba", "Ђорђе Шћекић, чаша жаба"),
        ("injekcija", "инјекција"),
        ("Zdravo, %(name)s", "Здраво, %(name)s"),
        ("%(num)d učenika", "%(num)d ученика"),
        ("Poslato {n} od {total}", "Послато {n} од {total}"),
        (
            '<strong>Pažnja</strong>: <a href="/x">ovde</a>',
            '<strong>Пажња</strong>: <a href="/x">овде</a>',
        ),
        (
            "Verzija %(version)s (poznate: %(known)s)",
            "Верзија %(version)s (познате: %(known)s)",
        ),
    ],
)
def test_transliteration_converts_letters_and_keeps_markup(latin, cyrillic):
    assert tc._transliterate(latin) == cyrillic
    assert transliterate_sr(latin) == cyrillic


def test_transliteration_keeps_our_names_and_foreign_words_in_latin():
    assert tc._transliterate("fieldapp – formulari") == "fieldapp – формулари"
    assert tc._transliterate("Bez JavaScript-a") == "Без JavaScript-а"
    assert (
        tc._transliterate("Wi-Fi mreža, www.example.org")
        == "Wi-Fi мрежа, www.example.org"
    )


def test_generated_cyrillic_catalog_is_marked_as_generated():
    text = tc.po_path("sr_Cyrl", "messages").read_text(encoding="utf-8")
    assert "GENERATED from sr_Latn" in text
    assert '"Language: sr_Cyrl\\n"' in text


def test_english_catalog_repeats_the_english_source():
    for message in tc.read_catalog(tc.po_path("en", "messages"), "en"):
        if message.id:
            assert message.string == message.id or tuple(message.string) == tuple(
                message.id
            )


@pytest.mark.parametrize("lang", ["sr_Latn", "sr_Cyrl"])
def test_serbian_catalogs_have_three_plural_forms(lang):
    catalog = tc.read_catalog(tc.po_path(lang, "messages"), lang)
    assert catalog.num_plurals == 3
    plurals = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plurals
    assert all(len(m.string) == 3 and all(m.string) for m in plurals)


def test_compile_writes_mo_files_and_browser_catalogs(tmp_path):
    stats = tc.compile_catalogs(mo_dir=tmp_path / "mo", json_dir=tmp_path / "json")
    assert len(stats) == len(tc.LANGUAGES) * len(tc.DOMAINS)
    assert all("(100%)" in line for line in stats)
    for lang in tc.LANGUAGES:
        assert (
            tmp_path / "mo" / lang / "LC_MESSAGES" / "messages.mo"
        ).stat().st_size > 0
        data = json.loads(
            (tmp_path / "json" / f"{lang}.json").read_text(encoding="utf-8")
        )
        assert data["lang"] == lang
        assert isinstance(data["messages"], dict)
        assert data["nplurals"] == (3 if lang.startswith("sr") else 2)


def test_check_fails_and_compile_warns_on_an_untranslated_entry(tmp_path, monkeypatch):
    copy = _copy_translations(tmp_path, monkeypatch)
    monkeypatch.setattr(tc, "STATIC_I18N", tmp_path / "i18n")
    po = tc.po_path("sq", "messages")
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Hyr"', 'msgstr ""', 1), encoding="utf-8")
    found = tc.problems()
    assert list(found) == ["sq/messages"]
    assert found["sq/messages"] == ["untranslated: 'Sign in'"]
    from click.testing import CliRunner

    runner = CliRunner()
    assert runner.invoke(tc.translate, ["check"]).exit_code == 1
    # `make run` compiles what exists: the entry shows the English, nothing stops.
    result = runner.invoke(tc.translate, ["compile"])
    assert result.exit_code == 0, result.output
    assert "untranslated: 'Sign in'" in result.output
    assert (copy / "sq" / "LC_MESSAGES" / "messages.mo").stat().st_size > 0
    assert (tmp_path / "i18n" / "sq.json").exists()
    # The release rule: --strict refuses.
    result = runner.invoke(tc.translate, ["compile", "--strict"])
    assert result.exit_code != 0
    assert "untranslated: 'Sign in'" in result.output


def test_a_hand_edited_cyrillic_catalog_fails_the_check(tmp_path, monkeypatch):
    _copy_translations(tmp_path, monkeypatch)
    po = tc.po_path("sr_Cyrl", "messages")
    po.write_text(
        po.read_text(encoding="utf-8").replace("Пријави се", "Пријавите се", 1),
        encoding="utf-8",
    )
    assert "sr_Cyrl/messages" in tc.problems()


def test_translate_commands_run_from_the_command_line_without_app_settings(tmp_path):
    result = subprocess.run(
        [str(Path(tc.sys.executable)), "-m", "fieldapp.translations_cli", "check"],
        cwd=tc.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "complete" in result.stdout


_JS_CALL = re.compile(r"""\bn?t\(\s*(['"])((?:(?!\1).)+)\1""")
_JS_COMMENT = re.compile(r"/\*.*?\*/|^\s*//.*?$", re.S | re.M)


def test_every_string_the_browser_translates_is_in_the_js_template():
    # Found by a plain scan, not the extractor: the extractor once skipped strings
    # inside ${...} of template literals, which then showed in English everywhere.
    wanted = {
        match.group(2)
        for path in (tc.ROOT / "fieldapp" / "static" / "js").glob("*.js")
        for match in _JS_CALL.finditer(
            _JS_COMMENT.sub("", path.read_text(encoding="utf-8"))
        )
    }
    assert len(wanted) > 40
    known = {
        m if isinstance(m, str) else m[0] for m in _ids(tc.pot_path("messages-js"))
    }
    missing = wanted - known
    assert missing == set(), "run `flask translate extract` (babel-js.cfg)"
