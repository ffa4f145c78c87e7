"""Server-rendered, accessible SVG charts: no script, no inline style (strict CSP).

A chart is plain data (coordinates and texts) that the macros in
``templates/macros/charts.html`` draw with SVG presentation attributes only. Every
chart has a title, a one-sentence text summary and the table behind it (the caller
renders the table: ``rows``), so a screen reader or a printout loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

#: the drawing area of every chart (viewBox units)
WIDTH = 300
LEFT = 40
#: gap between the value axis and a line chart's first point
INSET = 16


@dataclass
class LineChart:
    """A line over labelled points (a measure across timepoints, a rate by month)."""

    id: str
    title: str
    summary: str
    points: list[tuple[float, float, str, str]]  # x, y, label, value text
    path: str
    high: float
    width: int = WIDTH
    height: int = 140
    ticks: list[tuple[float, str]] = field(default_factory=list)
    #: (x, text) of each label on the axis
    labels: list[tuple[float, str]] = field(default_factory=list)
    #: (label, value text) for the table behind the chart
    rows: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Bar:
    """One horizontal bar: its label, where it is drawn and the value it shows."""

    label: str
    value_text: str
    y: float
    length: float
    #: the link to the records behind the bar ("" for none)
    href: str = ""


@dataclass
class BarChart:
    """Horizontal bars, one per row: readable on a 360 px phone and in print."""

    id: str
    title: str
    summary: str
    bars: list[Bar]
    high: float
    width: int = WIDTH
    height: int = 40
    label_width: int = 0
    bar_left: float = 0
    bar_width: float = 0
    rows: list[tuple[str, str]] = field(default_factory=list)


def _text(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    number = int(value) if float(value).is_integer() else round(value, 1)
    return f"{number}{unit}"


def line_chart(
    chart_id: str,
    title: str,
    values: Sequence[tuple[str, float | None]],
    high: float,
    summary: str,
    unit: str = "",
) -> LineChart:
    """Plot ``values`` (label, value or None for a gap) on 0..``high``."""
    high = high or 1
    # The first point sits in from the axis, so its value does not run into the
    # axis labels ("100%" beside "86%").
    left, top, width, height = LEFT + INSET, 12, 210 - INSET, 100
    step = width / max(len(values) - 1, 1)
    points = []
    for i, (label, value) in enumerate(values):
        if value is None:
            continue
        x = left + i * step
        y = top + height - (min(value, high) / high) * height
        points.append((round(x, 1), round(y, 1), label, _text(value, unit)))
    path = " ".join(
        ("M" if n == 0 else "L") + f"{x},{y}" for n, (x, y, _, _) in enumerate(points)
    )
    ticks = [
        (round(top + height - f * height, 1), f"{round(high * f)}{unit}")
        for f in (0, 0.5, 1)
    ]
    # Long series: label every other point so the texts do not overlap.
    every = 1 if len(values) <= 6 else 2
    labels = [
        (round(left + i * step, 1), label)
        for i, (label, _) in enumerate(values)
        if i % every == 0
    ]
    rows = [(label, _text(value, unit)) for label, value in values]
    return LineChart(
        chart_id,
        title,
        summary,
        points,
        path,
        high,
        ticks=ticks,
        labels=labels,
        rows=rows,
    )


#: height of one bar row (viewBox units)
BAR_ROW = 22
#: room for a bar's label, left of the bar (viewBox units); labels are 11 units high
LABEL_WIDTH = 120
_NARROW = frozenset("fijlI.,:;'!|() ")
_SLIM = frozenset("rt")
_WIDE = frozenset("mwMWЖШЩЮМДФЫ")


def text_width(text: str, size: float = 11) -> float:
    """Estimate the width of ``text`` in a sans-serif font of ``size`` units.

    Generous on purpose (an upper bound for the usual fonts): a label estimated to fit
    is never clipped by the chart's left edge.
    """
    ems = sum(
        0.35
        if c in _NARROW
        else 0.45
        if c in _SLIM
        else 1.0
        if c in _WIDE
        else 0.75
        if c.isupper()
        else 0.63
        for c in text
    )
    return ems * size


def fit_label(label: str, width: float, size: float = 11) -> str:
    """Return ``label``, shortened with "…" until it fits ``width`` units."""
    if text_width(label, size) <= width:
        return label
    short = label
    while short and text_width(short + "…", size) > width:
        short = short[:-1]
    return short.rstrip() + "…"


def bar_chart(
    chart_id: str,
    title: str,
    items: list[tuple[str, float | None]],
    summary: str,
    unit: str = "",
    high: float | None = None,
    hrefs: list[str] | None = None,
    texts: list[str] | None = None,
) -> BarChart:
    """Draw one bar per (label, value); None draws no bar (a hidden or missing value).

    ``texts`` replace the value texts (e.g. "<5" for a suppressed count);
    ``hrefs`` link each bar to its records.
    """
    values = [v for _, v in items if v is not None]
    top = high if high else max(values, default=0) or 1
    label_width = LABEL_WIDTH
    bar_left = label_width + 4
    bar_width = WIDTH - bar_left - 40
    bars = []
    rows = []
    for i, (label, value) in enumerate(items):
        text = texts[i] if texts is not None else _text(value, unit)
        length = (
            0.0
            if value is None
            else round(max(0.0, min(value, top)) / top * bar_width, 1)
        )
        short = fit_label(label, label_width - 2)
        bars.append(
            Bar(short, text, 6 + i * BAR_ROW, length, hrefs[i] if hrefs else "")
        )
        rows.append((label, text))
    return BarChart(
        chart_id,
        title,
        summary,
        bars,
        top,
        height=12 + len(items) * BAR_ROW,
        label_width=label_width,
        bar_left=bar_left,
        bar_width=bar_width,
        rows=rows,
    )
