"""``settori`` and ``riepilogo`` through a real ``albero server``."""

from __future__ import annotations

import pytest

from tests.excel_model import Formula, WorkbookModel, block
from tests.server_support import SAMPLE, call, running_server
from xl_albero import columns as C
from xl_albero.io.reader import load_tree
from xl_albero.sector_views import sector_frames


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
    assert [p["name"] for p in pivots] == [s.name for s in pivot_specs(tree)]
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


