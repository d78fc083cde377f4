"""Readable sheets on screen and on paper: widths, wrapping, row heights, printed columns.

Pure functions (no file I/O); the writers in ``io/`` apply the result.

Neither Excel nor LibreOffice reliably grows the rows of a generated file to fit wrapped
text, so the writers set explicit row heights estimated here from the text and the column
width. The estimate is a greedy word wrap with per-character widths measured in units of
the default font's digit width (Excel's column-width unit), on the generous side: a little
white space in Excel rather than overlapping lines in LibreOffice, which often renders
Calibri with a wider substitute font.

Printing: A4 landscape, fitted to one page wide, but only when the printed columns fit at
a legible scale (``MIN_SCALE``). Otherwise the least important columns are left out of the
print (``print_plan``); the writers hide them in a collapsible column group, so they stay
in the workbook, one click (or *Scopri*) away.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import cast

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero.per_sector import ROLE_COLUMN as ROLE

#: Pixels per width unit (the digit width of Calibri 11 at 96 dpi) and per column padding.
UNIT_PX = 7.0
PAD_PX = 5.0
#: Printable width of an A4 landscape page with 0.4" side margins, in pixels at 96 dpi.
PAGE_WIDTH_PX = (297 / 25.4 - 0.8) * 96
#: Printable height (0.6" top/bottom margins minus header/footer room), in points.
PAGE_HEIGHT_PT = (210 / 25.4 - 1.2) * 72 - 20
#: The smallest print scale that stays legible (Calibri 11 at 68 % ≈ 7.5 pt).
MIN_SCALE = 0.68
#: Points per line of 11-pt text, and the tallest row Excel allows.
LINE_PT = 15.0
MAX_ROW_PT = 409.0

#: Compact widths (characters) for the known columns of sector sheets: long texts wrap.
COMPACT_WIDTHS: dict[str, float] = {
    ROLE: 12, C.CODICE: 10, C.ANNO: 7, C.AREA: 16, C.STRATEGICO: 22, C.PLURIENNALE: 30,
    C.PERIODO: 11, C.OPERATIVO: 40, C.RESPONSABILE: 18, C.COINVOLTI: 18, C.INDICATORE: 22,
    C.TARGET: 14, C.PESO: 7, C.STATO: 12, C.AVANZAMENTO: 13, C.CODICE_ORIGINE: 10,
}
#: Width cap for columns the program does not know.
MAX_UNKNOWN_WIDTH = 30.0
#: Columns in the order they earn a place on paper; unknown columns come after them and
#: ``Codice origine`` last.
PRINT_PRIORITY: tuple[str, ...] = (
    ROLE, C.CODICE, C.OPERATIVO, C.RESPONSABILE, C.COINVOLTI, C.INDICATORE, C.TARGET,
    C.PESO, C.STATO, C.AVANZAMENTO, C.PLURIENNALE, C.PERIODO, C.STRATEGICO, C.AREA, C.ANNO,
)

_NARROW = set("iIjlrtf.,;:'|!()[]{} ")
_WIDE = set("mwMW@%")
_UNITS = {"U": 1.15, "N": 0.5, "W": 1.4}
_OTHER = 1.0


def _char_class(i: int) -> bytes:
    ch = bytes([i]).decode("latin-1")
    if ch in _NARROW:
        return b"N"
    if ch in _WIDE:
        return b"W"
    return b"U" if ch.isupper() else b"o"


# every Latin-1 byte to its width class: U (capital), N (narrow), W (wide), o (other)
_CLASSES = bytes(b"".join(_char_class(i) for i in range(256)))


def char_units(ch: str) -> float:
    """Width of one character in digit-width units (generous; see the module doc)."""
    return text_units(ch)


def text_units(text: str, bold: bool = False) -> float:
    """Width of a one-line text in digit-width units."""
    t = text.encode("latin-1", "replace").translate(_CLASSES)
    u, n, w = t.count(b"U"), t.count(b"N"), t.count(b"W")
    units = _OTHER * (len(t) - u - n - w) + _UNITS["U"] * u + _UNITS["N"] * n + _UNITS["W"] * w
    return units * 1.1 if bold else units


def wrapped_lines(text: str, width: float, *, bold: bool = False) -> int:
    """Lines a text takes in a wrapping cell ``width`` characters wide (greedy word wrap;
    a word longer than the line is broken, as Excel does)."""
    cap = max(width - 0.8, 1.0)
    scale = 1.1 if bold else 1.0
    total = 0
    for para in str(text).split("\n"):
        if len(para) * 1.5 * scale <= cap:  # surely one line
            total += 1
            continue
        lines, used = 1, 0.0
        space = char_units(" ") * scale
        for word in para.split(" "):
            w = text_units(word) * scale
            need = w if used == 0 else used + space + w
            if need <= cap:
                used = need
                continue
            if used > 0:
                lines += 1
            if w > cap:  # broken across lines
                extra = math.ceil(w / cap)
                lines += extra - 1
                used = w - (extra - 1) * cap
            else:
                used = w
        total += lines
    return max(total, 1)


#: Room a greedy word wrap typically leaves empty at the end of a line (width units).
WRAP_SLACK = 3.5


def estimated_lines(text: str, width: float, units: float | None = None) -> int:
    """A fast, slightly generous estimate of ``wrapped_lines`` for the data rows of big
    tables: each paragraph's width over the line width less the typical slack
    (``units``: the text's ``text_units`` when known and it has no line break)."""
    cap = max(width - 0.8, 1.0)
    per_line = max(cap - WRAP_SLACK, cap * 0.6)
    if "\n" not in text:
        u = text_units(text) if units is None else units
        return 1 if u <= cap else math.ceil(u / per_line)
    total = 0
    for para in text.split("\n"):
        u = text_units(para)
        total += 1 if u <= cap else math.ceil(u / per_line)
    return max(total, 1)


def lines_height(lines: int, *, line_pt: float = LINE_PT) -> float:
    return float(min(lines * line_pt + (2 if lines > 1 else 0), MAX_ROW_PT))


def _text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
        return None
    s = v if type(v) is str else str(v)
    return s if s.strip() else None


def fit_width(name: str, values: Sequence[object], *, preferred: float | None = None,
              cap: float = MAX_UNKNOWN_WIDTH, longest: float | None = None) -> float:
    """A column width: ``preferred`` (or ``cap``) for long texts, narrower when the
    content and the header's longest word are narrower (``longest``: the width of the
    content's widest line, when already measured)."""
    limit = preferred if preferred is not None else cap
    if longest is None:
        longest = longest_units(values)
    head_word = max((text_units(w, bold=True) for w in str(name).split()), default=4.0)
    need = max(longest, head_word) + 1.5
    return float(round(min(max(need, 6.0), max(limit, head_word + 1.5)), 1))


_WIDEST = max(_UNITS.values())  # no text is wider than this many units a character


def _line_units(t: str) -> float:
    return max(text_units(p) for p in t.split("\n")) if "\n" in t else text_units(t)


# Vectorised measuring: each Latin-1 byte stands for its class as a count packed in one
# int64 (capitals in bits 0-19, narrow 20-39, wide 40-59), so that summing a text's bytes
# counts its classes exactly; the counts then go through text_units' own formula.
_FIELD_BITS = 20
_FIELD = (1 << _FIELD_BITS) - 1
_PACKED = np.array([{ord("U"): 1, ord("N"): 1 << _FIELD_BITS,
                     ord("W"): 1 << 2 * _FIELD_BITS}.get(c, 0) for c in _CLASSES],
                   dtype=np.int64)
#: Characters counted at once (bounds the temporary arrays to a few MB).
_CHUNK = 1 << 20


def texts_units(texts: Sequence[str]) -> np.ndarray:
    """``text_units`` of each of ``texts`` (a line break counts as one ordinary character,
    as there), bit for bit the same floats, counted for all texts at once."""
    return _texts_units(texts, np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))


def _texts_units(texts: Sequence[str], lens: np.ndarray) -> np.ndarray:
    n = len(texts)
    out = np.zeros(n, dtype=np.float64)
    if not n:
        return out
    for i in np.flatnonzero(lens > _FIELD).tolist():  # a count could overflow its field
        out[i] = text_units(texts[i])
    idx = np.flatnonzero((lens > 0) & (lens <= _FIELD))
    if not idx.size:
        return out
    sel = texts if idx.size == n else [texts[i] for i in idx.tolist()]
    # "replace" keeps one byte per character (a non-Latin-1 one becomes "?", an "other")
    buf = "".join(sel).encode("latin-1", "replace")
    ln = lens[idx]
    ends = np.cumsum(ln)
    starts = ends - ln
    packed = np.empty(idx.size, dtype=np.int64)
    a = 0
    while a < idx.size:
        b = max(int(np.searchsorted(ends, starts[a] + _CHUNK, side="right")), a + 1)
        lo, hi = int(starts[a]), int(ends[b - 1])
        classes = _PACKED[np.frombuffer(buf, dtype=np.uint8, count=hi - lo, offset=lo)]
        packed[a:b] = np.add.reduceat(classes, starts[a:b] - lo)  # texts are not empty
        a = b
    u = packed & _FIELD
    nn = (packed >> _FIELD_BITS) & _FIELD
    w = packed >> 2 * _FIELD_BITS
    # the same operations, in the same order, as text_units
    out[idx] = (_OTHER * (ln - u - nn - w) + _UNITS["U"] * u + _UNITS["N"] * nn
                + _UNITS["W"] * w)
    return out


def _lines_count(units: np.ndarray, width: float) -> np.ndarray:
    """``estimated_lines`` of one-line texts of these widths (int64)."""
    cap = max(width - 0.8, 1.0)
    per_line = max(cap - WRAP_SLACK, cap * 0.6)
    return np.where(units <= cap, 1.0, np.ceil(units / per_line)).astype(np.int64)


@dataclass(frozen=True)
class ColumnTexts:
    """The distinct values of one column (``column``, row by row), each measured once.

    Per distinct value (``values``, in order of appearance): ``has_text`` (it shows
    text: a string, or a value whose text is not blank), ``lengths`` (characters),
    ``blank`` (white space only), ``is_str`` (a string), ``units`` (the width of its
    longest line). Texts with line breaks (``multi``) also keep the width of each line:
    ``line_units``, those of ``multi[k]`` from ``line_starts[k]``."""

    column: Sequence[object]
    values: list[object]
    has_text: np.ndarray
    lengths: np.ndarray
    blank: np.ndarray
    is_str: np.ndarray
    units: np.ndarray
    multi: np.ndarray
    line_starts: np.ndarray
    line_units: np.ndarray

    def codes(self) -> np.ndarray:
        """The index in ``values`` of each row's value."""
        n = len(self.column)
        if len(self.values) == n:  # every row a value of its own, in order
            return np.arange(n, dtype=np.int64)
        index = dict(zip(self.values, range(len(self.values)), strict=True))
        return np.fromiter(map(index.__getitem__, self.column), dtype=np.int64, count=n)

    @property
    def has_break(self) -> np.ndarray:
        """Which values have a line break."""
        out = np.zeros(len(self.values), dtype=bool)
        out[self.multi] = True
        return out

    @property
    def longest(self) -> float:
        """The width of the widest line (0 when nothing shows text)."""
        shown = self.units[self.has_text]
        return float(shown.max()) if shown.size else 0.0

    def candidates(self, floor: float) -> np.ndarray:
        """Which values may be wider than ``floor`` (the others are surely not)."""
        return self.has_text & (self.lengths > floor / _WIDEST) & ~self.blank

    def lines(self, width: float, floor: float | None = None) -> np.ndarray:
        """``estimated_lines`` of each value in a column ``width`` wide, 1 for the values
        surely narrower than ``floor`` (default ``width - 0.8``) and those with no text."""
        lines = _lines_count(self.units, width)
        if self.multi.size:
            per_line = _lines_count(self.line_units, width)
            lines[self.multi] = np.maximum(np.add.reduceat(per_line, self.line_starts), 1)
        lines[~self.candidates(width - 0.8 if floor is None else floor)] = 1
        return lines


def measure_column(values: Sequence[object]) -> ColumnTexts:
    """Measure the distinct values of a column once (``ColumnTexts``)."""
    try:
        distinct = list(dict.fromkeys(values))
    except TypeError:  # unhashable values: measured by their text
        values = [str(v) for v in values]
        distinct = list(dict.fromkeys(values))
    n = len(distinct)
    if set(map(type, distinct)) <= {str}:  # the usual case: every value a string
        texts = cast(list[str], distinct)
        has_text = is_str = np.ones(n, dtype=bool)
    else:
        found = [v if type(v) is str else _text(v) for v in distinct]
        texts = [t if t is not None else "" for t in found]
        has_text = np.array([t is not None for t in found], dtype=bool).reshape(n)
        is_str = np.array([isinstance(v, str) for v in distinct], dtype=bool).reshape(n)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    units = _texts_units(texts, lengths)
    multi = [i for i, t in enumerate(texts) if "\n" in t] if any(
        map(str.__contains__, texts, repeat("\n"))) else []
    starts = np.zeros(0, dtype=np.int64)
    line_units = np.zeros(0)
    if multi:
        lines = [texts[i].split("\n") for i in multi]
        counts = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        starts = np.cumsum(counts) - counts
        line_units = texts_units([line for ls in lines for line in ls])
        units[multi] = np.maximum.reduceat(line_units, starts)
    return ColumnTexts(
        column=values, values=distinct, has_text=has_text, lengths=lengths,
        blank=np.array(list(map(str.isspace, texts)), dtype=bool).reshape(n),
        is_str=is_str, units=units, multi=np.asarray(multi, dtype=np.int64),
        line_starts=starts, line_units=line_units)


def longest_units(values: Sequence[object]) -> float:
    """The width of the widest line among ``values`` (width units)."""
    return measure_column(values).longest


def header_height(names: Sequence[str], widths: Sequence[float]) -> float:
    """Height of a bold, wrapping header row."""
    lines = max((wrapped_lines(n, w, bold=True) for n, w in zip(names, widths, strict=True)),
                default=1)
    return lines_height(lines)


def row_heights(columns: Sequence[Sequence[object]], widths: Sequence[float],
                wrap: Sequence[bool], measured: Sequence[ColumnTexts] | None = None,
                ) -> list[float | None]:
    """Height of each row (``None``: one line, the default height) from its wrapped cells.

    ``columns`` is column-major (one list of values per column). Distinct texts are
    measured once per column (``measured``: already, by ``measure_column``).
    """
    n = len(columns[0]) if columns else 0
    lines = np.ones(n, dtype=np.int64)
    for j, (col, w, wr) in enumerate(zip(columns, widths, wrap, strict=True)):
        if not wr:
            continue
        m = measured[j] if measured is not None else measure_column(col)
        per_value = m.lines(w)
        if not per_value.size or per_value.max() <= 1:
            continue
        np.maximum(lines, per_value[m.codes()], out=lines)
    heights = np.minimum(lines * LINE_PT + 2, MAX_ROW_PT).astype(object)
    heights[lines <= 1] = None  # == lines_height(k) for k > 1
    return heights.tolist()


def columns_px(widths: Iterable[float]) -> float:
    return sum(w * UNIT_PX + PAD_PX for w in widths)


def print_scale(widths: Iterable[float]) -> float:
    """The scale at which these columns fill the page width (capped at 100 %)."""
    px = columns_px(widths)
    return 1.0 if px <= 0 else min(1.0, PAGE_WIDTH_PX / px)


def priority(name: str, names: Sequence[str]) -> tuple[int, int]:
    """Sort key for printing: known columns by ``PRINT_PRIORITY``, then unknown ones in
    sheet order (notes first: a ``Nota …``/``Note …`` column explains its row), ``Codice
    origine`` last."""
    if name in PRINT_PRIORITY:
        return (0, PRINT_PRIORITY.index(name))
    if name == C.CODICE_ORIGINE:
        return (3, 0)
    first_word = C.fold(name.split(" ", 1)[0]) if name.strip() else ""
    return (1 if first_word in ("nota", "note") else 2, list(names).index(name))


def print_plan(names: Sequence[str], widths: Sequence[float], *,
               min_scale: float = MIN_SCALE, spare: Collection[str] = ()) -> list[bool]:
    """Which columns to print so the printed ones fit one page wide at ``min_scale`` or
    more: all when they fit, else the most important first (``priority``); ``spare``
    columns (empty ones: nothing to read on paper) only when room is left."""
    budget = PAGE_WIDTH_PX / min_scale
    if columns_px(widths) <= budget:
        return [True] * len(names)
    printed = [False] * len(names)
    used = 0.0

    def key(j: int) -> tuple[bool, tuple[int, int]]:
        return (names[j] in spare, priority(names[j], names))

    for j in sorted(range(len(names)), key=key):
        px = widths[j] * UNIT_PX + PAD_PX
        if used + px <= budget or not any(printed):
            printed[j] = True
            used += px
    return printed


@dataclass(frozen=True)
class SheetLayout:
    """How to lay out a table sheet: per column (in sheet order) and per data row."""

    names: tuple[str, ...]
    widths: tuple[float, ...]
    wrap: tuple[bool, ...]
    printed: tuple[bool, ...]
    header_height: float
    heights: tuple[float | None, ...]

    @property
    def hidden(self) -> tuple[str, ...]:
        """Columns left out of the print (hidden in a collapsible group)."""
        return tuple(n for n, p in zip(self.names, self.printed, strict=True) if not p)

    @property
    def scale(self) -> float:
        return print_scale(w for w, p in zip(self.widths, self.printed, strict=True) if p)


#: Room to write (width units) in the columns a dirigente fills in a sector workbook.
ROOM_TO_WRITE: dict[str, float] = {
    C.INDICATORE: 30, C.TARGET: 20, C.PESO: 9, C.STATO: 14, C.AVANZAMENTO: 13,
}


def table_layout(names: Sequence[str], columns: Sequence[Sequence[object]], *,
                 widths: dict[str, float] | None = None,
                 room: dict[str, float] | None = None,
                 min_scale: float = MIN_SCALE) -> SheetLayout:
    """The layout of a table sheet of objectives (``columns`` column-major, sheet order).

    Known columns get a compact width (``COMPACT_WIDTHS``, or ``widths``), narrower when
    their content is; unknown ones their content's width up to ``MAX_UNKNOWN_WIDTH``.
    ``room``: columns to be filled in by hand keep at least that width, even when empty
    (``ROOM_TO_WRITE``). Text wider than its column wraps; row heights follow.
    """
    given = {**COMPACT_WIDTHS, **(widths or {})}
    room = room or {}
    ws: list[float] = []
    wrap: list[bool] = []
    measured: list[ColumnTexts] = []
    for name, col in zip(names, columns, strict=True):
        m = measure_column(col)
        measured.append(m)
        w = fit_width(name, col, preferred=max(given.get(name) or 0, room.get(name, 0)) or None,
                      longest=m.longest)
        w = max(w, room.get(name, 0.0))
        ws.append(w)
        may_wrap = m.candidates(w - 0.8)  # the texts that may need a second line
        wrap.append(name in given and given[name] >= 16 or room.get(name, 0) >= 16
                    or bool((m.units[may_wrap] > w - 0.8).any())
                    or bool((m.is_str & m.has_break)[may_wrap].any()))
    # a column nobody filled says nothing on paper, unless it is there to be written in
    spare = {n for n, m in zip(names, measured, strict=True)
             if n not in room and not m.has_text.any()}
    printed = print_plan(names, ws, min_scale=min_scale, spare=spare)
    return SheetLayout(tuple(names), tuple(ws), tuple(wrap), tuple(printed),
                       header_height(names, ws),
                       tuple(row_heights(columns, ws, wrap, measured)))


def page_breaks(heights: Sequence[float], blocks: Sequence[tuple[int, int]], *,
                scale: float, repeated_pt: float = 0.0) -> list[int]:
    """Rows before which to break the page so that no block (``(first, last)`` row
    indexes into ``heights``, in order) is split when it fits on one page."""
    page = PAGE_HEIGHT_PT / max(scale, 0.1) - repeated_pt
    breaks: list[int] = []
    used = 0.0
    pos = 0
    for first, last in blocks:
        used += sum(heights[pos:first])
        size = sum(heights[first:last + 1])
        if used + size > page and used > 0 and size <= page:
            breaks.append(first)
            used = 0.0
        used += size
        while used > page:
            used -= page
        pos = last + 1
    return breaks


def italian_list(items: Sequence[str]) -> str:
    """«a», «b» e «c»."""
    quoted = [f"«{i}»" for i in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " e " + quoted[-1]


def hidden_note(hidden: Sequence[str]) -> str:
    """Italian sentence about the columns hidden so that the sheet prints legibly."""
    if not hidden:
        return ""
    one = len(hidden) == 1
    return (f"{'La colonna' if one else 'Le colonne'} {italian_list(hidden)} "
            f"{'è nascosta' if one else 'sono nascoste'} perché la stampa resti leggibile: "
            f"per {'vederla' if one else 'vederle'} selezionare le colonne accanto e "
            "scegliere «Scopri» (clic destro).")
