"""The vectorised measuring of ``print_layout`` gives exactly what measuring each text on
its own (``text_units``, ``estimated_lines``) gives: the same floats bit for bit, hence
the same widths, wrapping and row heights (the layout of every written sheet)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_albero import print_layout as P

# Latin-1 letters of every width class, characters outside Latin-1 (one "?" each when
# measured), line breaks, spaces, surrogates
TEXT = st.text(alphabet=st.one_of(
    st.sampled_from("aiImMwW@%.,;: lrtf|!()[]{}ÀàèÉ'’€—\n\t\r\x00"),
    st.characters()), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, max_size=40))
def test_texts_units_equal_text_units_bit_for_bit(texts):
    got = P.texts_units(texts).tolist()
    assert got == [P.text_units(t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=30))
def test_measured_columns_equal_the_scalar_measures(texts):
    m = P.measure_column(texts)
    assert m.values == list(dict.fromkeys(texts))
    assert m.units.tolist() == [P._line_units(t) for t in m.values]  # noqa: SLF001
    assert [m.values[c] for c in m.codes()] == texts
    for width in (6.0, 9.3, 30.0):
        lines = m.lines(width, floor=-1.0)  # white space only: surely one line
        assert lines.tolist() == [1 if t.isspace() else P.estimated_lines(
            t, width, None if "\n" in t else P.text_units(t)) for t in m.values]


def test_texts_units_chunks_and_long_texts():
    # more characters than one chunk, and a text longer than a packed count can hold
    texts = ["Mm, il. " * 20_000, "W" * (P._FIELD + 3), "", "à" * 5, "x"] * 3  # noqa: SLF001
    assert P.texts_units(texts).tolist() == [P.text_units(t) for t in texts]


# -- the layout, against the scalar way it was computed before (one text at a time) ------
def _ref_column_units(values: Sequence[object], floor: float) -> dict[object, float]:
    distinct = set(values)
    limit = floor / P._WIDEST  # noqa: SLF001
    out: dict[object, float] = {}
    for v in distinct:
        if type(v) is str:
            if len(v) > limit and not v.isspace():
                out[v] = P._line_units(v)  # noqa: SLF001
        elif (t := P._text(v)) is not None and len(t) > limit:  # noqa: SLF001
            out[v] = P._line_units(t)  # noqa: SLF001
    return out


def _ref_longest(values: Sequence[object]) -> float:
    texts = [t for v in set(values)
             if (t := v if type(v) is str else P._text(v)) is not None]  # noqa: SLF001
    return max((P._line_units(t) for t in texts), default=0.0)  # noqa: SLF001


def _ref_layout(names: Sequence[str], columns: Sequence[Sequence[object]],
                widths: dict[str, float], room: dict[str, float]) -> P.SheetLayout:
    given_ = {**P.COMPACT_WIDTHS, **widths}
    ws, wrap, units = [], [], []
    for name, col in zip(names, columns, strict=True):
        limit = max(given_.get(name) or 0, room.get(name, 0)) or P.MAX_UNKNOWN_WIDTH
        head = max((P.text_units(w, bold=True) for w in str(name).split()), default=4.0)
        need = max(_ref_longest(col), head) + 1.5
        w = max(float(round(min(max(need, 6.0), max(limit, head + 1.5)), 1)),
                room.get(name, 0.0))
        ws.append(w)
        un = _ref_column_units(col, w - 0.8)
        units.append(un)
        wrap.append(name in given_ and given_[name] >= 16 or room.get(name, 0) >= 16
                    or any(u > w - 0.8 or (isinstance(v, str) and "\n" in v)
                           for v, u in un.items()))
    lines = [1] * len(columns[0])
    for col, w, wr, known in zip(columns, ws, wrap, units, strict=True):
        if not wr:
            continue
        per = {v: P.estimated_lines(P._text(v) or "", w, u)  # noqa: SLF001
               for v, u in known.items()}
        lines = [max(a, per.get(v, 1)) for a, v in zip(lines, col, strict=True)]
    spare = {n for n, col in zip(names, columns, strict=True)
             if n not in room and all(P._text(v) is None for v in col)}  # noqa: SLF001
    printed = P.print_plan(names, ws, spare=spare)
    return P.SheetLayout(tuple(names), tuple(ws), tuple(wrap), tuple(printed),
                         P.header_height(names, ws),
                         tuple(P.lines_height(k) if k > 1 else None for k in lines))


CELL = st.one_of(
    TEXT, TEXT.map(lambda t: t * 7),  # long texts that wrap
    st.sampled_from(["", "   ", " \n ", "a\nb", None, math.nan, pd.NA, pd.NaT]),
    st.integers(-10**12, 10**12), st.floats(allow_nan=False), st.booleans(),
    st.dates())
NAMES = st.sampled_from([P.C.OPERATIVO, P.C.CODICE, P.C.PESO, P.C.INDICATORE, P.C.STATO,
                         "Nota del settore", "X", "Descrizione molto lunga della colonna"])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 25).flatmap(lambda n: st.lists(
    st.tuples(NAMES, st.lists(CELL, min_size=n, max_size=n)), min_size=1, max_size=6,
    unique_by=lambda c: c[0])), st.booleans())
def test_table_layout_equals_the_scalar_layout(cols, with_room):
    names = [n for n, _ in cols]
    columns = [c for _, c in cols]
    room = P.ROOM_TO_WRITE if with_room else {}
    got = P.table_layout(names, columns, widths={}, room=room)
    assert got == _ref_layout(names, columns, {}, room)


def test_row_heights_of_numbers_dates_and_unhashable_values():
    col = [1, 1.0, True, "x " * 80, None, np.float64("nan"), ["a", "b"]]
    heights = P.row_heights([col], [10.0], [True])
    assert heights[3] == P.lines_height(P.estimated_lines("x " * 80, 10.0))
    assert heights[:3] == [None] * 3 and heights[4:] == [None] * 3
