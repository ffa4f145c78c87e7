"""The engine's own validation messages, written for Kosovo's social workers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from forms.locales import Text

# sq, sr (Latin), en; Cyrillic is derived. Placeholders are %(name)s only, so the
# browser mirror can format them with one regular expression.
_TABLE: dict[str, tuple[str, str, str]] = {
    "required": (
        "Kjo fushë është e detyrueshme.",
        "Ovo polje je obavezno.",
        "This field is required.",
    ),
    "type": (
        "Vlera e shënuar nuk është e vlefshme për këtë fushë.",
        "Uneta vrednost nije ispravna za ovo polje.",
        "The value entered is not valid for this field.",
    ),
    "min": (
        "Vlera duhet të jetë së paku %(min)s.",
        "Vrednost mora biti najmanje %(min)s.",
        "The value must be at least %(min)s.",
    ),
    "max": (
        "Vlera mund të jetë më së shumti %(max)s.",
        "Vrednost može biti najviše %(max)s.",
        "The value must be at most %(max)s.",
    ),
    "min_date": (
        "Data nuk mund të jetë para %(min)s.",
        "Datum ne može biti pre %(min)s.",
        "The date cannot be before %(min)s.",
    ),
    "max_date": (
        "Data nuk mund të jetë pas %(max)s.",
        "Datum ne može biti posle %(max)s.",
        "The date cannot be after %(max)s.",
    ),
    "future_date": (
        "Data nuk mund të jetë në të ardhmen.",
        "Datum ne može biti u budućnosti.",
        "The date cannot be in the future.",
    ),
    "past_date": (
        "Data nuk mund të jetë në të kaluarën.",
        "Datum ne može biti u prošlosti.",
        "The date cannot be in the past.",
    ),
    "min_length": (
        "Shkruani së paku %(min)s shenja.",
        "Unesite najmanje %(min)s znakova.",
        "Enter at least %(min)s characters.",
    ),
    "max_length": (
        "Teksti është shumë i gjatë: lejohen deri në %(max)s shenja.",
        "Tekst je predugačak: dozvoljeno je najviše %(max)s znakova.",
        "The text is too long: at most %(max)s characters are allowed.",
    ),
    "pattern": (
        "Vlera nuk është në formatin e duhur.",
        "Vrednost nije u ispravnom formatu.",
        "The value is not in the expected format.",
    ),
    "choice": (
        "Zgjidhni një nga opsionet e ofruara.",
        "Izaberite jednu od ponuđenih opcija.",
        "Choose one of the options offered.",
    ),
    "exclusive": (
        "Ky opsion nuk mund të zgjidhet së bashku me opsione të tjera.",
        "Ova opcija se ne može izabrati zajedno sa drugim opcijama.",
        "This option cannot be chosen together with other options.",
    ),
    "date": (
        "Kjo datë nuk ekziston. Kontrolloni ditën dhe muajin.",
        "Ovaj datum ne postoji. Proverite dan i mesec.",
        "This date does not exist. Check the day and the month.",
    ),
    "date_format": (
        "Shkruani datën si dita.muaji.viti, p.sh. 31.12.2025.",
        "Upišite datum kao dan.mesec.godina, npr. 31.12.2025.",
        "Write the date as day.month.year, e.g. 31.12.2025.",
    ),
    "time": (
        "Ora nuk është e vlefshme (p.sh. 14:30).",
        "Vreme nije ispravno (npr. 14:30).",
        "The time is not valid (e.g. 14:30).",
    ),
    "unknown_field": (
        "Kjo fushë nuk është pjesë e formularit.",
        "Ovo polje nije deo obrasca.",
        "This field is not part of the form.",
    ),
    "uuid": (
        "Identifikuesi nuk është i vlefshëm.",
        "Identifikator nije ispravan.",
        "The identifier is not valid.",
    ),
    "not_member": (
        "Ky person nuk është i regjistruar si anëtar i familjes.",
        "Ova osoba nije upisana kao član porodice.",
        "This person is not registered as a member of the family.",
    ),
    "not_enrolled": (
        "Ky nxënës nuk është i regjistruar në këtë kurs.",
        "Ovaj učenik nije upisan na ovaj kurs.",
        "This student is not enrolled in this course.",
    ),
    "roster_missing": (
        "Mungon shënimi për këtë nxënës.",
        "Nedostaje unos za ovog učenika.",
        "This student has not been marked.",
    ),
    "min_rows": (
        "Shtoni së paku %(min)s regjistrime.",
        "Dodajte najmanje %(min)s unosa.",
        "Add at least %(min)s entries.",
    ),
    "max_rows": (
        "Lejohen më së shumti %(max)s regjistrime.",
        "Dozvoljeno je najviše %(max)s unosa.",
        "At most %(max)s entries are allowed.",
    ),
    "scale_item_missing": (
        "Përgjigjuni edhe këtij pohimi: rezultati llogaritet vetëm kur janë "
        "përgjigjur të gjitha pohimet.",
        "Odgovorite i na ovu tvrdnju: rezultat se računa samo kada su odgovorene "
        "sve tvrdnje.",
        "Answer this statement too: the score is computed only when every "
        "statement is answered.",
    ),
    "scale_incomplete": (
        "Rezultati nuk u llogarit: mungojnë përgjigjet e pohimeve %(missing)s.",
        "Rezultat nije izračunat: nedostaju odgovori na tvrdnje %(missing)s.",
        "No score yet: statements %(missing)s are not answered.",
    ),
}

#: built-in message of each template key, in every locale
MESSAGES: Mapping[str, Text] = {
    key: Text.from_document({"sq": sq, "sr": sr, "en": en})
    for key, (sq, sr, en) in _TABLE.items()
}
#: every issue code the engine reports (min_date/max_date are message keys only)
ISSUE_CODES: frozenset[str] = frozenset(MESSAGES) - {"min_date", "max_date"}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def template_key(code: str, params: Mapping[str, Any]) -> str:
    """Return the message key of an issue: date bounds read unlike numbers."""
    bound = params.get(code)
    if code in ("min", "max") and isinstance(bound, str):
        return code + "_date"
    return code


def _display(value: Any) -> str:
    # Kosovo writes dates day first: 31.12.2025.
    if isinstance(value, str) and (match := _ISO_DATE.match(value)):
        year, month, day = match.groups()
        return f"{day}.{month}.{year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # as JavaScript prints it
    return str(value)


def format_message(template: str, params: Mapping[str, Any]) -> str:
    """Fill %(name)s placeholders of ``template`` from ``params``."""
    return _PLACEHOLDER.sub(
        lambda m: _display(params.get(m.group(1), m.group(0))), template
    )
