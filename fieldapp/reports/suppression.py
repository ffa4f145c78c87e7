"""Small-cell suppression of count tables, primary and complementary.

A count from 1 to MIN_SHOWN - 1 is never shown: it reads "<5" (PRIMARY). Where a row
or a column has a total and exactly one of its cells is hidden, the total would give
the hidden value away, so a second cell of that line is hidden too (COMPLEMENTARY,
shown as "x"): the smallest other non-zero cell, or the total itself when no other
cell can be hidden. This repeats until no row or column has a single hidden cell.
Zero is shown as 0 (it points at nobody), 5 and more as the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

#: the smallest count that is shown as its value
MIN_SHOWN = 5
PRIMARY = "<5"
COMPLEMENTARY = "x"

Cell = int | str


def is_small(value: int) -> bool:
    """Tell whether a count must be hidden by itself (1..4)."""
    return 0 < value < MIN_SHOWN


def shown(value: int) -> Cell:
    """Return a lone count as it may be shown: "<5" for 1..4, else the number."""
    return PRIMARY if is_small(value) else value


@dataclass
class Table:
    """A table of counts: rows x columns, with row totals and a totals row if asked.

    ``cells`` are filled with the raw counts; ``suppress()`` returns what may be shown.
    """

    columns: list[str]
    rows: list[str]
    counts: list[list[int]]
    row_totals: bool = True
    column_totals: bool = True
    hidden: set[tuple[int, int]] = field(default_factory=set)

    def grid(self) -> list[list[int]]:
        """Return the counts with the totals column and the totals row added."""
        out = [list(row) for row in self.counts]
        if self.row_totals:
            for row in out:
                row.append(sum(row))
        if self.column_totals:
            width = len(out[0]) if out else len(self.columns) + self.row_totals
            out.append([sum(row[c] for row in out) for c in range(width)])
        return out


def suppress(table: Table) -> list[list[Cell]]:
    """Return the table's grid (with totals) as it may be shown."""
    grid = table.grid()
    if not grid:
        return []
    height, width = len(grid), len(grid[0])
    primary = {
        (r, c) for r in range(height) for c in range(width) if is_small(grid[r][c])
    }
    hidden = set(primary)
    lines: list[list[tuple[int, int]]] = []
    inner_rows = height - 1 if table.column_totals else height
    inner_cols = width - 1 if table.row_totals else width
    if table.row_totals:  # each row sums to its last cell
        lines += [[(r, c) for c in range(width)] for r in range(height)]
    if table.column_totals:  # each column sums to its last cell
        lines += [[(r, c) for r in range(height)] for c in range(width)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            total = line[-1]
            candidates = [
                cell
                for cell in line[:-1]
                if cell not in hidden and grid[cell[0]][cell[1]] > 0
            ]
            if not candidates and total not in hidden and grid[total[0]][total[1]] > 0:
                candidates = [total]
            if not candidates:
                continue
            pick = min(candidates, key=lambda cell: (grid[cell[0]][cell[1]], cell))
            hidden.add(pick)
            changed = True
    del inner_rows, inner_cols
    return [
        [
            (PRIMARY if (r, c) in primary else COMPLEMENTARY)
            if (r, c) in hidden
            else grid[r][c]
            for c in range(width)
        ]
        for r in range(height)
    ]
