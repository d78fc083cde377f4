"""The bulk row writer: what goes in comes back out, in openpyxl and in LibreOffice."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lo import lo_read, needs_lo, read_values
from xl_albero.io.table_writer import new_workbook, write_table


def shown(v):
    """How openpyxl and LibreOffice show a text: control characters as Excel's _xHHHH_
    escapes (Excel itself turns them back into the characters)."""
    if not isinstance(v, str):
        return v
    return re.sub(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]", lambda m: f"_x{ord(m.group()):04X}_", v)


def write(df: pd.DataFrame, path, locked=None):
    wb = new_workbook(path)
    ws = wb.add_worksheet("Dati")
    write_table(wb, ws, df, table_name="TabDati", locked=locked)
    wb.close()
    return path


TRICKY = ["=SOMMA(A1)", "a & b < c > d", "_x0041_ letterale", "tab\tand\nnewline",
          "ctrl\x07char", "  spazi  ", "Città più così è", "'apostrofo", "\"virgolette\""]


def test_values_round_trip_with_types(tmp_path):
    df = pd.DataFrame({
        "testo": TRICKY,
        "numero": [1, 2.5, -3, 10**12, 0, None, 7, 8, 9],
        "misto": [True, "x", 3, None, dt.datetime(2025, 3, 1, 12, 30), dt.date(2024, 1, 2),
                  float("nan"), "", 1e-9],
    })
    p = write(df, tmp_path / "t.xlsx")
    rows = read_values(p)["Dati"]
    assert rows[0] == ("testo", "numero", "misto")
    assert [r[0] for r in rows[1:]] == [shown(v) for v in TRICKY]
    assert [r[1] for r in rows[1:]] == [1, 2.5, -3, 10**12, 0, None, 7, 8, 9]
    misto = [r[2] for r in rows[1:]]
    assert misto[:4] == [True, "x", 3, None]
    assert misto[4] == dt.datetime(2025, 3, 1, 12, 30)
    assert misto[5] == dt.datetime(2024, 1, 2)
    assert misto[6:] == [None, None, 1e-9]


@needs_lo
def test_libreoffice_reads_the_same(tmp_path):
    df = pd.DataFrame({"testo": TRICKY, "n": range(len(TRICKY))})
    p = write(df, tmp_path / "t.xlsx", locked=["testo"])
    assert lo_read(p)["Dati"] == read_values(p)["Dati"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.integers(-10**9, 10**9), st.none()),
                min_size=1, max_size=20))
def test_any_text_round_trips(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("fs") / "t.xlsx"
    p = write(pd.DataFrame({"v": pd.Series(values, dtype=object)}), path)
    got = [r[0] for r in read_values(p)["Dati"][1:]]
    want = [None if v == "" else shown(v) for v in values]
    # openpyxl trims trailing empty rows of the used range
    while want and want[-1] is None:
        want.pop()
    while got and got[-1] is None:
        got.pop()
    assert got == want
