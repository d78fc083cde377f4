"""Reading tree worksheets: canonical layout, PDF layout (merged cells), header matching."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import trees
from xl_albero import columns as C
from xl_albero.codes import assign_codes
from xl_albero.errors import InputFileError
from xl_albero.io.reader import load_tree
from xl_albero.validation import validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"
SAMPLE_PDF = ROOT / "workbooks" / "albero_2025_pdf.xlsx"


@pytest.mark.parametrize("header,canonical", [
    ("AREE STRATEGICHE", C.AREA), ("Obiettivi strategici", C.STRATEGICO),
    ("VALORE PUBBLICO", C.PLURIENNALE), ("Obiettivo  pluriennale ", C.PLURIENNALE),
    ("OBIETTIVI PERFORMANCE ( OBIETTIVI- OPERATIVI ANNUALI PEG)", C.OPERATIVO),
    ("SETTORE", C.RESPONSABILE), ("settori coinvolti", C.COINVOLTI),
    ("Avanzamento %", C.AVANZAMENTO), ("Annualità", C.ANNO), ("Note del dirigente", None),
])
def test_header_matching_is_tolerant(header, canonical):
    assert C.match_header(header) == canonical


def test_canonical_sample_reads_completely():
    tree = load_tree(SAMPLE)
    assert tree.sheet == "Albero" and tree.registry_declared
    assert len(tree.data) == 48 and tree.year == 2025
    # the unknown column is kept, in its place
    cols = list(tree.data.columns)
    assert cols.index("Descrizione area") == cols.index(C.AREA) + 1
    assert cols.index("Nota di trascrizione") == cols.index(C.PERIODO) + 1
    assert tree.cell(0, C.OPERATIVO) == "I2"


def test_pdf_layout_gives_the_same_tree_as_the_canonical_sample():
    canon, pdf = load_tree(SAMPLE), load_tree(SAMPLE_PDF)
    assert pdf.sheet == "Albero 2025" and not pdf.registry_declared
    for col in (C.CODICE, C.ANNO, C.AREA, C.STRATEGICO, C.PLURIENNALE, C.OPERATIVO,
                C.RESPONSABILE, C.COINVOLTI):
        left = canon.data[col].fillna("").astype(str).tolist()
        right = pdf.data[col].fillna("").astype(str).tolist()
        assert left == right, col
    # the registry is the set of sectors found
    assert set(pdf.sectors[C.SETTORE]) == set(canon.sectors[C.SETTORE])


def test_blank_cell_outside_a_merge_is_reported_not_filled(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Albero 2025"
    ws.append(["AREE STRATEGICHE", "OBIETTIVI STRATEGICI", "VALORE PUBBLICO",
               "OBIETTIVI PERFORMANCE", "SETTORE"])
    ws.append(["1. AREA UNO", "STRAT", "Obiettivo pluriennale: pp biennio 2024-2025",
               "op uno", "SERVIZI SOCIALI"])
    ws.append(["", "STRAT", "Obiettivo pluriennale: pp biennio 2024-2025", "op due",
               "SERVIZI SOCIALI/ AVVOCATURA COMUNALE"])
    ws.append([None, None, None, "op tre", "SERVIZI SOCIALI (TUTTI I SETTORI)"])
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:C4")
    p = tmp_path / "pdf.xlsx"
    wb.save(p)
    tree = load_tree(p)
    d = tree.data
    assert d[C.STRATEGICO].tolist() == ["STRAT"] * 3  # merged B3:B4 filled
    assert d[C.AREA].tolist() == ["AREA UNO", None, None]  # not merged: stays blank
    assert d[C.PERIODO].tolist() == ["2024-2025"] * 3
    assert d[C.COINVOLTI].tolist() == [None, "AVVOCATURA COMUNALE", "TUTTI"]
    assert d[C.ANNO].tolist() == [2025] * 3  # from the sheet name
    f = validate(tree)
    empty = f[f.codice == "CELLA_VUOTA"]
    assert set(empty.cella) == {"A3", "A4"}
    assert all(f.gravita[f.codice == "CELLA_VUOTA"] == "errore")


def test_repeated_page_headers_and_title_rows_are_skipped(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ALBERO DELLA PERFORMANCE E OBIETTIVI 2025"])
    ws.append([])
    head = ["AREE STRATEGICHE", "OBIETTIVI STRATEGICI", "VALORE PUBBLICO",
            "OBIETTIVI PERFORMANCE", "SETTORE"]
    ws.append(head)
    ws.append(["A", "S", "P 2024-2025", "op 1", "SERVIZI SOCIALI"])
    ws.append(head)
    ws.append(["A", "S", "P 2024-2025", "op 2", "SERVIZI SOCIALI"])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    tree = load_tree(p)
    assert tree.data[C.OPERATIVO].tolist() == ["op 1", "op 2"]
    assert tree.rows == (4, 6)
    assert tree.year == 2025


def test_tree_sheet_found_by_headers_under_another_name(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Note"
    wb.active.append(["appunti"])
    ws = wb.create_sheet("Piano PEG")
    ws.append([C.CODICE, C.ANNO, C.AREA, C.STRATEGICO, C.PLURIENNALE, C.PERIODO, C.OPERATIVO,
               C.RESPONSABILE])
    ws.append(["1.1.1.1", 2025, "A", "S", "P", "2025", "op", "X"])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    assert load_tree(p).sheet == "Piano PEG"


def test_no_tree_sheet_lists_the_sheets_found(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Bilancio"
    wb.active.append(["Capitolo", "Importo"])
    wb.create_sheet("Appunti")
    p = tmp_path / "t.xlsx"
    wb.save(p)
    with pytest.raises(InputFileError) as e:
        load_tree(p)
    assert "Nessun foglio sembra un albero" in str(e.value)
    assert "«Bilancio»" in str(e.value) and "«Appunti»" in str(e.value)


def test_empty_tree_sheet_is_refused(tmp_path):
    p = trees.write(tmp_path / "t.xlsx", trees.frame(1).iloc[0:0])
    with pytest.raises(InputFileError, match="nessun obiettivo"):
        load_tree(p)


def test_unknown_sheet_name_is_refused(tmp_path):
    p = trees.write(tmp_path / "t.xlsx")
    with pytest.raises(InputFileError, match="«Manca» non esiste.*«Albero»"):
        load_tree(p, sheet="Manca")


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    df = trees.frame(2)
    df["Note"] = ["=SOMMA(A1:A3)", "+39 02 1234"]
    p = trees.write(tmp_path / "t.xlsx", df)
    tree = load_tree(p)
    assert tree.data["Note"].tolist() == ["=SOMMA(A1:A3)", "+39 02 1234"]
    assert not tree.formulas


def test_real_formula_and_excel_error_cells_are_seen(tmp_path):
    p = trees.write(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["Albero"]
    ws["G2"] = '=CONCAT("a";"b")'
    ws["H3"] = "#REF!"
    ws["H3"].data_type = "e"
    wb.save(p)
    tree = load_tree(p)
    assert (0, C.OPERATIVO) in tree.formulas
    assert tree.data.at[1, C.RESPONSABILE] == "#REF!"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2)),
                min_size=1, max_size=40))
def test_assigned_codes_are_unique_and_follow_the_hierarchy(triples):
    df = pd.DataFrame({
        C.AREA: [f"A{a}" for a, _, _ in triples],
        C.STRATEGICO: [f"S{a}{s}" for a, s, _ in triples],
        C.PLURIENNALE: [f"P{a}{s}{p}" for a, s, p in triples],
    })
    codes = assign_codes(df)
    assert len(set(codes)) == len(codes)
    for level, col in ((1, C.AREA), (2, C.STRATEGICO), (3, C.PLURIENNALE)):
        pref = [".".join(c.split(".")[:level]) for c in codes]
        pairs = set(zip(df[col], pref, strict=True))
        assert len(pairs) == df[col].nunique() == len(set(pref))


@pytest.mark.parametrize("text", ["doppio  spazio", " iniziale", "finale ", "a\ncapo",
                                  "tab\tulato", "non\u00a0separabile"])
def test_stray_spaces_found_whatever_the_writer(tmp_path, text):
    """The XML fast path must never hide a stray space (XlsxWriter and openpyxl files)."""
    df = trees.frame(2)
    df.at[1, C.OPERATIVO] = text
    p = trees.write(tmp_path / "x.xlsx", df)
    wb = openpyxl.load_workbook(p)
    wb["Albero"]["E2"] = text  # openpyxl rewrites every part
    q = tmp_path / "o.xlsx"
    wb.save(q)
    for path, cell in ((p, "G3"), (q, "E2")):
        f = validate(load_tree(path))
        assert cell in set(f[f.codice == "SPAZI"].cella), (path.name, text)


def test_clean_workbook_skips_the_space_pass(tmp_path):
    from xl_albero.io.file_source import read_raw_sheets

    raw = read_raw_sheets(trees.write(tmp_path / "x.xlsx"))
    assert raw[0].plain_text


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 6).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.lists(st.sampled_from(["Area", " AREA ", "area", "Settore",
                                                   "SETTORE", "x", None, "Codice"]),
                                  min_size=k, max_size=k), max_size=25))))
def test_repeated_headers_equal_counting_every_column(case):
    """The pigeonhole shortcut of ``_repeated_headers`` finds exactly the rows where at
    least max(2, score - 1) known columns repeat their header."""
    import numpy as np

    from xl_albero.sheet_parser import HeaderMatch, _repeated_headers

    k, rows = case
    header = ["Area", "Settore", "Codice", "Area", "Settore", "Codice"][:k]
    hm = HeaderMatch(0, {c: f"canon{c}" for c in range(k)})
    columns = [np.array([r[c] for r in rows], dtype=object) for c in range(k)]
    need = max(2, hm.score - 1)
    naive = [sum(v is not None and v in {h, h.strip(), h.upper(), h.strip().upper()}
                 for v, h in zip(r, header, strict=True)) >= need for r in rows]
    assert _repeated_headers(columns, header, hm).tolist() == naive


def test_equal_texts_of_a_sheet_are_read_as_one_object():
    """The reader shares repeated texts (a tree repeats its area and strategic titles on
    every row): one object each, so memory and later comparisons pay for one."""
    from xl_albero.io.file_source import read_raw_sheets

    root = Path(__file__).resolve().parents[1]
    (raw,) = read_raw_sheets(root / "workbooks" / "albero_2025.xlsx", ["Albero"])
    texts = [v for row in raw.rows for v in row if isinstance(v, str) and len(v) > 1]
    assert len({id(v) for v in texts}) == len(set(texts)) < len(texts)
