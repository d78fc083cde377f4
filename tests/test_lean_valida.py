"""``albero valida`` imports only what it needs, and the summary counts fold distinct values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_albero import columns as C
from xl_albero.validation import distinct_folded

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"

_PROBE = """
import sys
from xl_albero.cli import main
try:
    main(["valida", "--json", sys.argv[1]])
except SystemExit:
    pass
print("MODULES", sorted(m for m in ("hypothesis", "xlsxwriter", "openpyxl", "xlwings")
                        if m in sys.modules))
"""


def test_valida_does_not_import_hypothesis_or_writers():
    p = subprocess.run([sys.executable, "-c", _PROBE, str(SAMPLE)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    out, _, modules = p.stdout.rpartition("MODULES ")
    assert json.loads(out)["riepilogo"]["obiettivi_operativi"] == 48
    assert modules.strip() == "[]"


def test_hypothesis_still_importable_after_pandera():
    code = ("import xl_albero.validation, hypothesis.strategies as st; "
            "from pandera.strategies.base_strategies import HAS_HYPOTHESIS; "
            "print(st.integers().example() is not None, HAS_HYPOTHESIS)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert p.stdout.split() == ["True", "False"], p.stderr


def _naive(frame: pd.DataFrame) -> int:
    return int(frame.dropna().map(C.fold).drop_duplicates().shape[0])


_cell = st.one_of(st.none(), st.just(float("nan")), st.integers(-3, 3),
                  st.sampled_from(["Città", "citta", "CITTÀ ", "Area 1", "area-1", "x", "X.",
                                   "", " ", "più", "piu"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_cell, _cell, _cell), max_size=30))
def test_distinct_folded_equals_folding_every_cell(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"], dtype=object)
    for cols in (["a"], ["a", "b"], ["a", "b", "c"]):
        assert distinct_folded(frame[cols]) == _naive(frame[cols])


# --- messy trees: findings built column-wise, rendered in bulk ----------------------------
def test_messy_tree_one_finding_per_row_pointing_at_its_cell(tmp_path):
    """The PDF layout has no Periodo column and no multi-year text names its years: no
    CELLA_VUOTA per row (issue 13), one PERIODO_NON_INDICATO avviso per multi-year
    objective, at its first cell, each pointing at its own cell."""
    from benchmarks.gen_tree import write_messy_workbook
    from xl_albero.io.reader import load_tree
    from xl_albero.validation import validate

    path = write_messy_workbook(300, tmp_path / "disordinato.xlsx", m=7)
    tree = load_tree(path)
    found = validate(tree)
    assert not (found["codice"] == "CELLA_VUOTA").any()
    unstated = found[found["codice"] == "PERIODO_NON_INDICATO"]
    objectives = tree.data[[C.AREA, C.PLURIENNALE]].drop_duplicates()
    assert len(unstated) == len(objectives) > 1
    assert set(unstated["colonna"]) == {C.PLURIENNALE} and set(unstated["gravita"]) == {"avviso"}
    rows = [tree.rows[pos] for pos in objectives.index]
    assert unstated["riga"].tolist() == rows  # title, blank, header, then data
    letter = tree.letters[C.PLURIENNALE]
    assert unstated["cella"].tolist() == [f"{letter}{r}" for r in rows]
    assert all("non indica il periodo" in m for m in unstated["messaggio"])
    assert tree.data[C.CODICE].tolist()[:3] == ["1.1.1.1", "2.1.1.1", "3.1.1.1"]


def test_findings_json_and_table_render_every_finding():
    from xl_albero import findings as F
    from xl_albero.app.render import findings_table

    items = [F.Finding("Albero", 2 + i, "Periodo", f"F{2 + i}", F.ERRORE, "CELLA_VUOTA",
                       "Cella vuota in «Periodo» con un testo abbastanza lungo da andare a "
                       "capo su più righe del terminale, come i messaggi veri.",
                       "Scrivere il valore." if i % 2 else "") for i in range(40)]
    items.append(F.Finding("Settori", None, "Settore", "", F.AVVISO, "SETTORI_SIMILI", "x"))
    frame = F.to_frame(items)
    text = F.to_json({"file": 'a "b".xlsx', "riepilogo": {"errori": 40}}, frame)
    parsed = json.loads(text)
    assert parsed["file"] == 'a "b".xlsx' and parsed["riepilogo"] == {"errori": 40}
    assert parsed["rilievi"] == F.to_records(frame)
    assert parsed["rilievi"][-1]["riga"] is None and parsed["rilievi"][0]["riga"] == 2
    assert json.loads(F.to_json({"a": 1}, F.empty())) == {"a": 1, "rilievi": []}
    table = findings_table(frame)
    assert table.count("CELLA_VUOTA") == 40 and table.count("→ Scrivere il valore.") == 20
    assert "Albero!F2 " in table and "Settori [Settore]" in table
    limited = findings_table(frame, limit=5)
    assert limited.count("CELLA_VUOTA") == 5 and "e altri 36 rilievi" in limited


@settings(max_examples=100, deadline=None)
@given(st.lists(_cell, max_size=40))
def test_map_distinct_equals_series_map(values):
    from xl_albero.sheet_parser import map_distinct

    s = pd.Series(values, dtype=object)

    def fn(v):
        return f"<{v}>" if isinstance(v, str) else v

    def same(a, b):
        return a == b or (a != a and b != b) or (a is None and b != b) or (b is None and a != a)

    assert all(same(a, b) for a, b in zip(map_distinct(s, fn), s.map(fn), strict=True))


def test_every_benchmark_script_answers_help():
    scripts = sorted(p for p in (ROOT / "benchmarks").glob("*.py")
                     if p.stem not in ("__init__", "common"))
    assert {"bench_cli", "bench_scale", "gen_tree", "naive"} <= {p.stem for p in scripts}
    for script in scripts:
        p = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                           text=True, cwd=ROOT, timeout=120)
        assert p.returncode == 0 and "usage" in p.stdout, (script.name, p.stderr[-500:])


def _sector_names_row_by_row(data: pd.DataFrame) -> list[str]:
    """The reference: every row's responsible sector, then the involved ones."""
    from xl_albero.sector_registry import normalize_name, split_sectors

    seen: dict[str, None] = {}
    for v in data[C.RESPONSABILE].dropna():
        if normalize_name(v):
            seen.setdefault(normalize_name(v), None)
    for v in data[C.COINVOLTI].dropna():
        for s in split_sectors(v):
            if s not in (C.TUTTI, C.INTERESSATI):
                seen.setdefault(normalize_name(s), None)
    return list(seen)


_sector = st.one_of(st.none(), st.integers(0, 2),
                    st.sampled_from(["Tecnico", " Tecnico", "Tecnico  ", "TECNICO", "Servizi  "
                                     "sociali", "Servizi sociali", "", "  ", "Polizia locale"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_sector, _sector), max_size=30))
def test_tree_sector_names_per_distinct_value_equals_row_by_row(rows):
    from xl_albero.sector_registry import tree_sector_names

    data = pd.DataFrame(rows, columns=[C.RESPONSABILE, C.COINVOLTI], dtype=object)
    assert tree_sector_names(data) == _sector_names_row_by_row(data)


_title = st.one_of(st.none(), st.just(float("nan")), st.integers(0, 2),
                   st.sampled_from(["Piano neve", "PIANO NEVE", "Piano  neve ", "Piàno neve",
                                    "Sportello unico", "Sportello", "", " "]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_title, max_size=25))
def test_duplicate_objectives_found_as_folding_every_cell_finds_them(titles):
    from xl_albero.validation.checks import obiettivo_duplicato, text_key

    df = pd.DataFrame({C.OPERATIVO: pd.Series(titles, dtype=object)})
    keys = pd.Series([None if pd.isna(t) else text_key(t) for t in titles], dtype=object)
    expected = keys.isna() | ~keys.duplicated(keep=False)
    assert obiettivo_duplicato(df).tolist() == expected.tolist()


_year = st.one_of(st.none(), st.just(float("nan")), st.integers(2020, 2030),
                  st.floats(2020, 2030, allow_nan=False), st.sampled_from(["2025", "anno", ""]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_year, max_size=30))
def test_tree_years_from_distinct_values_equal_every_cell(values):
    from xl_albero.model import Tree

    data = pd.DataFrame({C.ANNO: pd.Series(values, dtype=object)})
    every_cell = pd.to_numeric(data[C.ANNO], errors="coerce").dropna().astype(int)
    assert Tree(data=data, sectors=pd.DataFrame()).years == sorted(set(every_cell.tolist()))


def test_a_messy_tree_asks_for_its_plan_year_once_per_finding_list(monkeypatch):
    """The multi-year objectives with no period (one avviso each) share one plan year:
    it is worked out once, not once per objective (a 100k tree typed from the PDF has
    hundreds of them)."""
    from xl_albero.model import Tree
    from xl_albero.validation import extra

    calls = []
    real = Tree.year

    def counted(self):
        calls.append(1)
        return real.fget(self)

    monkeypatch.setattr(Tree, "year", property(counted))
    plur = [f"Obiettivo pluriennale {i}" for i in range(5)]
    data = pd.DataFrame({C.AREA: ["A"] * 5, C.PLURIENNALE: plur, C.PERIODO: [None] * 5,
                         C.ANNO: [2025] * 5}, dtype=object)
    tree = Tree(data=data, sectors=pd.DataFrame(), derived=frozenset({C.PERIODO}))
    found = extra.unstated_periods(tree)
    assert len(found) == 5 and len(calls) == 1
