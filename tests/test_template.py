"""The blank template a comune starts from (``workbooks/modello_albero.xlsx``): built by
``workbooks/build_template.py``, read back by the program and by openpyxl."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openpyxl

from tests.sector_fixtures import run_cli
from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.io.reader import load_tree
from xl_albero.validation import validate

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbooks" / "modello_albero.xlsx"


def _builder():
    spec = importlib.util.spec_from_file_location("build_template",
                                                  ROOT / "workbooks" / "build_template.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def test_template_has_the_columns_an_example_row_and_the_registry():
    wb = openpyxl.load_workbook(TEMPLATE)
    assert wb.sheetnames == ["Albero", "Settori", "Istruzioni"]
    rows = list(wb["Albero"].iter_rows(values_only=True))
    assert list(rows[0]) == [*C.TREE_COLUMNS, *C.MONITORING_COLUMNS]
    assert len(rows) == 2 and "esempio" in rows[1][list(rows[0]).index(C.OPERATIVO)]
    reg = list(wb["Settori"].iter_rows(values_only=True))
    assert list(reg[0]) == list(C.REGISTRY_COLUMNS) and len(reg) == 2
    assert all(reg[1])  # the example sector has every field
    # nothing is hidden in a sheet to be filled in
    for ws in wb.worksheets:
        assert not any(d.hidden for d in ws.column_dimensions.values()), ws.title
    # the instructions explain every column of both sheets
    explained = {r[0] for r in wb["Istruzioni"].iter_rows(min_row=2, values_only=True)}
    assert set(C.TREE_COLUMNS) | set(C.MONITORING_COLUMNS) | set(C.REGISTRY_COLUMNS) <= explained


def test_template_is_a_valid_tree():
    tree = load_tree(TEMPLATE)
    assert tree.registry_declared and len(tree.data) == 1
    findings = validate(tree)
    assert not len(findings), F.to_records(findings)
    code, out, err = run_cli("valida", TEMPLATE)
    assert code == 0 and "nessun errore" in out, err


def test_template_build_is_reproducible(tmp_path):
    mod = _builder()
    out = mod.build(tmp_path)
    assert out == tmp_path / "modello_albero.xlsx"
    assert _values(out) == _values(TEMPLATE)
    (tmp_path / "b").mkdir()
    assert mod.main(["--out", str(tmp_path / "b")]) == 0
    assert _values(tmp_path / "b" / "modello_albero.xlsx") == _values(TEMPLATE)
