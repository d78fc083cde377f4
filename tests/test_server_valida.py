"""``valida`` through a real ``albero server``: the JSON Excel sends, the actions back."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.excel_model import Formula, WorkbookModel, block
from tests.server_support import ROOT, SAMPLE, call, running_server
from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.excel.sheet_writer import ERROR_FILL, WARNING_FILL
from xl_albero.io.reader import load_tree
from xl_albero.io.table_writer import write_tree_workbook
from xl_albero.validation import validate


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv")) as url:
        yield url


def expected_findings(path) -> list[dict]:
    """What ``albero valida --json`` reports (the CLI when present, else its core)."""
    if (ROOT / "xl_albero" / "app" / "valida.py").exists():
        out = subprocess.run([sys.executable, "-m", "xl_albero", "valida", str(path), "--json"],
                             capture_output=True, text=True, cwd=ROOT, check=False)
        return json.loads(out.stdout)["rilievi"]
    return F.to_records(validate(load_tree(path)))


def sheet_findings(model: WorkbookModel) -> list[dict]:
    rows = model.sheet("Validazione").rows()
    head = rows[0]
    assert head == [F.FINDING_HEADERS[f] for f in F.FINDING_FIELDS]
    out = []
    for row in rows[1:]:
        if row[head.index("Gravità")] is None:
            continue
        rec = dict(zip(F.FINDING_FIELDS, row, strict=False))
        out.append({k: (rec[k] if k == "riga" else ("" if rec[k] is None else str(rec[k])))
                    for k in F.FINDING_FIELDS})
    return out


@pytest.fixture()
def broken(tmp_path):
    """The sample tree with errors: a blank responsible sector and a duplicated code."""
    tree = load_tree(SAMPLE)
    data = tree.data.copy()
    data.loc[2, C.RESPONSABILE] = None
    data.loc[5, C.CODICE] = data.loc[4, C.CODICE]
    data.loc[7, C.OPERATIVO] = "=SOMMA(A1:A3)"
    path = tmp_path / "rotto.xlsx"
    write_tree_workbook(tree.with_data(data), path)
    return path


def run_valida(server, path_or_model) -> tuple[WorkbookModel, dict]:
    model = (path_or_model if isinstance(path_or_model, WorkbookModel)
             else WorkbookModel.from_xlsx(path_or_model))
    r = call(server, "valida", model.payload())
    assert r.status_code == 200, r.text
    model.apply(r.json())
    return model, r.json()


def test_sample_findings_equal_cli(server):
    model, body = run_valida(server, SAMPLE)
    assert sheet_findings(model) == expected_findings(SAMPLE)
    assert body["albero"] == F.counts(validate(load_tree(SAMPLE)))
    assert model.names_of()[-1] == "Validazione"
    assert model.active == model.names_of().index("Validazione")


def test_broken_tree_findings_colours_and_links(server, broken):
    model, _ = run_valida(server, broken)
    found = sheet_findings(model)
    assert found == expected_findings(broken)
    assert any(f["gravita"] == "errore" for f in found)
    tree_sheet = model.sheet("Albero")
    for f in found:
        if not f["cella"]:
            continue
        r, c, *_ = block(f["cella"])
        want = ERROR_FILL if any(g["cella"] == f["cella"] and g["gravita"] == "errore"
                                 for g in found) else WARNING_FILL
        assert tree_sheet.fills[(r, c)] == want, f
    coloured = {(r, c) for (r, c) in tree_sheet.fills}
    assert coloured == {block(f["cella"])[:2] for f in found if f["cella"]}
    # every finding row links to its cell
    val = model.sheet("Validazione")
    links = {target for target, _ in val.links.values()}
    assert links == {f"#'Albero'!{f['cella']}" for f in found if f["cella"]}
    # the formula-looking text came back as text, never as a formula
    assert not any(isinstance(v, Formula) for v in val.cells.values())


def test_second_run_replaces_sheet_and_clears_old_colours(server, broken):
    model, _ = run_valida(server, broken)
    first = sheet_findings(model)
    # the user fixes the blank responsible sector, then validates again
    tree_sheet = model.sheet("Albero")
    fixed = next(f for f in first if f["colonna"] == C.RESPONSABILE and f["gravita"] == "errore")
    r, c, *_ = block(fixed["cella"])
    tree_sheet.cells[(r, c)] = "POLIZIA LOCALE"
    model, _ = run_valida(server, model)
    second = sheet_findings(model)
    assert model.names_of().count("Validazione") == 1
    assert all(f["cella"] != fixed["cella"] for f in second)
    assert (r, c) not in tree_sheet.fills
    assert {(rr, cc) for (rr, cc) in tree_sheet.fills} == {
        block(f["cella"])[:2] for f in second if f["cella"]}


def test_twenty_concurrent_requests(server, broken):
    payloads = [WorkbookModel.from_xlsx(SAMPLE if i % 2 else broken).payload()
                for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda p: call(server, "valida", p), payloads))
    expected = {True: expected_findings(SAMPLE), False: expected_findings(broken)}
    for i, r in enumerate(responses):
        assert r.status_code == 200, r.text
        model = WorkbookModel.from_xlsx(SAMPLE if i % 2 else broken)
        model.apply(r.json())
        assert sheet_findings(model) == expected[bool(i % 2)]
