"""A streaming XLSX writer: rows go to disk as they come, cells typed, nothing kept.

Why not XlsxWriter, which fieldapp used first: in its constant-memory mode it managed
about 7,000 rows a second on the largest form (``bench/export_speed.py``), a third of
the 20,000 an export must reach (issue 18), and almost all of that time went into its
per-cell checks and formatting. An export needs very little of a spreadsheet: text,
numbers, days and times, a bold header row that stays in view, one sheet per table.
That much of Office Open XML (ECMA-376 part 1, SpreadsheetML) is written here directly:

- each sheet's rows go to a temporary file as XML as they come (inline strings, so no
  shared-string table grows in memory); the ZIP is packed when the file closes;
- text is escaped for XML; characters XML cannot carry (control characters, and the
  carriage return, which XML readers would turn into a line feed) are written as
  Excel's ``_xHHHH_`` escapes, as Excel itself does;
- numbers that are not finite (NaN, infinity) have no cell type: they are written as
  text;
- days and times are Excel serial numbers with a date format.

Tests read every file back with openpyxl (``tests/fieldapp/test_exports.py``,
``tests/fieldapp/test_xlsx.py``).
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from fieldapp.exports import packing

#: The most rows a sheet holds (the header is one of them).
MAX_ROWS = 1_048_576
#: The longest text a cell holds.
MAX_TEXT = 32_767

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
)

#: Cell styles (cellXfs indexes in _STYLES): plain, bold header, day, day and time.
BOLD, DAY, TIME = 1, 2, 3
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    _XML + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
    # The header row stays in view.
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft"/></sheetView></sheetViews>'
    "<sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"

#: What text must not carry as it is: XML's specials, and characters XML 1.0 forbids
#: or rewrites (control characters; the carriage return; U+FFFE, U+FFFF; surrogates).
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: Day 0 of Excel's serial days (1900 system; correct from 1 March 1900 on).
_EPOCH = date(1899, 12, 30)
_EPOCH_ORDINAL = _EPOCH.toordinal()


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"_x{ord(char):04X}_"


def text_xml(text: str) -> str:
    """Return ``text`` as the content of a cell's ``<t>`` element."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if _SPECIAL.search(text) is None:
        return text
    return _SPECIAL.sub(_escape_one, text)


def column_letters(index: int) -> str:
    """Return the letters of the 0-based column ``index``: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def serial(value: date) -> float:
    """Return ``value`` (a day, or a naive time) as Excel's serial number."""
    days = value.toordinal() - _EPOCH_ORDINAL
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return days + (seconds + value.microsecond / 1e6) / 86400
    return days


def _number_cell(ref: str, cell: object) -> str | None:
    """Return the XML of a cell at ``ref`` holding a number, a day or a time (of any
    subclass of those types), or None when ``cell`` is none of them."""
    if isinstance(cell, bool):
        return f'<c r="{ref}"><v>{int(cell)}</v></c>'
    if isinstance(cell, int):
        return f'<c r="{ref}"><v>{int(cell)}</v></c>'
    if isinstance(cell, float):
        if math.isfinite(cell):
            return f'<c r="{ref}"><v>{float(cell)!r}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{float(cell)!r}</t></is></c>'
    if isinstance(cell, datetime):
        return f'<c r="{ref}" s="{TIME}"><v>{serial(cell)!r}</v></c>'
    if isinstance(cell, date):
        return f'<c r="{ref}" s="{DAY}"><v>{serial(cell)}</v></c>'
    return None


class Sheet:
    """One sheet's rows, written as XML as they come (see ``Workbook``)."""

    def __init__(
        self, name: str, out: packing.TextOut, quote: tuple[str, ...] | None = None
    ) -> None:
        """``out``: where the sheet's XML goes. ``quote``: text starting with any of
        these gets a leading ``'``, header included (how an export keeps formulas from
        running); none by default."""
        self.name = name
        self._quote = quote
        self.rows = 0
        self._file = out
        self._closed = False
        self._file.write(_SHEET_START)
        self._letters: list[str] = []

    def _refs(self, width: int) -> list[str]:
        letters = self._letters
        while len(letters) < width:
            letters.append(column_letters(len(letters)))
        return letters

    def header(self, texts: Sequence[str]) -> None:
        """Write the header row (bold) first."""
        self._check_room()
        self.rows += 1
        refs = self._refs(len(texts))
        cells = "".join(
            f'<c r="{ref}1" s="{BOLD}" t="inlineStr"><is>'
            f'<t xml:space="preserve">{text_xml(self._quoted(text))}</t></is></c>'
            for ref, text in zip(refs, texts, strict=False)
            if text
        )
        self._file.write(f'<row r="1">{cells}</row>')

    def _quoted(self, text: str) -> str:
        if self._quote is not None and text.startswith(self._quote):
            return "'" + text
        return text

    def _check_room(self) -> None:
        if self.rows >= MAX_ROWS:
            raise OverflowError(self.name)

    def append(self, row: Sequence[Any]) -> None:
        """Append ``row``: str, int, float, bool, date, datetime or None (no cell);
        anything else is written as its text.

        :raise OverflowError: when the sheet is full (``MAX_ROWS``).
        """
        self._check_room()
        self.rows += 1
        number = str(self.rows)
        refs = self._refs(len(row))
        quote = self._quote
        needs_escape = _SPECIAL.search
        parts = [f'<row r="{number}">']
        add = parts.append
        # The common cells by their exact type, inline: this loop is most of an export.
        for ref, cell in zip(refs, row, strict=False):
            kind = cell.__class__
            if kind is not str:
                if cell is None:
                    continue
                if kind is int:
                    add(f'<c r="{ref}{number}"><v>{cell}</v></c>')
                    continue
                if kind is datetime:
                    add(f'<c r="{ref}{number}" s="{TIME}"><v>{serial(cell)!r}</v></c>')
                    continue
                xml = _number_cell(f"{ref}{number}", cell)
                if xml is not None:
                    add(xml)
                    continue
                cell = str(cell)
            if not cell:
                continue
            if quote is not None and cell.startswith(quote):
                cell = "'" + cell
            if len(cell) > MAX_TEXT or needs_escape(cell) is not None:
                cell = text_xml(cell)
            if cell[0] > " " and cell[-1] > " ":
                add(f'<c r="{ref}{number}" t="inlineStr"><is><t>{cell}</t></is></c>')
            else:  # Excel would trim the spaces at either end without this
                add(
                    f'<c r="{ref}{number}" t="inlineStr"><is>'
                    f'<t xml:space="preserve">{cell}</t></is></c>'
                )
        add("</row>")
        self._file.write("".join(parts))

    def close(self) -> None:
        """Finish the sheet's XML (once)."""
        if not self._closed:
            self._closed = True
            self._file.write(_SHEET_END)
            self._file.close()


class Workbook:
    """An XLSX file of sheets written row by row; ``close`` finishes it.

    The first sheet (an export's root table, most of the rows) streams straight into
    the file, packed by a thread of its own; the others (repeat groups) go to
    temporary files in ``workdir`` first, packed when the workbook closes (a ZIP takes
    one entry at a time).
    """

    def __init__(self, output: Path, workdir: Path) -> None:
        self._workdir = workdir
        self._archive = zipfile.ZipFile(
            output,
            "w",
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=packing.COMPRESSION,
        )
        self.sheets: list[Sheet] = []
        self._files: list[Path | None] = []

    def add_sheet(self, name: str, quote: tuple[str, ...] | None = None) -> Sheet:
        """Add a sheet named ``name`` (valid and unique: the caller's to ensure);
        ``quote`` as for ``Sheet``."""
        number = len(self.sheets) + 1
        out: packing.TextOut
        if number == 1:
            entry = self._archive.open(
                "xl/worksheets/sheet1.xml", "w", force_zip64=True
            )
            out = packing.PackedText(entry)
            self._files.append(None)
        else:
            path = self._workdir / f"sheet{number}.xml"
            out = path.open("w", encoding="utf-8")
            self._files.append(path)
        sheet = Sheet(name, out, quote)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        """Finish every sheet and write the file."""
        count = len(self.sheets)
        for sheet in self.sheets:
            sheet.close()
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
            for n in range(1, count + 1)
        )
        content_types = (
            _XML
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        )
        root_rels = (
            _XML + f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        )
        sheets = "".join(
            f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in enumerate(self.sheets, start=1)
        )
        workbook = (
            _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f"<sheets>{sheets}</sheets></workbook>"
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        workbook_rels = (
            _XML + f'<Relationships xmlns="{_PKG_REL}">{rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        )
        with self._archive as archive:
            archive.writestr("[Content_Types].xml", content_types)
            archive.writestr("_rels/.rels", root_rels)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
            archive.writestr("xl/styles.xml", _STYLES)
            for n, path in enumerate(self._files, start=1):
                if path is not None:
                    archive.write(path, f"xl/worksheets/sheet{n}.xml")
                    path.unlink()
