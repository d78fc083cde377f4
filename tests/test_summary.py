"""Summaries: the figures equal a pandas pivot of the same tree, in Python and in LibreOffice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lo import lo_read, needs_lo, read_values
from tests.sector_fixtures import objectives, small_tree
from xl_albero import columns as C
from xl_albero.io.summary_workbook import SHEET_SUMMARY, write_summary_workbook
from xl_albero.model import Tree
from xl_albero.summary import TOTAL, PivotSpec, pivot_specs, summary_specs, summary_tables
from xl_albero.usecases.riepilogo import riepilogo_of_tree
from xl_albero.usecases.sectors import SectorOptions


def as_dict(table: pd.DataFrame) -> dict[tuple, float]:
    return {(r, c): float(table.at[r, c]) for r in table.index for c in table.columns
            if float(table.at[r, c]) != 0}


def expected_pivots(data: pd.DataFrame, names: list[str]) -> dict[str, dict]:
    """What each summary must show, from pandas pivot_table / plain Python on the data."""
    d = data.copy()
    piv = {}

    def pt(index, columns=None, values=C.OPERATIVO, aggfunc="count", src=d):
        t = pd.pivot_table(src, index=index, columns=columns, values=values, aggfunc=aggfunc,
                           margins=True, margins_name=TOTAL, fill_value=0)
        if columns is None:
            t = t[[values]] if isinstance(t, pd.DataFrame) else t.to_frame()
        return t

    piv["area_settore"] = as_dict(pt(C.AREA, C.RESPONSABILE))
    piv["strategico_settore"] = as_dict(pt(C.STRATEGICO, C.RESPONSABILE))
    piv["stato_settore"] = as_dict(pt(C.RESPONSABILE, C.STATO))
    pl = pt(C.PLURIENNALE)
    piv["pluriennale"] = {(r, "Obiettivi"): float(v) for r, v in pl[C.OPERATIVO].items() if v}
    peso = pd.to_numeric(d[C.PESO], errors="coerce").fillna(0)
    ps = pt(C.RESPONSABILE, values=C.PESO, aggfunc="sum", src=d.assign(**{C.PESO: peso}))
    piv["peso_settore"] = {(r, "Somma"): float(v) for r, v in ps[C.PESO].items() if v}
    av = pd.to_numeric(d[C.AVANZAMENTO], errors="coerce")
    band = pd.cut(av, [0, 25, 50, 75, 100, np.inf], right=False,
                  labels=["0–24%", "25–49%", "50–74%", "75–99%", "100%"])
    piv["avanzamento_settore"] = as_dict(pt(C.RESPONSABILE, "banda",
                                            src=d.assign(banda=band.astype(object))
                                            .dropna(subset=["banda"])))
    inv = {}
    for name in names:
        led = int((d[C.RESPONSABILE] == name).sum())
        involved = 0
        for lead, cell in zip(d[C.RESPONSABILE], d[C.COINVOLTI], strict=True):
            listed = cell.split("; ") if isinstance(cell, str) else []
            if lead != name and ("TUTTI" in listed or name in listed):
                involved += 1
        inv.update({(name, "Responsabile"): led, (name, "Coinvolto"): involved,
                    (name, TOTAL): led + involved})
    for col in ("Responsabile", "Coinvolto", TOTAL):
        inv[(TOTAL, col)] = sum(v for (r, c), v in inv.items() if c == col and r != TOTAL)
    piv["coinvolgimento"] = {k: float(v) for k, v in inv.items() if v}
    return piv


def test_specs_describe_pivots_over_the_tree():
    tree = small_tree()
    specs = {s.name: s for s in summary_specs(tree)}
    assert set(specs) == {"area_settore", "strategico_settore", "coinvolgimento", "pluriennale",
                          "peso_settore", "stato_settore", "avanzamento_settore"}
    # pivot_specs: only PivotTables over the tree table (fields are tree columns)
    pivots = pivot_specs(tree)
    assert [p.name for p in pivots] == [n for n in specs if n != "coinvolgimento"]
    for p in pivots:
        assert set(p.rows + p.columns + [p.values]) <= set(tree.data.columns)
    s = specs["area_settore"]
    assert isinstance(s, PivotSpec) and s.rows == [C.AREA] and s.columns == [C.RESPONSABILE]
    assert s.aggfunc == "count" and s.source == "albero"
    assert specs["peso_settore"].aggfunc == "sum" and specs["peso_settore"].values == C.PESO
    assert specs["coinvolgimento"].source == "coinvolgimenti"
    with pytest.raises(AttributeError):
        s.name = "x"  # frozen


def test_specs_only_for_columns_that_exist():
    data = pd.DataFrame(objectives()).drop(columns=[C.PESO, C.STATO, C.AVANZAMENTO])
    tree = Tree(data=data, sectors=small_tree().sectors, registry_declared=True)
    names = {s.name for s in summary_specs(tree)}
    assert not names & {"peso_settore", "stato_settore", "avanzamento_settore"}


@pytest.mark.parametrize("column,spec", [(C.PESO, "peso_settore"), (C.STATO, "stato_settore"),
                                         (C.AVANZAMENTO, "avanzamento_settore")])
def test_no_table_of_zeros_for_a_column_nobody_filled(column, spec):
    data = pd.DataFrame(objectives())
    data[column] = None if column != C.STATO else "  "
    tree = Tree(data=data, sectors=small_tree().sectors, registry_declared=True)
    names = {s.name for s in summary_specs(tree)}
    assert spec not in names
    assert {"peso_settore", "stato_settore", "avanzamento_settore"} - {spec} <= names
    data.loc[2, column] = 10 if column != C.STATO else "In corso"  # one value is enough
    tree = Tree(data=data, sectors=small_tree().sectors, registry_declared=True)
    assert spec in {s.name for s in summary_specs(tree)}


def _by_name(tree: Tree) -> dict[str, dict]:
    titles = {s.title: s.name for s in summary_specs(tree)}
    return {titles[t]: as_dict(tab) for t, tab in summary_tables(tree).items()}


def test_summary_tables_equal_pandas_pivots():
    tree = small_tree()
    got = _by_name(tree)
    want = expected_pivots(tree.data, tree.sectors[C.SETTORE].tolist())
    assert set(got) == set(want)
    for name in want:
        assert got[name] == pytest.approx(want[name]), name


SECTOR_NAMES = ["ALFA", "BETA", "GAMMA"]


@st.composite
def random_trees(draw):
    n = draw(st.integers(1, 30))
    rows = []
    for i in range(n):
        rows.append({
            C.CODICE: f"c{i}", C.AREA: draw(st.sampled_from(["A1", "A2", "A3"])),
            C.STRATEGICO: draw(st.sampled_from(["S1", "S2"])),
            C.PLURIENNALE: draw(st.sampled_from(["P1", "P2", "P3"])),
            C.OPERATIVO: f"o{i}", C.RESPONSABILE: draw(st.sampled_from(SECTOR_NAMES)),
            C.COINVOLTI: draw(st.sampled_from([None, "TUTTI", "ALFA", "BETA; GAMMA"])),
            C.PESO: draw(st.sampled_from([None, 5, 10, 12.5])),
            C.STATO: draw(st.sampled_from(["In corso", "Concluso", "Da avviare"])),
            C.AVANZAMENTO: draw(st.sampled_from([None, 0, 24, 25, 50, 99, 100])),
        })
    reg = pd.DataFrame({C.SETTORE: SECTOR_NAMES, C.SIGLA: ["A", "B", "G"]})
    return Tree(data=pd.DataFrame(rows), sectors=reg, registry_declared=True)


@settings(max_examples=40, deadline=None)
@given(random_trees())
def test_summary_tables_equal_pandas_pivots_on_random_trees(tree):
    got = _by_name(tree)
    want = expected_pivots(tree.data, SECTOR_NAMES)
    for name in want:
        # a summary with no data at all is left out of the workbook (nothing to show)
        assert got.get(name, {}) == pytest.approx(want[name]), name
        assert name in got or not want[name], name


# -- the workbook, read by LibreOffice --------------------------------------------------
def parse_blocks(rows: list[tuple], tree: Tree) -> dict[str, dict]:
    """Read each summary block of the Riepilogo sheet back into {(row, col): value}."""
    titles = {s.title: s.name for s in summary_specs(tree)}
    out: dict[str, dict] = {}
    i = 0
    while i < len(rows):
        first = rows[i][0] if rows[i] else None
        if first in titles:
            header = rows[i + 1]
            cols = [c for c in header[1:] if c is not None]
            block: dict = {}
            k = i + 2
            while True:
                r = rows[k]
                for j, c in enumerate(cols, start=1):
                    v = r[j]
                    assert isinstance(v, (int, float)), (titles[first], r[0], c, v)
                    if v:
                        block[(r[0], c)] = float(v)
                if r[0] == TOTAL:
                    break
                k += 1
            out[titles[first]] = block
            i = k
        i += 1
    return out


def edge_tree() -> Tree:
    rows = objectives()
    rows[3][C.AREA] = "Chi ha paura? * la città ~ sicura"  # COUNTIFS wildcards
    rows[4][C.AREA] = "=Una macchina comunale"  # looks like an operator/formula
    return small_tree(rows=rows)


@needs_lo
@pytest.mark.parametrize("recalc", [False, True], ids=["valori-salvati", "ricalcolo-LO"])
def test_riepilogo_in_libreoffice_equals_pandas_pivot(tmp_path, recalc):
    tree = edge_tree()
    out = write_summary_workbook(riepilogo_of_tree(tree, SectorOptions(forza=True)), tmp_path / "riepilogo.xlsx")
    want = expected_pivots(tree.data, tree.sectors[C.SETTORE].tolist())
    seen = lo_read(out, recalc=recalc)
    # the tree has Avanzamento % values: the measured sheet comes last
    assert list(seen) == [SHEET_SUMMARY, "Grafico", C.SHEET_TREE, C.SHEET_SECTORS,
                          "Raggiungimento"]
    got = parse_blocks(seen[SHEET_SUMMARY], tree)
    for name in want:
        assert got[name] == pytest.approx(want[name]), name
    # the tree sheet is the tree, as written
    assert seen[C.SHEET_TREE][0] == tuple(tree.data.columns)
    assert len(seen[C.SHEET_TREE]) == len(tree.data) + 1
    # the file itself holds the cached values (openpyxl data_only reads them)
    assert parse_blocks(read_values(out)[SHEET_SUMMARY], tree) == got


def test_riepilogo_formulas_are_live_over_the_tree_table(tmp_path):
    import openpyxl

    out = write_summary_workbook(riepilogo_of_tree(small_tree(), SectorOptions(forza=True)), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_SUMMARY]
    formulas = [c.value for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=")]
    assert formulas and all(("TabAlbero[" in f) or f.startswith(("=SUM(", "=0"))
                            for f in formulas)
    assert any(f.startswith("=COUNTIFS(") for f in formulas)
    assert any(f.startswith("=SUMPRODUCT(") for f in formulas)  # long multi-year labels
    assert "TabAlbero" in wb[C.SHEET_TREE].tables
    assert wb["Grafico"]._charts  # the bar chart of objectives per sector
