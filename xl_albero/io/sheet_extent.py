"""The extent of a sheet's cells from its XML, before any reader allocates its grid.

A reader (calamine) allocates the whole grid the cells span: one far cell (``XFD1048576``)
would make it allocate billions of cells. ``sheet_extent`` finds how many cells a sheet
has and the grid they span, in time proportional to the XML and memory proportional to
nothing; ``file_source.grid_problem`` refuses sparse sheets and references beyond Excel's
limits with it.

Small parts are read with a regex, one reference at a time. A big part with far
references (a tree of 1,000,000 objectives reaches row 1,000,001) is read as byte arrays
a few tens of MB at a time (``extent_of_refs``): 16 million references take ~2.5 s
instead of ~13 s, and no list of them is ever built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xl_albero.io.xmlscan import col_index

if TYPE_CHECKING:
    import numpy as np

#: Excel's limits: 1,048,576 rows and 16,384 columns (XFD).
MAX_ROWS = 1_048_576
MAX_COLS = 16_384
#: A sheet whose cells span more than this many grid cells, and more than
#: ``SPARSE_FACTOR`` times the cells present, is not read as a dense grid.
GRID_MIN_CELLS = 4_000_000
SPARSE_FACTOR = 4
#: Sheet parts up to this size get the exact extent pass (~15 ms per MB); bigger ones a
#: one-pattern pass for references far out (column beyond Z, row beyond 999,999) first
#: (~1 ms per MB): those with one get the exact pass, vectorized (``extent_of_refs``).
EXACT_SCAN_BYTES = 1 << 20

#: Big parts: a column beyond Z or a row beyond 999,999 sends them to the exact pass.
_FAR_REF = re.compile(rb'r="[A-Z](?:[A-Z]|\d{7})')
#: Every ``r="..."`` (cells and rows; an attribute merely ending in ``r`` only makes the
#: check stricter). Quotes other than ``"`` send the part to the exact pass too.
_ANY_REF = re.compile(rb'r="([A-Z]*)(\d*)"')
_ANY_REF_LOOSE = re.compile(rb'r\s*=\s*["\']([A-Z]*)(\d*)["\']')
_LOOSE_MARKS = (b"r='", b"r =", b"r= ", b"r\t", b"r\n", b"r\r", b"=\t", b"=\n", b"=\r")


@dataclass(frozen=True)
class Extent:
    """The cells of a sheet: how many carry a reference, the grid they span, the farthest
    one, and the first reference beyond Excel's limits (``None`` if none)."""

    cells: int
    area: int
    far: str
    beyond: str | None = None

    @property
    def sparse(self) -> bool:
        return self.area > max(GRID_MIN_CELLS, SPARSE_FACTOR * self.cells)


def sheet_extent(data: bytes) -> Extent | None:
    """The extent of a sheet's cells from its XML, in time proportional to its size and
    memory proportional to nothing; ``None`` when a big part has no far reference (its
    grid is then bounded by its own size)."""
    if len(data) > EXACT_SCAN_BYTES:
        if b"r='" not in data and not _FAR_REF.search(data):
            return None
        loose = b"r='" in data
        if not loose:
            return extent_of_refs(data)
    else:
        loose = any(m in data for m in _LOOSE_MARKS)
    rmin = cmin = 1 << 62
    rmax = cmax = -1
    n = 0
    far = ""
    for letters, digits in (_ANY_REF_LOOSE if loose else _ANY_REF).findall(data):
        if _beyond(letters, digits):
            return Extent(n, 0, far, (letters + digits).decode("ascii"))
        if not letters or not digits:  # a <row r=...>: checked, not counted
            continue
        r, c = int(digits), col_index(letters)
        n += 1
        if r > rmax or c > cmax:
            far = (letters + digits).decode("ascii")
        rmin, rmax, cmin, cmax = min(rmin, r), max(rmax, r), min(cmin, c), max(cmax, c)
    area = (rmax - rmin + 1) * (cmax - cmin + 1) if n else 0
    return Extent(n, area, far)


def _beyond(letters: bytes, digits: bytes) -> bool:
    """A reference Excel cannot hold: over 3 letters or 7 digits, letters without a row,
    a row outside 1-1,048,576 or a column past XFD."""
    return (len(letters) > 3 or len(digits) > 7 or bool(letters and not digits)
            or bool(digits and not 1 <= int(digits) <= MAX_ROWS)
            or bool(letters and digits and col_index(letters) >= MAX_COLS))


_R, _EQ, _QUOTE = ord("r"), ord("="), ord('"')
#: Bytes looked at after ``r="``: 3 letters, 7 digits, the closing quote, one spare.
_W = 12
#: Bytes of XML looked at per step of ``extent_of_refs``.
CHUNK = 1 << 25


def extent_of_refs(data: bytes, chunk: int = CHUNK) -> Extent:
    """``Extent`` of the references ``r="[A-Z]*[0-9]*"`` of ``data`` (rows and cells), as
    the regex pass of ``sheet_extent`` computes it for double-quoted references."""
    import numpy as np  # only for big parts with far references: the reader stays light

    buf = np.frombuffer(data, dtype=np.uint8)
    state = _State()
    for start in range(0, len(buf), chunk):
        stop = min(start + chunk, len(buf))
        # the chunk and the bytes a reference starting in it may reach (zeros past the end)
        seg = buf[start:stop + 3 + _W]
        if len(seg) < stop - start + 3 + _W:
            seg = np.concatenate([seg, np.zeros(stop - start + 3 + _W - len(seg), np.uint8)])
        hit = seg[:stop - start] == _R
        hit &= seg[1:stop - start + 1] == _EQ
        hit &= seg[2:stop - start + 2] == _QUOTE
        pos = np.flatnonzero(hit)
        if not len(pos):
            continue
        # each reference's bytes as one row of a strided view of the chunk
        rows = np.lib.stride_tricks.as_strided(seg, shape=(stop - start + 3, _W),
                                               strides=(1, 1), writeable=False)
        if state.add(data, rows[pos + 3], pos + start) is not None:
            break
    return state.result()


class _State:
    def __init__(self) -> None:
        self.n = 0
        self.rmin = self.cmin = 1 << 62
        self.rmax = self.cmax = -1
        self.far = ""
        self.beyond: str | None = None

    def result(self) -> Extent:
        if self.beyond is not None:
            return Extent(self.n, 0, self.far, self.beyond)
        area = ((self.rmax - self.rmin + 1) * (self.cmax - self.cmin + 1)) if self.n else 0
        return Extent(self.n, area, self.far)

    def add(self, data: bytes, win: np.ndarray, pos: np.ndarray) -> str | None:
        """Take the references starting at ``pos`` (offsets of ``r="``), in file order;
        ``win`` holds the ``_W`` bytes after each ``r="`` (zeros past the end)."""
        import numpy as np

        upper = (win >= ord("A")) & (win <= ord("Z"))
        digit = (win >= ord("0")) & (win <= ord("9"))
        letters = np.where(upper.all(axis=1), _W, upper.argmin(axis=1))
        after = np.arange(_W)[None, :] >= letters[:, None]
        run = digit | ~after  # digits once the letters end
        digits = np.where(run.all(axis=1), _W, run.argmin(axis=1)) - letters
        end = letters + digits
        rows = np.arange(len(pos))
        full = end >= _W  # too long to see here: the regex decides, one reference at a time
        quoted = ~full & (win[rows, np.minimum(end, _W - 1)] == _QUOTE)
        letters, digits = letters.astype(np.int64), digits.astype(np.int64)
        r = np.zeros(len(pos), dtype=np.int64)
        c = np.zeros(len(pos), dtype=np.int64)
        for j in range(_W):
            in_l = j < letters
            in_d = (j >= letters) & (j < end)
            c = np.where(in_l, c * 26 + (win[:, j].astype(np.int64) - 64), c)
            r = np.where(in_d & (j < letters + 7), r * 10 + (win[:, j].astype(np.int64) - 48), r)
        c -= 1
        bad = quoted & ((letters > 3) | (digits > 7) | ((letters > 0) & (digits == 0))
                        | ((digits > 0) & ((r > MAX_ROWS) | (r < 1)))
                        | ((letters > 0) & (digits > 0) & (c >= MAX_COLS)))
        # references the window cannot hold: decided exactly, in file order with the rest
        slow = np.flatnonzero(full)
        first_bad = int(np.argmax(bad)) if bad.any() else len(pos)
        for i in slow[slow < first_bad].tolist():
            m = _ANY_REF.match(data, int(pos[i]))
            if m is None:
                continue
            lt, dg = m.group(1), m.group(2)
            if _beyond(lt, dg):
                first_bad = i
                break
            quoted[i] = True  # a long but valid reference (leading zeros): keep it
            letters[i], digits[i] = len(lt), len(dg)
            r[i], c[i] = int(dg or 0), (col_index(lt) if lt else -1)
        cells = quoted & (letters > 0) & (digits > 0)
        cells[first_bad:] = False
        idx = np.flatnonzero(cells)
        if len(idx):
            rr, cc = r[idx], c[idx]
            prev_r = np.maximum.accumulate(np.concatenate([[self.rmax], rr[:-1]]))
            prev_c = np.maximum.accumulate(np.concatenate([[self.cmax], cc[:-1]]))
            grows = np.flatnonzero((rr > prev_r) | (cc > prev_c))
            if len(grows):
                i = int(idx[grows[-1]])
                self.far = _text(data, int(pos[i]), int(letters[i] + digits[i]))
            self.n += len(idx)
            self.rmin, self.rmax = min(self.rmin, int(rr.min())), max(self.rmax, int(rr.max()))
            self.cmin, self.cmax = min(self.cmin, int(cc.min())), max(self.cmax, int(cc.max()))
        if first_bad < len(pos):
            m = _ANY_REF.match(data, int(pos[first_bad]))
            assert m is not None
            self.beyond = (m.group(1) + m.group(2)).decode("ascii")
        return self.beyond


def _text(data: bytes, at: int, length: int) -> str:
    return data[at + 3:at + 3 + length].decode("ascii")
