"""``albero relazione`` end to end: the document says what ``albero misura --json`` says;
refusals in Italian with exit 2 and nothing written; the ribbon button on a real
``albero server`` delivers the document as a download."""

from __future__ import annotations

import json

import docx
import httpx
import pytest

from tests.excel_model import WorkbookModel
from tests.sector_fixtures import run_cli, small_tree, tree_file
from tests.server_support import SAMPLE, call, running_server
from tests.test_relazione import _all_text, _own_template, rich_tree
from xl_albero import columns as C
from xl_albero.model import Tree
from xl_albero.relazione import PLACEHOLDER, fmt_grado


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    src = tree_file(tmp / "albero.xlsx", rich_tree())
    out = tmp / "relazione_2025.docx"
    code, stdout, err = run_cli("relazione", src, "-o", out, "--comune", "Comune di Prova")
    assert code == 0, err
    code, js, err = run_cli("misura", src, "--json")
    assert code == 0, err
    return src, out, stdout, json.loads(js)


def _tables(document) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def test_document_figures_equal_misura_json(done):
    _, out, stdout, js = done
    document = docx.Document(str(out))
    text = _all_text(document)
    tables = _tables(document)
    r = js["riepilogo"]
    assert f"complessivo dell'ente nel 2025: {fmt_grado(r['grado_comune'])}" in text
    assert (f"Obiettivi operativi: {r['obiettivi_operativi']}; con un risultato rilevato: "
            f"{r['rilevati']}; non rilevati: {r['non_rilevati']}; esclusi dalla misurazione: "
            f"{r['esclusi']}; non raggiunti: {r['non_raggiunti']}.") in text
    areas = next(t for t in tables if t[0][:2] == ["Codice", "Area strategica"])
    assert [(row[1], row[4]) for row in areas[1:]] == [
        (a[C.AREA], fmt_grado(a["Grado %"])) for a in js["aree"]]
    assert [(row[2], row[3]) for row in areas[1:]] == [
        (str(a["Obiettivi"]), str(a["Rilevati"])) for a in js["aree"]]
    bands = next(t for t in tables if t[0][:2] == ["Fascia", "Obiettivi"])
    assert [(row[0], row[1]) for row in bands[1:]] == [
        (b["Fascia"], str(b["Obiettivi"])) for b in js["fasce"]]
    objectives = {row[0]: row for t in tables if "Indicatore" in t[0] for row in t[1:]}
    assert set(objectives) == {o[C.CODICE] for o in js["obiettivi"]}
    for o in js["obiettivi"]:
        assert objectives[o[C.CODICE]][6] == fmt_grado(o["Grado %"]), o[C.CODICE]
    sectors = next(t for t in tables if t[0][:2] == ["Settore", "Sigla"])
    assert [(row[0], row[3], row[4], row[6]) for row in sectors[1:]] == [
        (s[C.SETTORE], fmt_grado(s["Grado %"]), str(s["Obiettivi guidati"]),
         str(s["Obiettivi coinvolto"])) for s in js["settori"]]
    for p in js["pluriennali"]:
        assert f"Obiettivo pluriennale {p['Codice']} – {p[C.PLURIENNALE]}" in text
        assert f"Grado di raggiungimento: {fmt_grado(p['Grado %'])}." in text
    not_reached = next(t for t in tables if t[0][-1] == "Nota del dirigente"
                       and "Indicatore" not in t[0])
    assert [row[0] for row in not_reached[1:]] == [o[C.CODICE] for o in js["non_raggiunti"]]
    assert "Comune di Prova" in text and "grado complessivo" in stdout


def test_tree_not_measured_is_refused_and_nothing_written(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", Tree(
        data=small_tree().data.drop(columns=[C.AVANZAMENTO, C.STATO]),
        sectors=small_tree().sectors, registry_declared=True))
    out = tmp_path / "relazione.docx"
    code, _, err = run_cli("relazione", src, "-o", out)
    assert code == 2
    assert "non ha ancora valori di monitoraggio" in err and "non c'è nulla da misurare" in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["albero.xlsx"]


def test_bad_own_template_is_refused_before_any_work(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", rich_tree())
    tpl = _own_template(tmp_path / "nostro.docx", "Relazione {{ anno }}")
    out = tmp_path / "relazione.docx"
    code, _, err = run_cli("relazione", src, "-o", out, "--modello", tpl)
    assert code == 2 and "Il modello della relazione" in err
    assert "mancano i segnaposto obbligatori" in err and "non è stato scritto" in err
    (tmp_path / "vecchio.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 64)
    code, _, err = run_cli("relazione", src, "-o", out, "--modello", tmp_path / "vecchio.doc")
    assert code == 2 and "serve un documento di Word (.docx)" in err
    assert not out.exists()


def test_output_must_be_a_word_document_and_is_never_overwritten_silently(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", rich_tree())
    code, _, err = run_cli("relazione", src, "-o", tmp_path / "relazione.xlsx")
    assert code == 2 and "deve essere un documento di Word (.docx)" in err
    assert not (tmp_path / "relazione.xlsx").exists()
    code, _, err = run_cli("relazione", src, "-o", tmp_path / "relazione")
    assert code == 0, err
    first = (tmp_path / "relazione.docx").read_bytes()
    code, _, err = run_cli("relazione", src, "-o", tmp_path / "relazione.docx")
    assert code == 2 and "esiste già" in err
    assert (tmp_path / "relazione.docx").read_bytes() == first
    before = src.read_bytes()
    code, _, err = run_cli("relazione", src, "-o", src)
    assert code == 2 and "deve essere un documento di Word (.docx)" in err
    assert src.read_bytes() == before


def test_without_comune_the_title_page_has_a_marked_placeholder(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", rich_tree())
    out = tmp_path / "r.docx"
    assert run_cli("relazione", src, "-o", out)[0] == 0
    assert f"Comune di {PLACEHOLDER}" in _all_text(docx.Document(str(out)))


# -- the ribbon button on a real server ------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv")) as url:
        yield url


def test_ribbon_relazione_offers_the_document_as_a_download(server, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", rich_tree())
    model = WorkbookModel.from_xlsx(src)
    before = {s.name: dict(s.cells) for s in model.sheets}
    r = call(server, "relazione", model.payload(args=["Comune di Prova"]))
    assert r.status_code == 200, r.text
    assert "Relazione pronta" in r.json()["esito"]
    model.apply(r.json())
    for name, cells in before.items():
        assert model.sheet(name).cells == cells  # the tree is never altered
    (url, text), = model.sheet("Relazione").links.values()
    assert url.startswith(server + "/scarica/") and text.endswith(".docx")
    got = httpx.get(url)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    path = tmp_path / "scaricata.docx"
    path.write_bytes(got.content)
    assert "Comune di Prova" in _all_text(docx.Document(str(path)))
    # a tree without monitoring values: the Italian refusal, no document
    r = call(server, "relazione", WorkbookModel.from_xlsx(SAMPLE).payload(args=[None]))
    assert r.status_code == 422 and "non ha ancora valori di monitoraggio" in r.json()["detail"]
