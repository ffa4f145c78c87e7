"""The streaming XLSX writer (fieldapp/exports/xlsx.py), read back by openpyxl."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from fieldapp.exports import xlsx


def _book(tmp_path: Path, rows: list[list[object]], name: str = "visits") -> Path:
    output = tmp_path / "out.xlsx"
    work = tmp_path / "work"
    work.mkdir()
    book = xlsx.Workbook(output, work)
    sheet = book.add_sheet(name)
    sheet.header(["Text", "Number", "Day"])
    for row in rows:
        sheet.append(row)
    book.close()
    assert not list(work.iterdir()), "temporary sheets are removed"
    return output


def test_cells_keep_their_types(tmp_path: Path) -> None:
    output = _book(
        tmp_path,
        [
            ["Arta", 3, date(2026, 3, 10)],
            ["  spaced  ", 2.5, datetime(2026, 3, 10, 9, 30)],
            [None, True, None],
            ["", -7, date(1999, 12, 31)],
        ],
    )
    sheet = openpyxl.load_workbook(output).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Text", "Number", "Day"]
    assert rows[1] == ["Arta", 3, datetime(2026, 3, 10)]
    assert rows[2] == ["  spaced  ", 2.5, datetime(2026, 3, 10, 9, 30)]
    assert rows[3] == [None, 1, None]
    assert rows[4] == [None, -7, datetime(1999, 12, 31)]
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["C3"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B2"].data_type == "n"
    assert sheet["A1"].font.b
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"


def test_text_that_xml_cannot_carry_is_escaped_not_lost(tmp_path: Path) -> None:
    hostile = [
        "<b>&amp;</b> ' \"",
        "line\r\nbreak\ttab",
        "bell\x07 and nul\x00",
        "lone \ud800 surrogate",
        "ë ç Ђ ђ 😀",
    ]
    output = _book(tmp_path, [[text, None, None] for text in hostile])
    # Every part is well-formed XML to a strict parser.
    with zipfile.ZipFile(output) as archive:
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))  # noqa: S314 (our own file)
    sheet = openpyxl.load_workbook(output).active
    assert sheet is not None
    got = [sheet.cell(row=n, column=1).value for n in range(2, 2 + len(hostile))]
    assert got[0] == hostile[0]
    # Excel's escapes for what XML would drop or rewrite (openpyxl leaves them).
    assert got[1] == "line_x000D_\nbreak\ttab"
    assert got[2] == "bell_x0007_ and nul_x0000_"
    assert got[3] == "lone _xD800_ surrogate"
    assert got[4] == hostile[4]


def test_numbers_without_a_value_are_text_and_long_text_is_cut(tmp_path: Path) -> None:
    output = _book(
        tmp_path,
        [["x" * (xlsx.MAX_TEXT + 10), float("nan"), None], ["y", float("inf"), None]],
    )
    sheet = openpyxl.load_workbook(output).active
    assert sheet is not None
    assert len(sheet["A2"].value) == xlsx.MAX_TEXT
    assert sheet["B2"].value == "nan"
    assert sheet["B3"].value == "inf"


def test_sheet_names_are_escaped_and_each_table_has_its_sheet(tmp_path: Path) -> None:
    output = tmp_path / "two.xlsx"
    book = xlsx.Workbook(output, tmp_path)
    first = book.add_sheet('Fëmijët & "të tjerët"')
    second = book.add_sheet("members")
    first.header(["A"])
    second.header(["B"])
    first.append(["one"])
    second.append([2])
    second.append([3])
    book.close()
    workbook = openpyxl.load_workbook(output)
    assert workbook.sheetnames == ['Fëmijët & "të tjerët"', "members"]
    assert [r[0].value for r in workbook["members"].iter_rows()] == ["B", 2, 3]


def test_a_full_sheet_refuses_the_next_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    book = xlsx.Workbook(tmp_path / "full.xlsx", tmp_path)
    sheet = book.add_sheet("s")
    sheet.header(["h"])
    sheet.append(["one"])
    with pytest.raises(OverflowError):
        sheet.append(["two"])
    book.close()


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index: int, letters: str) -> None:
    assert xlsx.column_letters(index) == letters


def test_serial_days_are_excels() -> None:
    assert xlsx.serial(date(1900, 3, 1)) == 61
    assert xlsx.serial(date(2026, 1, 1)) == 46023
    assert xlsx.serial(datetime(2026, 1, 1, 12)) == 46023.5


def test_text_starting_with_what_the_sheet_quotes_gets_a_quote(tmp_path: Path) -> None:
    """How the export neutralises formulas: headers, text, and anything written as
    its text (a str subclass, an unknown type) alike."""

    class Label(str):
        pass

    class Thing:
        def __str__(self) -> str:
            return "@SUM(A1)"

    output = tmp_path / "hook.xlsx"
    book = xlsx.Workbook(output, tmp_path)
    sheet = book.add_sheet("s", quote=("=", "@"))
    sheet.header(["=HEADER()", "plain"])
    sheet.append([Label("=1+1"), Thing(), "=HYPERLINK(x)", 5])
    book.close()
    rows = [
        [c.value for c in row]
        for row in openpyxl.load_workbook(output).active.iter_rows()
    ]
    assert rows == [
        ["'=HEADER()", "plain", None, None],
        ["'=1+1", "'@SUM(A1)", "'=HYPERLINK(x)", 5],
    ]


def test_packed_text_arrives_whole_and_a_failed_write_is_not_silent(
    tmp_path: Path,
) -> None:
    from fieldapp.exports import packing

    monkey_chunk = 10  # many chunks, so the thread really takes turns
    output = tmp_path / "p.zip"
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        text = packing.PackedText(archive.open("t.txt", "w", force_zip64=True))
        text.CHUNK = monkey_chunk
        lines = [f"row {n} ë Ђ\n" for n in range(2000)]
        for line in lines:
            text.write(line)
        text.close()
    with zipfile.ZipFile(output) as archive:
        assert archive.read("t.txt").decode() == "".join(lines)

    class Broken(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError("disk full")

    failing = packing.PackedText(Broken())
    failing.write("x" * (packing.PackedText.CHUNK + 1))
    with pytest.raises(OSError, match="disk full"):
        failing.close()
