"""``file_source.grid_rows`` reads a sheet row by row exactly as python-calamine's whole-grid
``to_python(skip_empty_area=False)`` does, with equal texts shared as one object."""

from __future__ import annotations

import datetime as dt

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from xl_albero.io.file_source import grid_rows

_value = st.one_of(st.sampled_from(["Città", "AREA 1", "AREA 1", " x ", "più", "=1+1"]),
                   st.integers(-5, 2030), st.floats(-1e6, 1e6, allow_nan=False),
                   st.booleans(), st.just(dt.datetime(2025, 6, 30, 12, 0)))
_cells = st.dictionaries(st.tuples(st.integers(1, 12), st.integers(1, 8)), _value,
                         max_size=25)


def _sheet(path, cells):
    wb = openpyxl.Workbook()
    ws = wb.active
    for (r, c), v in cells.items():
        ws.cell(r, c).value = v
        if isinstance(v, str) and v.startswith("="):
            ws.cell(r, c).data_type = "s"  # text, not a formula
    wb.save(path)
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)


@settings(max_examples=60, deadline=None)
@given(_cells)
def test_grid_rows_equals_the_whole_grid(tmp_path_factory, cells):
    path = tmp_path_factory.mktemp("g") / "g.xlsx"
    rows = grid_rows(_sheet(path, cells))
    assert rows == _sheet(path, cells).to_python(skip_empty_area=False)
    texts = [v for row in rows for v in row if isinstance(v, str) and v]
    assert len({id(v) for v in texts}) == len(set(texts))  # each text once in memory


def test_an_empty_sheet_has_no_rows(tmp_path):
    sheet = _sheet(tmp_path / "vuoto.xlsx", {})
    assert grid_rows(sheet) == [] == sheet.to_python(skip_empty_area=False)
