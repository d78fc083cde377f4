"""«Raccogli dai settori» in Excel: the Office add-in (files posted by the task pane as
base64, through a real ``albero server``) and the classic add-in (paths from the file
dialog, ``desktop.run`` on a real xlwings Book)."""

from __future__ import annotations

import base64
import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

from tests import trees  # noqa: E402
from tests.excel_model import WorkbookModel  # noqa: E402
from tests.server_support import call, running_server  # noqa: E402
from tests.test_collect import (  # noqa: E402
    codes_of,
    exported,
    file_of,
    fill,
    tree_frame,
)
from xl_albero import columns as C  # noqa: E402
from xl_albero.excel.raccogli import SHEET_CHANGES, SHEET_FILES, SHEET_FINDINGS  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv")) as url:
        yield url


def upload(*paths: Path) -> list[dict]:
    return [{"nome": p.name, "dati": base64.b64encode(p.read_bytes()).decode("ascii")}
            for p in paths]


def column_of(model: WorkbookModel, sheet: str, header: str) -> dict[int, object]:
    cells = model.sheet(sheet).cells
    [col] = [c for (r, c), v in cells.items() if r == 0 and v == header]
    return {r: v for (r, c), v in cells.items() if c == col and r > 0}


def test_office_addin_collects_posted_workbooks_into_the_open_tree(server, tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    c0, c1 = codes_of(df, 0), codes_of(df, 1)
    a = fill(file_of(folder, 0), tmp_path / "tecnico.xlsx",
             {c0[0]: {C.AVANZAMENTO: 70, C.NOTE: "bene"}, c0[1]: {C.AVANZAMENTO: 150}})
    b = fill(file_of(folder, 1), tmp_path / "sociali.xlsx", {c1[0]: {C.STATO: "Concluso"}})
    model = WorkbookModel.from_xlsx(src)
    r = call(server, "raccogli", model.payload([upload(a, b), "30/06"]))
    assert r.status_code == 200, r.text
    body = r.json()
    model.apply(body)
    assert {SHEET_CHANGES, SHEET_FILES, SHEET_FINDINGS} <= set(model.names_of())
    codes = column_of(model, "Albero", C.CODICE)
    row_of = {v: r for r, v in codes.items()}
    adv = column_of(model, "Albero", "Avanzamento % 30/06")
    assert adv[row_of[c0[0]]] == 70 and row_of[c0[1]] not in adv  # 150 refused
    assert column_of(model, "Albero", "Note 30/06")[row_of[c0[0]]] == "bene"
    assert column_of(model, "Albero", "Stato 30/06")[row_of[c1[0]]] == "Concluso"
    findings = model.sheet(SHEET_FINDINGS).rows()
    assert findings[0][0] == "File"
    assert any(row[0] == "tecnico.xlsx" and "fuori dall'intervallo" in str(row[7])
               for row in findings[1:])
    [alert] = model.alerts
    assert alert[0].startswith("Raccolta 30/06: 2 settori su 4 hanno restituito la cartella")
    assert "3 celle cambiate" in alert[0] and "Non restituite:" in alert[0]
    # collecting the same files again changes no cell and keeps the log as it was
    log_before = model.sheet(SHEET_CHANGES).rows()
    r = call(server, "raccogli", model.payload([upload(a, b), "30/06"]))
    assert r.status_code == 200, r.text
    model.apply(r.json())
    assert "0 celle cambiate" in model.alerts[-1][0]
    assert model.sheet(SHEET_CHANGES).rows() == log_before


def test_office_addin_refuses_when_nothing_can_be_collected(server, tmp_path: Path):
    src = trees.write(tmp_path / "albero.xlsx", tree_frame())
    other = trees.write(tmp_path / "altro.xlsx", tree_frame())
    model = WorkbookModel.from_xlsx(src)
    before = dict(model.sheet("Albero").cells)
    r = call(server, "raccogli", model.payload([upload(other), "31/12"]))
    assert r.status_code == 422, r.text
    model.apply(r.json())
    assert "Nessuna delle 1 cartelle indicate si può raccogliere" in r.json()["detail"]
    assert "L'albero non è stato modificato" in r.json()["detail"]
    assert model.sheet("Albero").cells == before
    rows = model.sheet(SHEET_FINDINGS).rows()
    assert rows[1][0] == "altro.xlsx" and rows[1][6] == "IDENTITA_MANCANTE"


def test_office_addin_bad_arguments(server, tmp_path: Path):
    model = WorkbookModel.from_xlsx(trees.write(tmp_path / "albero.xlsx", tree_frame()))
    r = call(server, "raccogli", model.payload([[{"nome": "x.xlsx"}], "30/06"]))
    assert r.status_code in (400, 422) and "«nome» e «dati»" in r.text
    r = call(server, "raccogli", model.payload([[], "30/06"]))
    assert r.status_code == 422 and "Nessuna cartella restituita indicata" in r.text
    r = call(server, "raccogli", model.payload([upload(tmp_path / "albero.xlsx"), None]))
    assert r.status_code in (400, 422) and "rilevazione" in r.text


def test_taskpane_offers_a_file_input_for_the_returned_workbooks(server):
    page = httpx.get(server + "/taskpane.html").text
    assert 'data-files="cartelle"' in page and 'type="file" multiple' in page
    assert '<option value="30/06">30/06</option>' in page


def test_classic_addin_collects_paths_from_the_file_dialog(tmp_path: Path, monkeypatch):
    import xlwings as xw

    from xl_albero.excel import desktop

    df = tree_frame()
    src, folder = exported(tmp_path, df)
    c0 = codes_of(df, 0)
    a = fill(file_of(folder, 0), tmp_path / "tecnico.xlsx", {c0[0]: {C.AVANZAMENTO: 55}})
    model = WorkbookModel.from_xlsx(src)
    book = xw.Book(json=model.payload())
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    desktop.run("raccogli", rilevazione="30/06", cartelle=[str(a)])
    model.apply(book.json())
    assert model.alerts[-1][0].startswith("Raccolta 30/06: 1 settori su 4")
    row_of = {v: r for r, v in column_of(model, "Albero", C.CODICE).items()}
    assert column_of(model, "Albero", "Avanzamento % 30/06")[row_of[c0[0]]] == 55
