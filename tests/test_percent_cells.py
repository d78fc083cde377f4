"""A percentage typed in Excel (``50%``: stored as 0.5 with a percent format) is read as the
50 the user sees, in the 0–100 columns of the tree and of the returned workbooks."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.lo import lo_convert, needs_lo
from xl_albero import columns as C
from xl_albero.io.number_formats import is_percent_code, percent_cells, percent_styles
from xl_albero.io.reader import load_tree
from xl_albero.model import as_percentage

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"


def _typed_as_percent(tmp_path: Path) -> tuple[Path, dict[int, object]]:
    """The sample with percentages typed the way Excel stores them; Excel row -> value."""
    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["Albero"]
    head = [c.value for c in ws[1]]
    adv, peso = head.index(C.AVANZAMENTO) + 1, head.index(C.PESO) + 1
    cells = {
        (2, adv): (0.5, "0%"),         # typed 50%
        (3, adv): (0.075, "0.0%"),     # typed 7,5%
        (4, adv): (1, "0%"),           # typed 100%
        (5, adv): (0.5, "General"),    # a plain 0,5: not a percentage, left as it is
        (6, adv): (0.3, '0.0"%"'),     # a literal % sign in quotes: not a percentage
        (7, adv): ("60%", "@"),        # text: left to the measuring rules
        (2, peso): (0.2, "0%"),        # weight typed 20%
    }
    for (r, c), (v, fmt) in cells.items():
        ws.cell(r, c).value = v
        ws.cell(r, c).number_format = fmt
    out = tmp_path / "percentuali.xlsx"
    wb.save(out)
    return out, {r: v for (r, c), (v, _) in cells.items() if c == adv}


def _by_row(tree, column):
    return dict(zip(tree.rows, tree.data[column], strict=True))


def test_percent_cells_are_read_as_the_percentage_shown(tmp_path):
    path, _ = _typed_as_percent(tmp_path)
    tree = load_tree(path)
    adv, peso = _by_row(tree, C.AVANZAMENTO), _by_row(tree, C.PESO)
    assert adv[2] == 50 and type(adv[2]) is int
    assert adv[3] == 7.5
    assert adv[4] == 100
    assert adv[5] == 0.5          # not formatted as a percentage
    assert adv[6] == 0.3          # "%" only as quoted text
    assert adv[7] == "60%"
    assert peso[2] == 20
    untouched = _by_row(load_tree(SAMPLE), C.AVANZAMENTO)
    assert all(adv[r] == untouched[r] for r in adv if r > 7)


def test_a_tree_without_percent_cells_reads_as_before(tmp_path):
    copy = tmp_path / "copia.xlsx"
    shutil.copy(SAMPLE, copy)
    assert load_tree(copy).data.equals(load_tree(SAMPLE).data)


def test_percent_styles_and_cells_from_the_package(tmp_path):
    path, _ = _typed_as_percent(tmp_path)
    with zipfile.ZipFile(path) as zf:
        styles = percent_styles(zf)
        xml = zf.read("xl/worksheets/sheet1.xml")
    cells = percent_cells(xml, styles)
    head = [c.value for c in openpyxl.load_workbook(path)["Albero"][1]]
    adv, peso = head.index(C.AVANZAMENTO), head.index(C.PESO)
    assert {(1, adv), (2, adv), (3, adv), (1, peso)} == cells


@pytest.mark.parametrize(("code", "percent"), [
    ("0%", True), ("0.00%", True), ("#,##0.0 %", True), ("[Red]0%", True),
    ('0"%"', False), ("0\\%", False), ("[$%-410]0", False), ("General", False),
    ("dd/mm/yyyy", False),
])
def test_percent_codes(code, percent):
    assert is_percent_code(code) is percent


@given(st.integers(0, 10_000))
def test_a_typed_percentage_comes_back_exactly(hundredths):
    """Typing p% stores p/100; reading it back gives p, without float noise."""
    p = hundredths / 100  # 0.00 .. 100.00
    stored = p / 100
    got = as_percentage(stored)
    assert got == p
    assert isinstance(got, int) == float(p).is_integer()


@needs_lo
def test_a_dirigente_typing_percentages_is_collected_as_percentages(tmp_path):
    """A returned workbook where «65%» was typed (0.65, percent format), once saved by
    openpyxl and once through LibreOffice: the master gets 65, not 0.65."""
    from tests.test_collect import codes_of, collect_json, exported, file_of, fill, tree_frame

    df = tree_frame()
    src, folder = exported(tmp_path, df)
    c0, c1 = codes_of(df, 0), codes_of(df, 1)

    def as_percent(ws, header):
        j = header.index(C.AVANZAMENTO) + 1
        for r in range(2, ws.max_row + 1):
            if isinstance(ws.cell(r, j).value, float):
                ws.cell(r, j).number_format = "0%"

    ret = tmp_path / "ritorno"
    ret.mkdir()
    fill(file_of(folder, 0), ret / "tecnico.xlsx",
         {c0[0]: {C.AVANZAMENTO: 0.65}, c0[1]: {C.AVANZAMENTO: 40}}, edit=as_percent)
    fill(file_of(folder, 1), tmp_path / "sociali.xlsx", {c1[0]: {C.AVANZAMENTO: 0.075}},
         edit=as_percent)
    lo_convert([tmp_path / "sociali.xlsx"], ret)
    code, payload, err = collect_json(tmp_path, src, ret)
    assert code == 0, (err, payload)
    m = load_tree(tmp_path / "master.xlsx").data.set_index(C.CODICE)
    assert m.loc[c0[0], "Avanzamento % 30/06"] == 65
    assert m.loc[c0[1], "Avanzamento % 30/06"] == 40
    assert m.loc[c1[0], "Avanzamento % 30/06"] == 7.5
