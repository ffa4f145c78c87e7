"""Serbian Latin to Cyrillic, leaving placeholders and markup untouched."""

from __future__ import annotations

import pytest

from forms import transliterate_sr


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("ljubav", "љубав"),
        ("Ljubav", "Љубав"),
        ("LJUBAV", "ЉУБАВ"),
        ("njegov", "његов"),
        ("Njegov", "Његов"),
        ("NJEGOV", "ЊЕГОВ"),
        ("džep", "џеп"),
        ("Džep", "Џеп"),
        ("DŽEP", "ЏЕП"),
        ("đak Đorđe", "ђак Ђорђе"),
        ("čačak ćup šuma žaba", "чачак ћуп шума жаба"),
        ("Uroševac, Gnjilane, Đakovica", "Урошевац, Гњилане, Ђаковица"),
        ("injekcija", "инјекција"),
        ("nadživeti", "надживети"),
        ("12:30, 3.5%", "12:30, 3.5%"),
    ],
)
def test_letters_and_digraphs(latin, cyrillic) -> None:
    assert transliterate_sr(latin) == cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Zdravo %(name)s!", "Здраво %(name)s!"),
        ("Najmanje %(min)d znakova", "Најмање %(min)d знакова"),
        ("Imate %s poruka", "Имате %s порука"),
        ("Dobrodošli, {user_name}", "Добродошли, {user_name}"),
        (
            '<b>Pažnja</b>: <a href="/help">pomoć</a>',
            '<b>Пажња</b>: <a href="/help">помоћ</a>',
        ),
        ("Tom &amp; Jerry&nbsp;ljudi &#169;", "Том &amp; Јеррy&nbsp;људи &#169;"),
        (
            "Vidi https://example.org/lj?nj=1 sada",
            "Види https://example.org/lj?nj=1 сада",
        ),
    ],
)
def test_markup_and_placeholders_are_kept(latin, cyrillic) -> None:
    assert transliterate_sr(latin) == cyrillic


def test_empty_and_cyrillic_text_pass_through() -> None:
    assert transliterate_sr("") == ""
    assert transliterate_sr("већ ћирилица") == "већ ћирилица"
