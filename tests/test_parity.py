"""One behaviour in every front end: the CLI, the Office add-in (a real ``albero server``
driven over HTTP with the JSON Excel sends, merged areas included as ``ribbon.js`` sends
them) and the classic add-in (an xlwings Book whose ``.api`` is unusable, merged areas
read through ``Range.merge_cells`` / ``merge_area`` as desktop Excel answers them) give
the same findings, the same sector sheet rows and the same summary figures.

Corpus: the canonical sample, the PDF-layout sample (upper levels as merged cells), a tree
with planted errors, a tree with monitoring values.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from tests import trees
from tests.desktop_book import desktop_book
from tests.excel_model import WorkbookModel
from tests.sector_fixtures import run_cli, small_tree, tree_file
from tests.server_support import ROOT, SAMPLE, call, running_server
from xl_albero import findings as F
from xl_albero.excel import desktop
from xl_albero.io.file_source import FileSource
from xl_albero.usecases.riepilogo import riepilogo
from xl_albero.usecases.sectors import SectorOptions

PDF = ROOT / "workbooks" / "albero_2025_pdf.xlsx"
KEY = ("foglio", "riga", "cella", "gravita", "codice", "messaggio")


def _planted(tmp: Path) -> Path:
    df = trees.frame(6, **{"1:Obiettivo operativo": None, "2:Codice": "9.9",
                           "3:Settore responsabile": "SETTORE CHE NON ESISTE",
                           "4:Area strategica": "  AREA   2 "})
    return trees.write(tmp / "errori.xlsx", df)


def _monitoring(tmp: Path) -> Path:
    return tree_file(tmp / "monitoraggio.xlsx", small_tree())


CORPUS = {
    "canonico": lambda tmp: SAMPLE,
    "pdf": lambda tmp: PDF,
    "errori": _planted,
    "monitoraggio": _monitoring,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv-parity")) as url:
        yield url


@pytest.fixture(params=sorted(CORPUS))
def case(request, tmp_path) -> tuple[str, Path]:
    return request.param, CORPUS[request.param](tmp_path)


# -- normalising what each front end shows --------------------------------------------------

def _cell(v: object) -> object:
    if v is None or v == "" or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        return v.date()
    return v


def _finding_keys(records: list[dict]) -> list[tuple]:
    out = []
    for r in records:
        riga = r.get("riga")
        out.append((str(r["foglio"]), None if riga in (None, "") else int(riga),
                    str(r.get("cella") or ""), r["gravita"], r["codice"], r["messaggio"]))
    return sorted(out, key=repr)


def _validazione_records(model: WorkbookModel) -> list[dict]:
    """The findings as the «Validazione» sheet shows them (after the actions applied)."""
    rows = model.sheet("Validazione").rows()
    head = [F.FINDING_FIELDS[list(F.FINDING_HEADERS.values()).index(h)] for h in rows[0]]
    out = []
    for row in rows[1:]:
        rec = dict(zip(head, [*row, *[None] * (len(head) - len(row))], strict=True))
        if not rec.get("gravita"):
            continue  # «Nessun rilievo»
        out.append(rec)
    return out


def _sheet_rows(values: list[list[object]]) -> list[list[object]]:
    rows = [[_cell(v) for v in row] for row in values]
    rows = [r for r in rows if any(v is not None for v in r)]
    width = max((len(r) for r in rows), default=0)
    out = [r + [None] * (width - len(r)) for r in rows]
    while out and out[0] and all(r[-1] is None for r in out):
        out = [r[:-1] for r in out]
    return out


def _cli_sector_rows(path: Path, siglas: list[str]) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        out = {}
        for s in siglas:
            values = wb.get_sheet_by_name(s).to_python(skip_empty_area=False)
            out[s] = _sheet_rows(values[1:])  # row 1: the sheet's title
        return out
    finally:
        wb.close()


# -- the three front ends --------------------------------------------------------------------

def cli_findings(path: Path) -> list[tuple]:
    code, out, err = run_cli("valida", path, "--json")
    assert code in (0, 1), err
    return _finding_keys(json.loads(out)["rilievi"])


def server_findings(server: str, model: WorkbookModel) -> list[tuple]:
    r = call(server, "valida", model.payload())
    assert r.status_code == 200, r.text
    model.apply(r.json())
    return _finding_keys(_validazione_records(model))


def desktop_findings(model: WorkbookModel) -> list[tuple]:
    with desktop_book(model) as book:
        outcome = desktop.execute(book, "valida")
        assert outcome.ok, outcome.message
        model.apply(book.json())
    return _finding_keys(_validazione_records(model))


def test_same_findings_everywhere(server, case):
    name, path = case
    want = cli_findings(path)
    if name == "errori":
        assert any(f[3] == F.ERRORE for f in want)
    assert server_findings(server, WorkbookModel.from_xlsx(path)) == want
    assert desktop_findings(WorkbookModel.from_xlsx(path)) == want


def test_the_pdf_layout_needs_its_merged_areas():
    """Without the merged areas (xlwings' own runPython payload: values only) the PDF
    layout's upper levels look blank: this is what the add-in's JavaScript avoids."""
    import xlwings as xw

    from xl_albero.excel.book_source import BookSource
    from xl_albero.usecases.valida import valida

    model = WorkbookModel.from_xlsx(PDF)
    assert sum(len(s.merged) for s in model.sheets) > 10
    values_only = valida(BookSource(xw.Book(json=model.payload(merged=False)), merged=None))
    with_merges = valida(BookSource(xw.Book(json=model.payload(merged=False)),
                                    merged={s.name: s.merged for s in model.sheets}))
    assert values_only.counts["errori"] > 3 * with_merges.counts["errori"]


def test_same_sector_sheet_rows_everywhere(server, case, tmp_path):
    _name, path = case
    out = tmp_path / "settori.xlsx"
    code, _, err = run_cli("settori", path, "-o", out, "--forza")
    assert code == 0, err
    with FileSource(path) as source:
        from xl_albero.usecases.sectors import sectors

        siglas = [s.sigla for s in sectors(source, SectorOptions(forza=True)).sectors]
    want = _cli_sector_rows(out, siglas)
    assert sum(len(rows) - 1 for rows in want.values()) >= 4  # header + objectives

    model = WorkbookModel.from_xlsx(path)
    r = call(server, "settori", model.payload([True]))  # «Procede anche se … errori»
    assert r.status_code == 200, r.text
    model.apply(r.json())
    assert {s: _sheet_rows(model.sheet(s).grid()) for s in siglas} == want

    model = WorkbookModel.from_xlsx(path)
    with desktop_book(model) as book:
        outcome = desktop.execute(book, "settori", forza=True)
        assert outcome.ok, outcome.message
        model.apply(book.json())
    assert {s: _sheet_rows(model.sheet(s).grid()) for s in siglas} == want


def test_same_summary_figures_everywhere(server, case):
    _name, path = case
    with FileSource(path) as source:  # what `albero riepilogo` writes (formulas' values)
        result = riepilogo(source, SectorOptions(forza=True))
    want = {title: {f"{r}|{c}": v for (r, c), v in cells.items()}
            for title, cells in result.figures().items()}
    assert want

    model = WorkbookModel.from_xlsx(path)
    r = call(server, "riepilogo", model.payload([True]))
    assert r.status_code == 200, r.text
    assert r.json()["albero"]["cifre"] == want

    model = WorkbookModel.from_xlsx(path)
    with desktop_book(model) as book:
        outcome = desktop.execute(book, "riepilogo", forza=True)
        assert outcome.ok, outcome.message
    assert outcome.result["cifre"] == want


def test_the_desktop_book_refuses_the_native_api():
    """The classic-add-in stand-in really refuses ``.api`` to our code (and only to it)."""
    from tests.desktop_book import NativeApiUsed

    model = WorkbookModel.from_xlsx(SAMPLE)
    with desktop_book(model) as book:
        ours = {"__name__": "xl_albero.excel.example"}
        exec("def read(book):\n    return book.sheets[0].api", ours)  # noqa: S102
        with pytest.raises(NativeApiUsed):
            ours["read"](book)
        assert book.sheets[0].used_range.merge_cells is False
