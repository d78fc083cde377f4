"""``settori`` and ``riepilogo`` through a real ``albero server``."""

from __future__ import annotations

import pytest

from tests.excel_model import Formula, WorkbookModel, block
from tests.server_support import SAMPLE, call, running_server
from xl_albero import columns as C
from xl_albero.io.reader import load_tree
from xl_albero.per_sector import sector_frames


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv")) as url:
        yield url


def _norm(v):
    return None if v is None or v == "" or (isinstance(v, float) and v != v) else v


def test_settori_writes_one_sheet_per_sector_with_its_rows(server):
    model = WorkbookModel.from_xlsx(SAMPLE)
    tree_before = dict(model.sheet("Albero").cells)
    r = call(server, "settori", model.payload())
    assert r.status_code == 200, r.text
    model.apply(r.json())
    frames = sector_frames(load_tree(SAMPLE))
    assert model.sheet("Albero").cells == tree_before
    for sigla, frame in frames.items():
        rows = model.sheet(sigla).rows()
        assert rows[0] == [str(c) for c in frame.columns]
        got = [[_norm(v) for v in row] + [None] * (len(frame.columns) - len(row))
               for row in rows[1:]]
        want = [[_norm(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        assert got == want, sigla
        assert not any(isinstance(v, Formula) for v in model.sheet(sigla).cells.values())
    # a second run replaces the sheets (no duplicates) and valida still finds the tree
    r = call(server, "settori", model.payload())
    assert r.status_code == 200, r.text
    model.apply(r.json())
    assert len(model.names_of()) == len(set(model.names_of())) == 2 + len(frames)
    r = call(server, "valida", model.payload())
    assert r.status_code == 200, r.text


def test_riepilogo_pivots_cover_the_whole_tree(server):
    from xl_albero.summary import pivot_specs

    model = WorkbookModel.from_xlsx(SAMPLE)
    r = call(server, "riepilogo", model.payload())
    assert r.status_code == 200, r.text
    model.apply(r.json())
    tree = load_tree(SAMPLE)
    pivots = model.sheet("Riepilogo").pivots
    # the sample has no Peso, Stato or Avanzamento % values: no pivot of zeros for them
    assert tree.data[C.AVANZAMENTO].isna().all() and tree.data[C.PESO].isna().all()
    assert [p["name"] for p in pivots] == [s.name for s in pivot_specs(tree) if not s.bins]
    names = {p["name"] for p in pivots}
    assert {"area_settore", "pluriennale"} <= names
    assert not names & {"peso_settore", "stato_settore", "avanzamento_settore"}
    texts = " ".join(str(v) for v in model.sheet("Riepilogo").cells.values())
    assert "Avanzamento" not in texts and "pesi" not in texts
    n_rows, n_cols = len(tree.data) + 1, len(tree.data.columns)
    for p in pivots:
        sheet, _, address = p["source"].rpartition("!")
        assert sheet.strip("'") == tree.sheet
        assert block(address) == (0, 0, n_rows - 1, n_cols - 1)
        assert set(p["rows"]) <= set(tree.data.columns) | {C.AREA}
    r = call(server, "riepilogo", model.payload())
    model.apply(r.json())
    assert model.names_of().count("Riepilogo") == 1
    assert len(model.sheet("Riepilogo").pivots) == len(pivots)




# -- riepilogo: the same summaries as the CLI, figures as Excel would compute them -----

BANDS = ["1) 0–24%", "2) 25–49%", "3) 50–74%", "4) 75–99%", "5) 100%"]


def _pandas_pivot(data, index, columns, values, aggfunc):
    """A pandas pivot with Excel's conventions: blank items ``(vuoto)``, ``Totale``."""
    import pandas as pd

    d = data.copy()
    for c in [index] + ([columns] if columns else []):
        d[c] = d[c].map(lambda v: "(vuoto)" if v is None or v == "" or v != v else v)
    if aggfunc == "count":
        d["_v"] = d[values].notna().astype(float)
    else:
        d["_v"] = pd.to_numeric(d[values], errors="coerce").fillna(0.0)
    if columns is None:
        d["_c"] = aggfunc
        columns = "_c"
    t = pd.pivot_table(d, index=index, columns=columns, values="_v", aggfunc="sum",
                       margins=True, margins_name="Totale", fill_value=0)
    out = {(r, c): float(t.at[r, c]) for r in t.index for c in t.columns if t.at[r, c]}
    if columns == "_c":
        out = {k: v for k, v in out.items() if k[1] != "Totale"}
    return out


def test_riepilogo_has_every_cli_summary_with_the_figures_of_a_pandas_pivot(server, tmp_path):
    import numpy as np
    import pandas as pd

    from tests.sector_fixtures import tree_file
    from tests.test_summary import expected_pivots
    from xl_albero.excel.riepilogo import DATA_SHEET
    from xl_albero.summary import summary_specs

    path = tree_file(tmp_path / "albero.xlsx")
    tree = load_tree(path)
    model = WorkbookModel.from_xlsx(path)
    r = call(server, "riepilogo", model.payload())
    assert r.status_code == 200, r.text
    model.apply(r.json())
    specs = summary_specs(tree)
    sheet = model.sheet("Riepilogo")
    pivots = {p["name"]: p for p in sheet.pivots}
    # every CLI summary is there: PivotTables + the computed involvement table
    assert list(pivots) == [s.name for s in specs if s.name != "coinvolgimento"]
    titles = [v for (_, c), v in sorted(sheet.cells.items()) if c == 0 and isinstance(v, str)]
    for s in specs:
        assert s.title in titles
    data = tree.data
    want = {
        "area_settore": _pandas_pivot(data, C.AREA, C.RESPONSABILE, C.OPERATIVO, "count"),
        "strategico_settore": _pandas_pivot(data, C.STRATEGICO, C.RESPONSABILE, C.OPERATIVO,
                                            "count"),
        "pluriennale": _pandas_pivot(data, C.PLURIENNALE, None, C.OPERATIVO, "count"),
        "peso_settore": _pandas_pivot(data, C.RESPONSABILE, None, C.PESO, "sum"),
        "stato_settore": _pandas_pivot(data, C.RESPONSABILE, C.STATO, C.OPERATIVO, "count"),
    }
    av = pd.to_numeric(data[C.AVANZAMENTO], errors="coerce")
    band = pd.cut(av, [0, 25, 50, 75, 100, np.inf], right=False, labels=BANDS).astype(object)
    banded = data.assign(fascia=band)[band.notna()]
    want["avanzamento_settore"] = _pandas_pivot(banded, C.RESPONSABILE, "fascia", C.OPERATIVO,
                                                "count")
    for name, expected in want.items():
        assert model.pivot_figures(pivots[name]) == pytest.approx(expected), name
    # bands, not one column per distinct value; the helper range is on a hidden sheet
    band_pivot = pivots["avanzamento_settore"]
    assert band_pivot["columns"] == ["Fascia di avanzamento"]
    assert band_pivot["source"].startswith(f"'{DATA_SHEET}'!")
    assert not model.sheet(DATA_SHEET).visible
    assert {c for (_, c) in model.pivot_figures(band_pivot)} <= {*BANDS, "Totale"}
    # involvement: a plain table (led + involved per sector) with the pandas figures
    title = next(s.title for s in specs if s.name == "coinvolgimento")
    top = next(r for (r, c), v in sheet.cells.items() if c == 0 and v == title)
    rows = sheet.rows()
    head = rows[top + 2]
    assert head[:4] == [C.SETTORE, "Responsabile", "Coinvolto", "Totale"]
    got = {}
    for row in rows[top + 3:]:
        if not row or row[0] is None:
            break
        got.update({(row[0], h): float(v) for h, v in zip(head[1:4], row[1:4], strict=True)
                    if v})
    expected_inv = expected_pivots(data, tree.sectors[C.SETTORE].tolist())["coinvolgimento"]
    assert got == pytest.approx(expected_inv)
    assert not any(isinstance(v, Formula) for v in sheet.cells.values())
    # a second run replaces both sheets
    r = call(server, "riepilogo", model.payload())
    assert r.status_code == 200, r.text
    model.apply(r.json())
    assert model.names_of().count("Riepilogo") == model.names_of().count(DATA_SHEET) == 1
    assert [p["name"] for p in model.sheet("Riepilogo").pivots] == list(pivots)


# -- settori: Sigla problems are refused as by the CLI ---------------------------------

def _tree_with_siglas(tmp_path, siglas):
    from tests.sector_fixtures import SECTORS, small_tree, tree_file

    sectors = [(name, sigla, d, e) for (name, _, d, e), sigla in zip(SECTORS, siglas,
                                                                     strict=True)]
    return tree_file(tmp_path / "albero.xlsx", small_tree(sectors=sectors))


@pytest.mark.parametrize(("siglas", "expected"), [
    (["TEC", "tec", "CITTA", "POL", "AVV"], "coincide con quella del settore"),
    (["TEC/NICO", "ECOFIN", "CITTA", "POL", "AVV"], "caratteri non ammessi"),
    (["T" * 40, "ECOFIN", "CITTA", "POL", "AVV"], "supera i 31 caratteri"),
])
def test_settori_refuses_sigla_problems_like_the_cli(server, tmp_path, siglas, expected):
    from tests.sector_fixtures import run_cli

    path = _tree_with_siglas(tmp_path, siglas)
    model = WorkbookModel.from_xlsx(path)
    before = model.names_of()
    r = call(server, "settori", model.payload())
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("«Fogli per settore» non eseguito. Il registro dei settori non "
                             "permette") and expected in detail
    core = detail.split(" non eseguito. ", 1)[1].rsplit(" (1 errore", 1)[0]
    code, _, err = run_cli("settori", path, "-o", tmp_path / "out.xlsx")
    assert code == 2 and core in err  # the same Italian message as the CLI
    assert not (tmp_path / "out.xlsx").exists()
    # no sector sheet was written; the registry problem is a finding on «Validazione»,
    # its Sigla cell coloured like any other finding
    model.apply(r.json())
    assert model.names_of() == [*before, "Validazione"]
    rows = model.sheet("Validazione").rows()
    head = rows[0]
    found = [dict(zip(head, row, strict=False)) for row in rows[1:]]
    [err_row] = [f for f in found if f["Gravità"] == "errore"]
    assert err_row["Foglio"] == "Settori" and err_row["Cella"].startswith("B")
    assert err_row["Codice"].isupper()
    r0, c0 = block(err_row["Cella"])[:2]
    assert model.sheet("Settori").fills.get((r0, c0)) == "#FFC7CE"


def test_settori_derives_a_missing_sigla_and_reports_it(server, tmp_path):
    path = _tree_with_siglas(tmp_path, ["TECNICO", None, "CITTA", "POL", "AVV"])
    model = WorkbookModel.from_xlsx(path)
    r = call(server, "settori", model.payload())
    assert r.status_code == 200, r.text
    body = r.json()
    model.apply(body)
    [notice] = body["albero"]["avvisi"]
    assert "ECONOMICO-FINANZIARIO E PATRIMONIO" in notice and "non ha una sigla" in notice
    derived = notice.split("si usa «")[1].split("»")[0]
    assert derived in model.names_of()
    assert "1 avviso sul registro" in body["esito"]


# -- every ribbon command ends with a short Italian outcome --------------------------

def test_every_command_shows_its_outcome_in_an_alert(server, tmp_path):
    from tests.sector_fixtures import tree_file
    from xl_albero.validation import validate

    path = tree_file(tmp_path / "albero.xlsx")
    tree = load_tree(path)
    counts = validate(tree)["gravita"].value_counts().to_dict()
    model = WorkbookModel.from_xlsx(path)
    expect = {
        "valida": [f"{counts.get('avviso', 0)} avvisi", "Validazione"],
        "settori": [f"{len(tree.sectors)} fogli creati"],
        "riepilogo": ["6 tabelle pivot", "1 tabella calcolata", "«Riepilogo»"],
        "nuovo_ciclo": ["Nuovo ciclo pronto", "2026"],
    }
    for script, parts in expect.items():
        args = [2026] if script == "nuovo_ciclo" else None
        r = call(server, script, model.payload(args))
        assert r.status_code == 200, r.text
        n = len(model.alerts)
        model.apply(r.json())
        [alert] = model.alerts[n:]
        assert alert[0] == r.json()["esito"]
        assert alert[1] == "Albero Performance" and alert[3] == "info"
        for part in parts:
            assert part in alert[0], (script, alert[0])
        assert model.log[-2] == "alert"  # shown after the command's own actions
