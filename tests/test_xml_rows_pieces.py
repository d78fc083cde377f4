"""The streamed rows (``io.xml_rows.rows_stream``) are exactly what the writer wrote when it
built one string per cell: the same XML bytes, shared strings in the same order, the same
reference count, for any mix of texts, numbers, booleans, dates, empty and styled cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_albero.io.xml_rows import (
    _SI_CLOSE,
    _SI_OPEN,
    _SI_OPEN_PRESERVE,
    MAX_TEXT,
    _items_xml,
    _Strings,
    _tail,
    fit_text,
    rows_stream,
    xml_text,
)
from xl_albero.model import col_letter

_TEXT_KINDS = {str, type(None), float}


# -- the reference: the writer as it was (one string per cell, joined row by row) ---------
def _ref_column_cells(values: list[object], letter: str, rownums: list[str], xf: int,
                  date_xf: int, sst: _Strings, blank: bool = False,
                  value_xfs: dict[object, int] | None = None) -> tuple[list[str], int]:
    """The ``<c>`` elements of one column ("" where there is no cell) and the number of
    shared-string references among them. ``value_xfs``: a style of its own for cells
    holding one of these (text) values."""
    s = f' s="{xf}"' if xf else ""
    if value_xfs:
        return _ref_styled_by_value(values, letter, rownums, s, date_xf, sst, blank, value_xfs)
    ds = f' s="{date_xf}"'
    pre = f'<c r="{letter}'
    kinds = set(map(type, values))
    homogeneous = kinds <= _TEXT_KINDS or kinds <= {int}
    if float in kinds and kinds <= _TEXT_KINDS:  # floats among texts: only NaN qualifies
        homogeneous = all(v != v for v in values if type(v) is float)
    if homogeneous:
        # one tail per distinct value (pandas' hash table, in order of appearance);
        # None and NaN get code -1, the extra last tail
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        distinct = uniques.tolist()
        if kinds <= {int}:
            tails = [f'{s}><v>{u}</v></c>' for u in distinct]
            refs = 0
        else:
            empty = distinct.index("") if "" in distinct else -1
            if max(map(len, distinct), default=0) > MAX_TEXT // 2:  # cut (may repeat)
                ids = [sst.get(fit_text(u)) if u else -1 for u in distinct]
            elif empty < 0:
                ids = sst.ids(distinct)
            else:
                ids = sst.ids(distinct[:empty] + distinct[empty + 1:])
                ids.insert(empty, -1)
            tails = [f'{s} t="s"><v>{i}</v></c>' for i in ids]
            refs = int(np.count_nonzero(codes >= 0))
            if empty >= 0:
                tails[empty] = ""
                refs -= int(np.count_nonzero(codes == empty))
        tails.append("")
        cell_tails = list(map(tails.__getitem__, codes.tolist()))
    else:
        made = [_tail(v, s, ds, sst) for v in values]
        cell_tails = [t or "" for t, _ in made]
        refs = sum(1 for _, is_ref in made if is_ref)
    if blank:  # an empty cell keeps its style (every reader sees it unlocked)
        return [f'{pre}{r}"{t}' if t else f'{pre}{r}"{s}/>'
                for r, t in zip(rownums, cell_tails, strict=True)], refs
    return [f'{pre}{r}"{t}' if t else "" for r, t in zip(rownums, cell_tails, strict=True)], refs


def _ref_styled_by_value(values: list[object], letter: str, rownums: list[str], s: str,
                     date_xf: int, sst: _Strings, blank: bool,
                     value_xfs: dict[object, int]) -> tuple[list[str], int]:
    """``_column_cells`` for a column whose cells are styled by their value."""
    groups: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        xf = value_xfs.get(v) if isinstance(v, str) else None
        groups.setdefault(f' s="{xf}"' if xf is not None else s, []).append(i)
    out = [""] * len(values)
    refs = 0
    for style, idx in groups.items():
        xf = int(style.split('"')[1]) if style else 0
        cells, k = _ref_column_cells([values[i] for i in idx], letter, [rownums[i] for i in idx],
                                 xf, date_xf, sst, blank)
        refs += k
        for i, c in zip(idx, cells, strict=True):
            out[i] = c
    return out, refs


#: Rows encoded per chunk of a sheet part.
_REF_ROWS_PER_CHUNK = 10_000


def _ref_rows_xml(columns: list[list[object]], first_row: int, xfs: list[int],
             date_xfs: list[int], sst: _Strings, blanks: list[bool] | None = None,
             heights: Sequence[float | None] | None = None,
             value_xfs: Sequence[dict[object, int] | None] | None = None,
             ) -> tuple[list[bytes], int]:
    """``<row>`` elements (UTF-8, in chunks) for column-major ``columns`` starting at
    0-based ``first_row``, and the number of shared-string references they make.
    ``heights``: an explicit height in points (or ``None``) per row. ``value_xfs``: per
    column, styles for cells holding given text values (or ``None``)."""
    if not columns or not columns[0]:
        return [], 0
    n = len(columns[0])
    rownums = [str(first_row + 1 + i) for i in range(n)]
    cells, refs = [], 0
    for j, col in enumerate(columns):
        c, k = _ref_column_cells(col, col_letter(j), rownums, xfs[j], date_xfs[j], sst,
                             bool(blanks and blanks[j]), value_xfs[j] if value_xfs else None)
        cells.append(c)
        refs += k
    if heights is None:
        opens = [f'<row r="{r}">' for r in rownums]
    else:
        opens = [f'<row r="{r}" ht="{h:g}" customHeight="1">' if h else f'<row r="{r}">'
                 for r, h in zip(rownums, heights, strict=True)]
    closes = ["</row>"] * _REF_ROWS_PER_CHUNK
    chunks = []
    for a in range(0, n, _REF_ROWS_PER_CHUNK):
        b = min(a + _REF_ROWS_PER_CHUNK, n)
        block = zip(opens[a:b], *(c[a:b] for c in cells), closes[: b - a], strict=True)
        chunks.append("".join(map("".join, block)).encode("utf-8"))
    return chunks, refs


CELL = st.one_of(
    st.text(max_size=12), st.sampled_from(["", "a", "b", "Stato", "x" * 40]),
    st.none(), st.just(float("nan")), st.floats(allow_nan=False, allow_infinity=True),
    st.integers(-10**15, 10**15), st.booleans(), st.dates(), st.just(pd.NA),
    st.datetimes(min_value=dt.datetime(1900, 3, 1)), st.just(np.int64(7)))
HOMOGENEOUS = st.one_of(st.text(max_size=8), st.none(), st.just(float("nan")))


@st.composite
def tables(draw):
    n = draw(st.integers(1, 30))
    ncols = draw(st.integers(1, 6))
    columns = []
    for _ in range(ncols):
        kind = draw(st.sampled_from(["mixed", "texts", "labels", "ints", "empty"]))
        cell = {"mixed": CELL, "texts": HOMOGENEOUS, "ints": st.integers(-5, 5),
                "labels": st.sampled_from(["a", "b", "Stato", "", None]),
                "empty": st.sampled_from([None, "", float("nan")])}[kind]
        columns.append(draw(st.lists(cell, min_size=n, max_size=n)))
    xfs = draw(st.lists(st.integers(0, 3), min_size=ncols, max_size=ncols))
    blanks = draw(st.lists(st.booleans(), min_size=ncols, max_size=ncols))
    heights = draw(st.none() | st.lists(st.none() | st.sampled_from([15.0, 32.0, 409.0]),
                                        min_size=n, max_size=n))
    value_xfs = draw(st.none() | st.lists(
        st.none() | st.dictionaries(st.sampled_from(["a", "b", "Stato"]), st.integers(0, 4)),
        min_size=ncols, max_size=ncols))
    return columns, draw(st.integers(0, 3)), xfs, blanks, heights, value_xfs


def _both(columns, first, xfs, blanks, heights, value_xfs):
    date_xfs = [x + 10 for x in xfs]
    sst, ref_sst = _Strings("<sst/>"), _Strings("<sst/>")
    chunks, refs = rows_stream(columns, first, xfs, date_xfs, sst, blanks, heights, value_xfs)
    got = list(chunks), refs
    want = _ref_rows_xml(columns, first, xfs, date_xfs, ref_sst, blanks, heights, value_xfs)
    return got, want, sst, ref_sst


@settings(max_examples=300, deadline=None)
@given(tables())
def test_rows_are_the_cell_by_cell_rows(table):
    got, want, sst, ref_sst = _both(*table)
    assert got == want
    assert sst.added == ref_sst.added


def test_rows_in_several_chunks_and_long_texts():
    n = 25_003
    columns = [[f"t{i % 97}" if i % 5 else None for i in range(n)], list(range(n)),
               ["y" * (MAX_TEXT + 5) if i == 3 else "" for i in range(n)]]
    heights: Sequence[float | None] = [None if i % 3 else 30.0 for i in range(n)]
    got, want, sst, ref_sst = _both(columns, 1, [1, 0, 2], [False, True, False], heights,
                                    None)
    assert len(got[0]) == 3 and got == want and sst.added == ref_sst.added
    assert fit_text("y" * (MAX_TEXT + 5)) in sst.added  # cut as Excel does


def _ref_items_xml(texts: list[str]) -> str:
    """The ``<si>`` items as they were made, one by one."""
    out = []
    for t in texts:
        e = xml_text(t)
        start = _SI_OPEN_PRESERVE if e[:1].isspace() or e[-1:].isspace() else _SI_OPEN
        out.append(f"{start}{e}{_SI_CLOSE}")
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.one_of(
    st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u3000\u200b"
                    "\ufeff&<>_x0041"), st.characters()), max_size=10), max_size=20))
def test_shared_string_items_are_the_item_by_item_ones(texts):
    assert _items_xml(texts) == _ref_items_xml(texts)
