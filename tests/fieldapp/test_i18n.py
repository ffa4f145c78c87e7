"""Languages end to end: choosing one, formatting for it, and no English left on any page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC
from datetime import date
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import gettext
from flask_babel import ngettext

from fieldapp import db
from fieldapp import translations_cli as tc
from fieldapp.auth.models import User
from fieldapp.i18n import LANG_COOKIE
from fieldapp.submissions.forms_registry import registry
from forms import transliterate_sr

ROOT = tc.ROOT
ROLES = ("admin", "coordinator", "social_worker", "psychologist", "instructor")
PASSWORD = "a long test passphrase"  # conftest.PASSWORD
PLACEHOLDER = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}\s]*\}|<[^<>]*>"
)


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compile the committed catalogs once, into a temporary directory."""
    out = tmp_path_factory.mktemp("translations")
    tc.compile_catalogs(mo_dir=out, json_dir=out / "json")
    return out


@pytest.fixture
def config_overrides(compiled: Path) -> dict[str, Any]:
    """Serve the freshly compiled catalogs, whatever .mo files the tree holds."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(compiled)}


def _login(client, username: str) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, page[:200]
    return match.group(1)


# ---- choosing the language -----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "tag", "sign_in"),
    [
        ("sq", "sq", "Hyr"),
        ("sr_Latn", "sr-Latn", "Prijavi se"),
        ("sr_Cyrl", "sr-Cyrl", "Пријави се"),
        ("en", "en", "Sign in"),
    ],
)
def test_lang_parameter_sets_html_lang_and_translates_the_page(
    client, lang, tag, sign_in
):
    page = client.get(f"/auth/login?lang={lang}").get_data(as_text=True)
    assert _html_lang(page) == tag
    assert f"<h1>{sign_in}</h1>" in page
    assert f'data-lang="{lang}"' in page


def test_default_language_is_albanian(client):
    client.environ_base.pop(
        "HTTP_ACCEPT_LANGUAGE", None
    )  # conftest's client asks for en
    page = client.get("/auth/login").get_data(as_text=True)
    assert _html_lang(page) == "sq"


@pytest.mark.parametrize(
    ("header", "tag"),
    [
        ("sr-RS,sr;q=0.9,en;q=0.5", "sr-Latn"),
        ("sr", "sr-Latn"),
        ("sr-Latn-RS", "sr-Latn"),
        ("sr-Cyrl-RS,sr;q=0.8", "sr-Cyrl"),
        ("sr-Cyrl", "sr-Cyrl"),
        ("sq-AL,sq;q=0.9", "sq"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,fr;q=0.5", "sq"),
        ("de-DE,en;q=0.5", "en"),
        ("bs-BA", "sr-Latn"),
    ],
)
def test_first_visit_follows_accept_language_else_albanian(client, header, tag):
    page = client.get("/auth/login", headers={"Accept-Language": header})
    assert _html_lang(page.get_data(as_text=True)) == tag


def test_switch_is_remembered_on_the_device_before_signing_in(client):
    first = client.get("/auth/login?lang=sr_Cyrl")
    assert LANG_COOKIE in first.headers.get("Set-Cookie", "")
    again = client.get("/auth/login", headers={"Accept-Language": "en"})
    assert _html_lang(again.get_data(as_text=True)) == "sr-Cyrl"


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session().scalar(sa.select(User).where(User.username == username))
        assert user is not None
        return user


def test_switch_is_remembered_for_the_signed_in_user(app, client, auth, make_user):
    make_user("arta", "social_worker", locale="sq")
    auth.login("arta")
    assert _html_lang(client.get("/").get_data(as_text=True)) == "sq"
    client.get("/?lang=sr_Latn")
    assert _user(app, "arta").locale == "sr_Latn"
    # Another device, whose browser prefers English, follows the user's choice.
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _login(other, "arta")
    assert _html_lang(other.get("/").get_data(as_text=True)) == "sr-Latn"


def test_switcher_is_on_the_login_page_and_keeps_the_url(client, auth, make_user):
    page = client.get("/auth/login").get_data(as_text=True)
    for lang in ("sq", "sr_Latn", "sr_Cyrl", "en"):
        assert f'href="/auth/login?lang={lang}"' in page
    make_user("arta", "social_worker")
    auth.login("arta")
    page = client.get("/families/?q=gashi&lang=sq").get_data(as_text=True)
    assert 'href="/families/?q=gashi&amp;lang=sr_Cyrl"' in page


# ---- formatting and plurals -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "month", "weekday"),
    [
        ("sq", "mars", "e martë"),
        ("sr_Latn", "mart", "utorak"),
        ("sr_Cyrl", "март", "уторак"),
        ("en", "March", "tuesday"),
    ],
)
def test_dates_are_formatted_for_the_language_and_script(app, lang, month, weekday):
    with app.test_request_context(f"/?lang={lang}"):
        assert month in format_date(date(2024, 3, 5), "long")
        assert weekday in format_date(date(2024, 3, 5), "full").lower()


def test_times_are_shown_in_kosovo_time(app):
    with app.test_request_context("/?lang=sq"):
        summer = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
        winter = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
        assert format_datetime(summer, "HH:mm") == "12:00"
        assert format_datetime(winter, "HH:mm") == "11:00"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sq", "1234,5"),
        ("en", "1,234.5"),
        ("sr_Latn", "1.234,5"),
        ("sr_Cyrl", "1.234,5"),
    ],
)
def test_numbers_are_formatted_for_the_language(app, lang, expected):
    with app.test_request_context(f"/?lang={lang}"):
        assert format_decimal(1234.5).replace("\xa0", "").replace(" ", "") == expected


def test_datetime_filter_in_templates_follows_the_language(app):
    with app.test_request_context("/?lang=sr_Cyrl"):
        text = app.jinja_env.from_string("{{ d | dateformat('long') }}").render(
            d=date(2024, 11, 2)
        )
        assert "новембар" in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "sr_Latn",
            {
                1: "1 aktivna porodica",
                2: "2 aktivne porodice",
                5: "5 aktivnih porodica",
                11: "11 aktivnih porodica",
                21: "21 aktivna porodica",
                22: "22 aktivne porodice",
                112: "112 aktivnih porodica",
            },
        ),
        (
            "sr_Cyrl",
            {
                1: "1 активна породица",
                2: "2 активне породице",
                5: "5 активних породица",
                21: "21 активна породица",
            },
        ),
        ("sq", {1: "1 familje aktive", 2: "2 familje aktive", 21: "21 familje aktive"}),
        (
            "en",
            {1: "1 active family", 2: "2 active families", 21: "21 active families"},
        ),
    ],
)
def test_plural_forms_follow_each_language(app, lang, expected):
    with app.test_request_context(f"/?lang={lang}"):
        for n, text in expected.items():
            assert (
                ngettext("%(num)d active family", "%(num)d active families", n) == text
            )


def test_gettext_uses_the_cyrillic_catalog(app):
    with app.test_request_context("/?lang=sr_Cyrl"):
        assert gettext("Quick exit") == "Брзи излаз"
    with app.test_request_context("/?lang=sq"):
        assert gettext("Quick exit") == "Dalje e shpejtë"


@pytest.mark.parametrize("lang", ["sq", "sr_Latn", "sr_Cyrl", "en"])
def test_server_pages_write_day_month_year_and_a_24_hour_clock(app, lang):
    from datetime import UTC
    from datetime import datetime

    from flask_babel import format_date
    from flask_babel import format_datetime

    evening = datetime(2026, 12, 2, 20, 3, tzinfo=UTC)  # 21:03 in Kosovo
    with app.test_request_context(f"/?lang={lang}"):
        assert format_datetime(evening, "short") == "02.12.2026 21:03"
        assert format_date(evening, "short") == "02.12.2026"
        assert "21:03" in format_datetime(evening, "medium")


# ---- the browser module -----------------------------------------------------------------

_NODE_SCRIPT = """
globalThis.document = { body: { dataset: { lang: process.argv[2] } } };
const catalog = JSON.parse(process.argv[3]);
globalThis.fetch = async (url) => {
  globalThis.fetched = String(url);
  if (catalog === null) throw new Error('offline');
  return { ok: true, json: async () => catalog };
};
const m = await import(process.argv[4]);
const out = {
  lang: m.lang, locale: m.locale, fetched: globalThis.fetched,
  t: m.t('Saved %(count)d of %(total)d', { count: 2, total: 5 }),
  plain: m.t('Unknown text'),
  percent: m.t('100%% sent', {}),
  plurals: [1, 2, 5, 11, 21, 22].map((n) => m.nt('%(num)d item', '%(num)d items', n)),
};
console.log(JSON.stringify(out));
"""


def _run_i18n_js(
    lang: str, catalog: dict[str, Any] | None, tmp_path: Path
) -> dict[str, Any]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = tmp_path / "run.mjs"
    script.write_text(_NODE_SCRIPT, encoding="utf-8")
    module = ROOT / "fieldapp" / "static" / "js" / "i18n.js"
    result = subprocess.run(
        ["node", str(script), lang, json.dumps(catalog), module.as_uri()],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(result.stdout)


def test_browser_module_translates_and_uses_serbian_plurals(tmp_path):
    catalog = {
        "lang": "sr_Cyrl",
        "messages": {
            "Saved %(count)d of %(total)d": "Сачувано %(count)d од %(total)d",
            "%(num)d item": ["%(num)d ставка", "%(num)d ставке", "%(num)d ставки"],
        },
    }
    out = _run_i18n_js("sr_Cyrl", catalog, tmp_path)
    assert out["lang"] == "sr_Cyrl"
    assert out["locale"] == "sr-Cyrl"
    assert out["fetched"].endswith("/fieldapp/static/i18n/sr_Cyrl.json")
    assert out["t"] == "Сачувано 2 од 5"
    assert out["plain"] == "Unknown text"
    assert out["percent"] == "100% sent"
    assert out["plurals"] == [
        "1 ставка",
        "2 ставке",
        "5 ставки",
        "11 ставки",
        "21 ставка",
        "22 ставке",
    ]


def test_browser_module_falls_back_to_english_when_the_catalog_cannot_load(tmp_path):
    out = _run_i18n_js("sq", None, tmp_path)
    assert out["t"] == "Saved 2 of 5"
    assert out["plurals"][:2] == ["1 item", "2 items"]


def test_browser_module_treats_an_unknown_page_language_as_albanian(tmp_path):
    out = _run_i18n_js("de", {"messages": {}}, tmp_path)
    assert out["lang"] == "sq"
    assert out["fetched"].endswith("/i18n/sq.json")


# ---- no English (and no Latin in Cyrillic) on any page ----------------------------------

# Attributes whose text people see or hear.
_TEXT_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


class _Text(HTMLParser):
    """Collect what a page shows: text outside <script>/<style>, and labelling attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if value and (
                name in _TEXT_ATTRIBUTES
                or (
                    tag == "input"
                    and name == "value"
                    and dict(attrs).get("type") in ("submit", "button")
                )
            ):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(body: str, content_type: str) -> str:
    """Return the text a person sees in a response."""
    if "json" in content_type:
        values: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, str):
                values.append(node)
            elif isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(json.loads(body))
        return "\n".join(values)
    parser = _Text()
    parser.feed(body)
    return "\n".join(parser.parts)


def _fragments(text: str) -> list[str]:
    """Split a message at its placeholders; keep the pieces long enough to be telling."""
    pieces = (piece.strip(" \t\n:;,.·–-") for piece in PLACEHOLDER.split(text))
    return [p for p in pieces if len(re.findall(r"[^\W\d_]", p)) > 3]


def _forms(message: Any) -> list[str]:
    value = message.string if message.string else ()
    return list(value) if isinstance(value, tuple) else [value]


def _catalog_pairs(lang: str) -> list[tuple[list[str], list[str]]]:
    """Return (msgid forms, msgstr forms) of the UI catalog of ``lang``."""
    catalog = tc.read_catalog(tc.po_path(lang, "messages"), lang)
    pairs = []
    for message in catalog:
        if message.id:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            pairs.append((ids, _forms(message)))
    return pairs


def _form_texts() -> list[dict[str, str]]:
    """Return every {sq, sr, en} text of the form documents."""
    found: list[dict[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if {"sq", "sr", "en"} <= set(node) and all(
                isinstance(node[k], str) for k in ("sq", "sr", "en")
            ):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "forms").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def _form_text(texts: dict[str, str], lang: str) -> str:
    if lang == "sr_Latn":
        return texts["sr"]
    if lang == "sr_Cyrl":
        return texts.get("sr_Cyrl") or transliterate_sr(texts["sr"])
    return texts[lang]


def forbidden_strings(lang: str) -> dict[str, str]:
    """Return {fragment: why} of text that must not appear on a page in ``lang``."""
    forbidden: dict[str, str] = {}
    pairs = _catalog_pairs(lang)
    # Words the target language shares with English ("Administrator", "Program") are fine.
    target_words = set(
        re.findall(r"\w+", "\n".join(s for _, strings in pairs for s in strings))
    )
    for ids, strings in pairs:
        if set(ids) & set(strings):  # the same in both languages ("fieldapp")
            continue
        for msgid in ids:
            for fragment in _fragments(msgid):
                forbidden.setdefault(fragment, f"English UI text {msgid!r}")
    for texts in _form_texts():
        if texts["en"] != _form_text(texts, lang):
            for fragment in _fragments(texts["en"]):
                forbidden.setdefault(fragment, f"English form text {texts['en']!r}")
    if lang == "sr_Cyrl":
        latin_pairs = _catalog_pairs("sr_Latn")
        cyrillic = dict(
            (tuple(ids), strings) for ids, strings in _catalog_pairs("sr_Cyrl")
        )
        for ids, strings in latin_pairs:
            for latin, cyr in zip(strings, cyrillic[tuple(ids)], strict=True):
                if latin != cyr:
                    for fragment in _fragments(latin):
                        if fragment not in _fragments(cyr):
                            forbidden.setdefault(fragment, f"Latin Serbian {latin!r}")
        for texts in _form_texts():
            if texts["sr"] != _form_text(texts, "sr_Cyrl"):
                for fragment in _fragments(texts["sr"]):
                    forbidden.setdefault(
                        fragment, f"Latin Serbian form text {texts['sr']!r}"
                    )
    return {
        fragment: why
        for fragment, why in forbidden.items()
        if not set(re.findall(r"\w+", fragment)) <= target_words
    }


def find_forbidden(text: str, forbidden: dict[str, str]) -> list[str]:
    """Return the forbidden fragments that appear in ``text`` as whole words."""
    hits = []
    for fragment, why in forbidden.items():
        # A plain substring test first: compiling thousands of patterns per page was
        # most of this test's time.
        if fragment in text and re.search(
            r"(?<!\w)" + re.escape(fragment) + r"(?!\w)", text
        ):
            hits.append(f"{fragment!r} ({why})")
    return hits


def test_the_english_detector_finds_english_and_latin_serbian():
    forbidden = forbidden_strings("sr_Cyrl")
    assert find_forbidden("Dobrodošli\nBrzi izlaz", forbidden)
    assert find_forbidden("<p>Quick exit</p>", forbidden)
    assert not find_forbidden("Брзи излаз\nKrasniqi\nfieldapp", forbidden)
    assert find_forbidden(
        visible_text('<nav aria-label="Main"></nav>', "text/html"),
        forbidden_strings("sq"),
    )
    assert not find_forbidden(
        visible_text("<script>Quick exit</script>", "text/html"),
        forbidden_strings("sq"),
    )


_SKIPPED_PATHS = ("/static/", "/api/", "/sw.js", "/healthz")


def _page_paths(app, family, member, course, users: dict[str, User]) -> list[str]:
    """Every GET page without URL parameters, plus pages of one family, course and user."""
    paths = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith(_SKIPPED_PATHS)
    )
    paths += [
        f"/families/{family.id}",
        f"/families/{family.id}/edit",
        f"/families/{family.id}/members/{member.id}/edit",
        f"/courses/{course.id}",
        f"/courses/{course.id}/edit",
        f"/users/{users['social_worker'].id}/edit",
        "/no-such-page",
    ]
    with app.app_context():
        definitions = registry().all()
    for definition in definitions:
        if definition.subject == "course_session":
            paths.append(f"/forms/{definition.id}?course={course.id}")
        elif definition.subject == "family":
            paths += [
                f"/forms/{definition.id}",
                f"/forms/{definition.id}?family={family.id}",
            ]
        else:
            paths.append(f"/forms/{definition.id}")
    return paths


@pytest.mark.parametrize("lang", ["sq", "sr_Latn", "sr_Cyrl"])
def test_no_english_on_any_page_for_any_role(
    app, make_user, make_family, make_course, lang
):
    users = {
        role: make_user(f"user{index}", role, full_name=f"Arta Hoxha {index}")
        for index, role in enumerate(ROLES)
    }
    family = make_family(
        "Krasniqi",
        members=("Arben Krasniqi", "Drita Krasniqi"),
        assigned_to=(users["social_worker"], users["psychologist"]),
    )
    member = family.members[0]
    course = make_course(users["instructor"], students=(member,), name="Saldim 1A")
    paths = _page_paths(app, family, member, course, users)
    forbidden = forbidden_strings(lang)
    problems: list[str] = []
    seen = 0
    for role in (None, *ROLES):
        client = app.test_client()
        if role is not None:
            _login(client, users[role].username)
        for path in paths:
            url = f"{path}{'&' if '?' in path else '?'}lang={lang}"
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            if response.status_code in (301, 302, 303):
                continue
            seen += 1
            text = visible_text(response.get_data(as_text=True), response.content_type)
            problems += [
                f"{role} {url}: {hit}" for hit in find_forbidden(text, forbidden)
            ]
    assert seen > 40
    assert problems == [], "\n".join(problems)
