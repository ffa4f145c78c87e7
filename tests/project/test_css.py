"""The style sheets stay well formed: a brace lost in a merge silently moves every rule
after it into the block it fails to close (an unclosed ``@media print`` once hid the
roster's and the intake's styles from the screen)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = sorted(
    (Path(__file__).resolve().parents[2] / "fieldapp" / "static").rglob("*.css")
)
COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'")


def _depths(text: str) -> list[int]:
    depth, seen = 0, []
    for char in STRING.sub('""', COMMENT.sub("", text)):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        seen.append(depth)
    return seen


@pytest.mark.parametrize("path", CSS, ids=lambda p: p.name)
def test_every_block_is_closed(path):
    depths = _depths(path.read_text(encoding="utf-8"))
    assert min(depths, default=0) >= 0, "a } closes nothing"
    assert not depths or depths[-1] == 0, "a { is never closed"


def test_the_check_finds_an_unclosed_block():
    assert _depths("@media print { a { color: red; }\nb { color: blue; }")[-1] == 1
