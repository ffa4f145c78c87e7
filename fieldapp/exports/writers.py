"""Write an export's tables to files, one row at a time: a ZIP of CSVs, or an XLSX.

Neither writer keeps rows in memory. Each streams every table to its own temporary
file and packs them into the ZIP (an XLSX is one) at the end; the XLSX parts are
written by ``fieldapp.exports.xlsx``.

Every text cell, header included, goes through ``neutralise``: a spreadsheet must
never evaluate what a respondent or a staff member typed (OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import Protocol

from fieldapp.exports import packing
from fieldapp.exports import xlsx
from fieldapp.exports.layout import Cell
from fieldapp.exports.layout import Table

#: First characters that make a spreadsheet read a cell as a formula (or run one):
#: = + - @, and tab and carriage return, which some programs skip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The most rows an XLSX sheet holds (the header is one of them).
XLSX_MAX_ROWS = xlsx.MAX_ROWS
CSV_MIMETYPE = "application/zip"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TooManyRows(Exception):
    """A table has more rows than an XLSX sheet holds (CSV has no such limit)."""

    def __init__(self, table: str) -> None:
        super().__init__(f"{table} has more than {XLSX_MAX_ROWS - 1} rows")
        self.table = table


def neutralise(text: str) -> str:
    """Return ``text`` so that no spreadsheet evaluates it: a quote before a formula.

    A leading single quote is what OWASP advises: the cell shows the text as typed
    (after the quote) and is never run. Numbers are not text and never come here.
    """
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class ExportWriter(Protocol):
    """What the export service needs from a writer."""

    def write(self, table: Table, row: Sequence[Cell]) -> None:
        """Append ``row`` to ``table``."""

    def close(self) -> None:
        """Finish the file (the output path given when the writer was made)."""


def _csv_time(cell: datetime) -> str:
    # "2026-03-10 09:00:00", as strftime("%Y-%m-%d %H:%M:%S") writes it, but faster.
    return cell.isoformat(" ", "seconds")  # naive: the layout gives Kosovo time


#: How a CSV cell of each type is written, where the csv module's own way is not
#: right: text neutralised, yes/no as 1/0, times to the second. None, int, float
#: (repr) and date (ISO) are written by the csv module itself, as they should be.
_CSV_CELLS: dict[type, Any] = {
    str: neutralise,
    bool: int,
    datetime: _csv_time,
}


#: Types the csv module writes as they should be.
_CSV_PLAIN = frozenset({type(None), int, float, date})


def _csv_text(cell: Cell) -> Cell:
    """Return ``cell`` as the csv module should be given it (see ``_CSV_CELLS``)."""
    convert = _CSV_CELLS.get(cell.__class__)
    if convert is not None:
        return convert(cell)  # type: ignore[no-any-return]
    if cell.__class__ in _CSV_PLAIN:
        return cell
    # Anything else (a subclass of a cell type) as text, neutralised like all text.
    if isinstance(cell, datetime):
        return _csv_time(cell)
    if isinstance(cell, bool):
        return int(cell)
    return neutralise(str(cell))


class CsvZipWriter:
    """One CSV per table (UTF-8 with a BOM, for Excel), packed into one ZIP.

    Rows are handed to the csv module in batches of ``BUFFER`` per table.
    """

    BUFFER = 1000

    def __init__(self, output: Path, tables: Sequence[Table], workdir: Path) -> None:
        self._archive = zipfile.ZipFile(
            output,
            "w",
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=packing.COMPRESSION,
        )
        # name -> (temporary file or None for the root, stream, csv writer)
        self._files: dict[str, tuple[Path | None, packing.TextOut, Any]] = {}
        self._pending: dict[str, list[list[Cell]]] = {}
        for number, table in enumerate(tables):
            handle: packing.TextOut
            path: Path | None
            if number == 0:  # the root: straight into the ZIP (see packing)
                entry = self._archive.open(f"{table.name}.csv", "w", force_zip64=True)
                handle, path = packing.PackedText(entry), None
                handle.write("\ufeff")  # the BOM, as utf-8-sig writes it
            else:
                path = workdir / f"{table.name}.csv"
                handle = path.open("w", encoding="utf-8-sig", newline="")
            writer = csv.writer(handle)
            writer.writerow([neutralise(c.header) for c in table.columns])
            self._files[table.name] = (path, handle, writer)
            self._pending[table.name] = []

    def write(self, table: Table, row: Sequence[Cell]) -> None:
        """Append ``row`` to the table's CSV."""
        get = _CSV_CELLS.get
        plain = _CSV_PLAIN
        pending = self._pending[table.name]
        pending.append(
            [
                cell
                if (kind := cell.__class__) in plain
                else convert(cell)
                if (convert := get(kind)) is not None
                else _csv_text(cell)
                for cell in row
            ]
        )
        if len(pending) >= self.BUFFER:
            self._flush(table.name)

    def _flush(self, name: str) -> None:
        pending = self._pending[name]
        self._files[name][2].writerows(pending)
        pending.clear()

    def close(self) -> None:
        """Close every CSV and pack them, root first, into the ZIP."""
        for name, (_path, handle, _writer) in self._files.items():
            self._flush(name)
            handle.close()
        with self._archive as archive:
            for name, (path, _handle, _writer) in self._files.items():
                if path is not None:
                    archive.write(path, f"{name}.csv")
                    path.unlink()


class XlsxFileWriter:
    """One sheet per table, the root first; numbers, days and times as real cells."""

    def __init__(self, output: Path, tables: Sequence[Table], workdir: Path) -> None:
        self._book = xlsx.Workbook(output, workdir)
        self._sheets: dict[str, xlsx.Sheet] = {}
        used: set[str] = set()
        for table in tables:
            name = _sheet_name(table.name, used)
            used.add(name.lower())
            # Every text cell, header included, is neutralised by the sheet (as
            # neutralise() would, inline: it is most of the cells).
            sheet = self._book.add_sheet(name, quote=FORMULA_STARTS)
            sheet.header([item.header for item in table.columns])
            self._sheets[table.name] = sheet

    def write(self, table: Table, row: Sequence[Cell]) -> None:
        """Append ``row`` to the table's sheet, each cell with its own type."""
        sheet = self._sheets[table.name]
        if sheet.rows >= XLSX_MAX_ROWS:
            # Never cut a table short without a word: refuse the file instead.
            raise TooManyRows(table.name)
        sheet.append(row)

    def close(self) -> None:
        """Write the workbook's remaining parts and close it."""
        self._book.close()


def _sheet_name(name: str, used: set[str]) -> str:
    """Return a valid sheet name not in ``used`` (lower case): at most 31 characters,
    none of []:*?/\\."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31]
    candidate, number = clean, 1
    while candidate.lower() in used:
        number += 1
        suffix = f"~{number}"
        candidate = clean[: 31 - len(suffix)] + suffix
    return candidate


def open_writer(
    file_format: str, output: Path, tables: Sequence[Table], workdir: Path
) -> ExportWriter:
    """Return the writer for ``file_format`` ("csv" or "xlsx")."""
    if file_format == "csv":
        return CsvZipWriter(output, tables, workdir)
    if file_format == "xlsx":
        return XlsxFileWriter(output, tables, workdir)
    raise ValueError(f"unknown export format {file_format!r}")
