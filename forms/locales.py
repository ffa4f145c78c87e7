"""Languages of the forms and the translated text of one document element."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from forms.transliteration import transliterate_sr

#: every locale a form is shown in; sq is the default
LOCALES: tuple[str, ...] = ("sq", "sr_Latn", "sr_Cyrl", "en")
DEFAULT_LOCALE = "sq"
#: languages a document author writes by hand ("sr" is Serbian Latin)
DOCUMENT_LANGUAGES: tuple[str, ...] = ("sq", "sr", "en")

_ALIASES = {
    "sr": "sr_Latn",
    "sr_latn": "sr_Latn",
    "sr_cyrl": "sr_Cyrl",
    "sq_al": "sq",
    "sq_xk": "sq",
}


def normalize_locale(locale: str | None) -> str:
    """Map a locale tag such as "sr-Cyrl" or "sr" to one of LOCALES (default sq)."""
    if not locale:
        return DEFAULT_LOCALE
    tag = locale.replace("-", "_")
    if tag in LOCALES:
        return tag
    low = tag.lower()
    if low in _ALIASES:
        return _ALIASES[low]
    base = low.split("_")[0]
    if base == "sr":
        return "sr_Cyrl" if "cyrl" in low else "sr_Latn"
    return base if base in ("sq", "en") else DEFAULT_LOCALE


@dataclass(frozen=True)
class Text:
    """One piece of form text in every locale."""

    sq: str
    sr_Latn: str
    sr_Cyrl: str
    en: str

    @classmethod
    def from_document(cls, texts: Mapping[str, str]) -> Text:
        """Build from a document's {sq, sr, en[, sr_Cyrl]}; Cyrillic is derived."""
        return cls(
            sq=texts["sq"],
            sr_Latn=texts["sr"],
            sr_Cyrl=texts.get("sr_Cyrl") or transliterate_sr(texts["sr"]),
            en=texts["en"],
        )

    def get(self, locale: str | None) -> str:
        """Return the text in ``locale`` (unknown locales fall back to sq)."""
        return str(getattr(self, normalize_locale(locale)))

    def as_dict(self) -> dict[str, str]:
        """Return {locale: text} for every locale."""
        return {locale: self.get(locale) for locale in LOCALES}
