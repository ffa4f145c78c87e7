"""Draw the app icons (PNG, standard library only): `python tools/make_icons.py`.

Writes fieldapp/static/icons/icon-{192,512}.png, maskable-{192,512}.png and icon.svg: a
white form card with a check mark on the brand colour. Maskable icons keep the drawing
inside the central 60 % so any mask shape leaves it whole.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "fieldapp" / "static" / "icons"
BRAND = (0x1F, 0x4E, 0x5F)
WHITE = (0xFF, 0xFF, 0xFF)
ACCENT = (0x2E, 0x9E, 0x6B)
LINE = (0xB8, 0xC7, 0xCE)

# Shapes in a 100x100 box: (kind, colour, x0, y0, x1, y1[, radius]).
CARD = [
    ("round", WHITE, 26, 16, 74, 84, 6),
    ("rect", LINE, 34, 30, 66, 35),
    ("rect", LINE, 34, 42, 66, 47),
    ("rect", LINE, 34, 54, 56, 59),
    ("circle", ACCENT, 62, 70, 62, 70, 13),
]
CHECK = [((55.5, 70.0), (60.5, 75.5)), ((60.5, 75.5), (69.0, 64.5))]


def _inside(shape: tuple, x: float, y: float) -> bool:
    kind, _colour, x0, y0, x1, y1, *rest = shape
    if kind == "rect":
        return x0 <= x <= x1 and y0 <= y <= y1
    if kind == "circle":
        return (x - x0) ** 2 + (y - y0) ** 2 <= rest[0] ** 2
    radius = rest[0]
    cx = min(max(x, x0 + radius), x1 - radius)
    cy = min(max(y, y0 + radius), y1 - radius)
    return (
        x0 <= x <= x1 and y0 <= y <= y1 and (x - cx) ** 2 + (y - cy) ** 2 <= radius**2
    )


def _near_check(x: float, y: float, width: float = 2.2) -> bool:
    for (ax, ay), (bx, by) in CHECK:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        if (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= width**2:
            return True
    return False


def render(size: int, scale: float) -> bytes:
    """Return RGB rows of the icon; ``scale`` shrinks the drawing around the centre."""
    rows = []
    for py in range(size):
        row = bytearray([0])  # PNG filter: none
        for px in range(size):
            # Sample the pixel centre, mapped into the 100x100 drawing box.
            x = 50 + ((px + 0.5) / size * 100 - 50) / scale
            y = 50 + ((py + 0.5) / size * 100 - 50) / scale
            colour = BRAND
            for shape in CARD:
                if _inside(shape, x, y):
                    colour = shape[1]
            if _near_check(x, y):
                colour = WHITE
            row += bytes(colour)
        rows.append(bytes(row))
    return b"".join(rows)


def png(size: int, raw: bytes) -> bytes:
    """Wrap raw RGB rows in a PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="18" fill="#1f4e5f"/>
<rect x="26" y="16" width="48" height="68" rx="6" fill="#fff"/>
<rect x="34" y="30" width="32" height="5" fill="#b8c7ce"/>
<rect x="34" y="42" width="32" height="5" fill="#b8c7ce"/>
<rect x="34" y="54" width="22" height="5" fill="#b8c7ce"/>
<circle cx="62" cy="70" r="13" fill="#2e9e6b"/>
<path d="M55.5 70 60.5 75.5 69 64.5" fill="none" stroke="#fff" stroke-width="4.4"
 stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""


def main() -> None:
    """Write every icon file."""
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (ICONS / f"icon-{size}.png").write_bytes(png(size, render(size, 1.0)))
        (ICONS / f"maskable-{size}.png").write_bytes(png(size, render(size, 0.72)))
    (ICONS / "icon.svg").write_text(SVG, encoding="utf-8")


if __name__ == "__main__":
    main()
