"""Ribbon icons: small PNGs drawn in code (coloured tile + white initial), no network.

``python -m xl_albero.server.icons`` rewrites ``project/static/images/icons/``; a test
checks the committed files equal what this module draws.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from xl_albero.server.ribbon import ICON_SIZES, icon_names
from xl_albero.server.settings import PROJECT_DIR

ICON_DIR = PROJECT_DIR / "static" / "images" / "icons"

#: 5x7 glyphs of the initials used.
GLYPHS: dict[str, tuple[str, ...]] = {
    "V": ("10001", "10001", "10001", "10001", "01010", "01010", "00100"),
    "S": ("01111", "10000", "10000", "01110", "00001", "00001", "11110"),
    "R": ("11110", "10001", "10001", "11110", "10100", "10010", "10001"),
    "N": ("10001", "11001", "10101", "10011", "10001", "10001", "10001"),
    "I": ("11111", "00100", "00100", "00100", "00100", "00100", "11111"),
    "P": ("11110", "10001", "10001", "11110", "10000", "10000", "10000"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
}
COLOURS: dict[str, tuple[int, int, int]] = {
    "valida": (46, 125, 50), "settori": (21, 101, 192), "riepilogo": (106, 27, 154),
    "nuovo_ciclo": (230, 81, 0), "invia": (0, 131, 143), "pannello": (55, 71, 79),
    "relazione": (40, 53, 147),
    "raccogli": (173, 20, 87),
}


def icon_file(name: str, size: int) -> str:
    return f"albero-{name}-{size}.png"


def _png(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    raw = b"".join(b"\x00" + b"".join(struct.pack("4B", *p) for p in row) for row in pixels)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def draw(name: str, size: int) -> bytes:
    """A ``size``x``size`` PNG: rounded tile in the command colour with its initial."""
    r, g, b = COLOURS.get(name, (55, 71, 79))
    glyph = GLYPHS.get(name[:1].upper(), GLYPHS["A"])
    radius = max(2, size // 6)
    scale = max(1, (size * 6 // 10) // 7)
    gw, gh = 5 * scale, 7 * scale
    ox, oy = (size - gw) // 2, (size - gh) // 2
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            cx = min(max(x, radius), size - 1 - radius)
            cy = min(max(y, radius), size - 1 - radius)
            inside = (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
            px = (0, 0, 0, 0)
            if inside:
                px = (r, g, b, 255)
                gx, gy = (x - ox) // scale, (y - oy) // scale
                if 0 <= x - ox < gw and 0 <= y - oy < gh and glyph[gy][gx] == "1":
                    px = (255, 255, 255, 255)
            row.append(px)
        rows.append(row)
    return _png(size, size, rows)


def expected() -> dict[str, bytes]:
    return {icon_file(n, s): draw(n, s) for n in icon_names() for s in ICON_SIZES}


def write(folder: Path = ICON_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for fname, data in expected().items():
        path = folder / fname
        path.write_bytes(data)
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover
    for p in write():
        print(p)
