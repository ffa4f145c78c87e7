"""Choose the interface language of each request, and remember the user's choice."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask_babel import Domain
from flask_babel import get_locale

from fieldapp.extensions import babel

#: Cookie that remembers this device's language (also before signing in).
LANG_COOKIE = "fieldapp_lang"

#: BCP 47 tags for <html lang> and Accept-Language matching.
HTML_LANG = {"sq": "sq", "sr_Latn": "sr-Latn", "sr_Cyrl": "sr-Cyrl", "en": "en"}

#: Each language's own name, shown in the switcher.
NATIVE_NAMES = {
    "sq": "Shqip",
    "sr_Latn": "Srpski",
    "sr_Cyrl": "Српски",
    "en": "English",
}


def languages() -> list[str]:
    """Return the interface languages, default first."""
    langs: list[str] = current_app.config["LANGUAGES"]
    return langs


def normalize(value: str | None) -> str | None:
    """Map ``sr-Cyrl``/``sr_cyrl``/``sq-AL`` style tags to one of our languages."""
    if not value:
        return None
    tag = value.replace("-", "_").strip()
    by_lower = {lang.lower(): lang for lang in languages()}
    if tag.lower() in by_lower:
        return by_lower[tag.lower()]
    primary = tag.split("_")[0].lower()
    if primary == "sr":
        return "sr_Cyrl" if "cyrl" in tag.lower() else "sr_Latn"
    if primary in (
        "bs",
        "hr",
        "sh",
        "cnr",
    ):  # neighbours read Serbian Latin most easily
        return "sr_Latn"
    return by_lower.get(primary)


def _from_accept_language() -> str | None:
    for tag, _quality in request.accept_languages:
        if (lang := normalize(tag)) is not None:
            return lang
    return None


def select_locale() -> str:
    """Pick the language: ?lang=, the user's, this device's, the browser's, else sq.

    Outside a request (the command line) messages are in English, like the rest of
    what the commands print.
    """
    if not has_request_context():
        return "en" if "en" in languages() else languages()[0]
    chosen = normalize(request.args.get("lang"))
    if chosen:
        g.lang_switched = chosen
        return chosen
    user = g.get("user")
    if user is not None and user.locale in languages():
        locale: str = user.locale
        return locale
    return (
        normalize(request.cookies.get(LANG_COOKIE))
        or _from_accept_language()
        or languages()[0]
    )


def current_language() -> str:
    """Return the language of this request as one of LANGUAGES."""
    return normalize(str(get_locale())) or languages()[0]


def _remember_switch(response: Response) -> Response:
    lang = g.get("lang_switched")
    # A page fetched for the offline cache (?shell=1) must not change the user's choice.
    if lang and request.args.get("shell") != "1":
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=400 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
        )
        user = g.get("user")
        if user is not None and user.locale != lang:
            from fieldapp import db

            user.locale = lang
            db.session().commit()
    return response


def url_with_lang(lang: str) -> str:
    """Return the current path and query with ``lang`` set to ``lang``."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode([*args, ('lang', lang)])}"


def _template_globals() -> dict[str, object]:
    lang = current_language()
    return {
        "current_language": lang,
        "html_lang": HTML_LANG.get(lang, lang),
        "native_names": NATIVE_NAMES,
        "languages": languages(),
        "url_with_lang": url_with_lang,
    }


class _PerAppDomain(Domain):  # type: ignore[misc]
    """The message domain, with the loaded catalogs cached per app, not per process."""

    def get_translations_cache(self, ctx: object) -> dict[object, object]:
        """Return this app's cache (Flask-Babel keeps one for every app in the process)."""
        cache: dict[object, object] = current_app.extensions.setdefault(
            "fieldapp.translations", {}
        )
        return cache


#: One convention in every language: day before month, and a 24-hour clock, as the
#: phones show it (CLDR's short English forms put the month first and use 12 hours).
DATE_FORMATS = {
    "date.short": "dd.MM.yyyy",
    "date.medium": "d MMMM yyyy",
    "datetime.short": "dd.MM.yyyy HH:mm",
    "datetime.medium": "d MMMM yyyy, HH:mm",
    "time.short": "HH:mm",
    "time.medium": "HH:mm:ss",
}


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with our locale selector."""
    babel.init_app(app, locale_selector=select_locale)
    babel.date_formats.update(DATE_FORMATS)
    # Otherwise the first app of a process fixes the catalogs (and their directory,
    # BABEL_TRANSLATION_DIRECTORIES) for every later app, as in the test suite.
    babel.domain_instance = _PerAppDomain(
        domain=app.config.get("BABEL_DOMAIN", "messages")
    )
    app.after_request(_remember_switch)
    app.context_processor(_template_globals)
    # Imported here so `python -m fieldapp.translations_cli` runs without a warning.
    from fieldapp import translations_cli

    translations_cli.init_app(app)
