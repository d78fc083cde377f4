"""Measured figures in ``albero riepilogo`` (sheet ``Raggiungimento``) and in the add-in's
``Riepilogo`` (through a real ``albero server``)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests import trees
from tests.excel_model import WorkbookModel
from tests.lo import lo_read, needs_lo
from tests.server_support import call, running_server
from xl_albero import columns as C
from xl_albero.app.ui import Ui
from xl_albero.cli import main
from xl_albero.excel.riepilogo import DATA_SHEET
from xl_albero.io.measure_sheet import SHEET_MEASURE

SECTORS = trees.SECTORS


def run(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], Ui(out, err))
    return code, out.getvalue(), err.getvalue()


def measured_tree(tmp: Path) -> Path:
    df = trees.frame(8)
    # sectors 0..3 lead rows i % 4; sector 3 (SERVIZI ALLA CITTÀ) reports nothing
    df[C.AVANZAMENTO] = [100, 50, 20, None, 80, 40, 60, None]
    df[C.PESO] = [25, 50, 100, 50, 75, 50, None, 50]
    return trees.write(tmp / "albero.xlsx", df)


def _expected_sectors() -> dict[str, float | None]:
    # sector 0: rows 0 (100, w25) and 4 (80, w75); sector 1: rows 1 (50, w50), 5 (40, w50)
    # sector 2: rows 2 (20, w100) and 6 (60, no weight: the sector's mean, 100)
    return {SECTORS[0]: (100 * 25 + 80 * 75) / 100, SECTORS[1]: 45.0,
            SECTORS[2]: 40.0, SECTORS[3]: None}


@needs_lo
def test_riepilogo_has_the_measured_sheet_read_by_libreoffice(tmp_path: Path):
    src = measured_tree(tmp_path)
    code, out, err = run("riepilogo", src, "-o", tmp_path / "r.xlsx")
    assert code == 0, err
    assert "Raggiungimento" in out
    seen = lo_read(tmp_path / "r.xlsx")[SHEET_MEASURE]
    rows = [[v for v in r] for r in seen]
    assert rows[0][0].startswith("Grado di raggiungimento 2025")
    by_sector = {r[0]: r[2] for r in rows if r and r[0] in SECTORS}
    for name, want in _expected_sectors().items():
        if want is None:
            assert by_sector[name] == "non rilevato"  # never 0 %
        else:
            assert by_sector[name] == pytest.approx(round(want, 1))
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert len(wb[SHEET_MEASURE]._charts) == 1


def test_riepilogo_without_monitoring_values_has_no_measured_sheet(tmp_path: Path):
    src = trees.write(tmp_path / "albero.xlsx")
    code, out, err = run("riepilogo", src, "-o", tmp_path / "r.xlsx")
    assert code == 0, err
    assert SHEET_MEASURE not in openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames


def test_addin_riepilogo_shows_measured_figures_and_a_chart(tmp_path: Path):
    src = measured_tree(tmp_path)
    model = WorkbookModel.from_xlsx(src)
    (tmp_path / "srv").mkdir()
    with running_server(tmp_path / "srv") as url:
        r = call(url, "riepilogo", model.payload())
        assert r.status_code == 200, r.text
        model.apply(r.json())
    sheet = model.sheet("Riepilogo")
    rows = sheet.rows()
    titles = [r[0] for r in rows if r and isinstance(r[0], str)]
    assert any(t.startswith("Grado di raggiungimento 2025") for t in titles)
    by_sector = {r[0]: r[2] for r in rows if r and r[0] in SECTORS and len(r) > 2}
    for name, want in _expected_sectors().items():
        if want is None:
            assert by_sector[name] == "non rilevato"
        else:
            assert by_sector[name] == pytest.approx(round(want, 1))
    [chart] = sheet.charts
    assert chart[2] == DATA_SHEET
    data = pd.DataFrame(model.sheet(DATA_SHEET).rows())
    sigla_col = next(j for j in data.columns if data.iloc[0, j] == "Settore")
    values = dict(zip(data.iloc[1:, sigla_col], data.iloc[1:, sigla_col + 1], strict=True))
    reg = trees.registry()
    sigla_of = dict(zip(reg[C.SETTORE], reg[C.SIGLA], strict=True))
    assert values[sigla_of[SECTORS[3]]] is None  # a gap in the chart, not a 0 bar
    assert values[sigla_of[SECTORS[1]]] == pytest.approx(45.0)
