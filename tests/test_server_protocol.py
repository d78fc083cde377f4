"""The add-in server's protocol: manifest, icons, task pane, auth, errors, functions,
``nuovo_ciclo`` download. A real ``albero server`` on 127.0.0.1."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import httpx
import openpyxl
import pytest
import xlwings as xw

from tests.excel_model import WorkbookModel
from tests.server_support import SAMPLE, call, running_server
from xl_albero.commands import ribbon_commands
from xl_albero.server import icons

NS = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
      "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
      "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
      "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
TOKEN = "segreto-di-prova-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv")) as url:
        yield url


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srvtok"), ALBERO_SERVER_TOKEN=TOKEN) as url:
        yield url


def _strings(root) -> dict[str, str]:
    return {s.get("id"): s.get("DefaultValue") for s in root.iter(f"{{{NS['bt']}}}String")}


def test_manifest_lists_exactly_the_ribbon_commands(server):
    text = httpx.get(server + "/manifest.xml").text
    root = ET.fromstring(text.encode())
    tab = root.find(".//v:CustomTab", NS)
    strings = _strings(root)
    assert strings[tab.find("v:Label", NS).get("resid")] == "Albero Performance"
    controls = tab.findall(".//v:Control", NS)
    functions = [c.find("v:Action/v:FunctionName", NS) for c in controls]
    bound = [(strings[c.find("v:Label", NS).get("resid")], f.text)
             for c, f in zip(controls, functions, strict=True) if f is not None]
    assert bound == [(c.label, f"albero-{c.name}") for c in ribbon_commands()]
    tips = [strings[c.find("v:Supertip/v:Description", NS).get("resid")] for c in controls]
    assert tips[:len(bound)] == [c.tooltip for c in ribbon_commands()]
    panes = [c for c in controls
             if c.find("v:Action", NS).get(f"{{{NS['xsi']}}}type") == "ShowTaskpane"]
    assert len(panes) == 1
    assert strings["Functions.Namespace"] == "ALBERO"
    # every icon the manifest names is served and is a PNG of the declared size
    for img in root.iter(f"{{{NS['bt']}}}Image"):
        url = img.get("DefaultValue")
        if url:
            r = httpx.get(url)
            assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n", url


def test_committed_icons_are_the_generated_ones():
    for fname, data in icons.expected().items():
        assert (icons.ICON_DIR / fname).read_bytes() == data, fname


def test_manifest_download_and_install_page(server):
    r = httpx.get(server + "/manifest/download")
    assert "attachment" in r.headers["content-disposition"]
    ET.fromstring(r.content)
    page = httpx.get(server + "/installa").text
    assert "Scarica il manifesto" in page and "interfaccia di\n     amministrazione" in page.lower()


def test_taskpane_is_italian_with_buttons_options_and_findings(server):
    page = httpx.get(server + "/taskpane.html").text
    assert "Rilievi dell'ultima validazione" in page
    for c in ribbon_commands():
        assert f'data-script="{c.name}"' in page
    assert 'data-option="anno"' in page and 'data-option="invia"' in page


def test_scripts_meta_lists_the_ribbon_scripts(server):
    meta = httpx.get(server + "/xlwings/custom-scripts-meta.json").json()
    assert sorted(m["function_name"] for m in meta) == sorted(c.name for c in ribbon_commands())


def test_auth_on_requires_the_token(secured):
    payload = WorkbookModel.from_xlsx(SAMPLE).payload()
    r = call(secured, "valida", payload)
    assert r.status_code == 401
    assert "Codice di accesso" in r.json()["detail"]
    assert call(secured, "valida", payload, token="sbagliato").status_code == 401
    assert call(secured, "valida", payload, token=TOKEN).status_code == 200
    assert call(secured, "valida", payload, token=f"Bearer {TOKEN}").status_code == 200
    fn = httpx.post(secured + "/xlwings/custom-functions-call",
                    json={"func_name": "sigla", "args": [[["Settore", "Sigla"]], [["X"]]]})
    assert fn.status_code == 401


def test_unknown_script_is_404_with_the_command_list(server):
    r = call(server, "cancella_tutto", WorkbookModel.from_xlsx(SAMPLE).payload())
    assert r.status_code == 404
    assert "sconosciuto" in r.json()["detail"] and "valida" in r.json()["detail"]


@pytest.mark.parametrize("body, words", [
    (b"{non json", "non è JSON valido"),
    (b"[1, 2]", "deve essere un oggetto"),
    (b'{"book": {}}', "manca «version»"),
    (b'{"version": "1", "book": {"name": "a"}, "sheets": []}', "non ha fogli"),
    (b'{"version": "1", "book": {"name": "a"}, "sheets": [{"name": "A", "values": 3}]}',
     "devono essere una tabella"),
    (b"", "Richiesta vuota"),
])
def test_malformed_payload_is_400_never_500(server, body, words):
    r = httpx.post(server + "/xlwings/custom-scripts-call/valida", content=body,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert words in r.json()["detail"]


def test_not_a_tree_is_422_in_italian(server):
    payload = {"client": "Office.js", "version": xw.__version__,
               "book": {"name": "vuota.xlsx", "active_sheet_index": 0},
               "sheets": [{"name": "Foglio1", "values": [["ciao", "mondo"]]}]}
    r = call(server, "valida", payload)
    assert r.status_code == 422
    assert "Nessun foglio sembra un albero" in r.json()["detail"]


def test_bad_arguments_are_400(server):
    payload = WorkbookModel.from_xlsx(SAMPLE).payload(args=["duemilaventisei"])
    r = call(server, "nuovo_ciclo", payload)
    assert r.status_code == 400 and "numero intero" in r.json()["detail"]
    r = call(server, "valida", WorkbookModel.from_xlsx(SAMPLE).payload(args=[1, 2]))
    assert r.status_code == 400 and "al massimo 0 opzioni" in r.json()["detail"]


def _fn(server, name, *args):
    return httpx.post(server + "/xlwings/custom-functions-call",
                      json={"client": "Office.js", "func_name": name, "args": list(args),
                            "caller_address": "[albero_2025.xlsx]Foglio1!A1",
                            "session_id": "prova", "culture_info_name": "it-IT",
                            "date_format": "dd/mm/yyyy", "version": xw.__version__,
                            "runtime": "1.4"}, timeout=30)


def test_custom_functions(server):
    model = WorkbookModel.from_xlsx(SAMPLE)
    tree = model.sheet("Albero").rows()
    reg = model.sheet("Settori").rows()
    head = tree[0]
    i_resp, i_area = head.index("Settore responsabile"), head.index("Area strategica")
    sector = tree[1][i_resp]
    area = tree[1][i_area]
    r = _fn(server, "obiettivi", tree, [[sector]])
    assert r.status_code == 200, r.text
    assert r.json()["result"] == [[sum(1 for row in tree[1:] if row[i_resp] == sector)]]
    r = _fn(server, "obiettivi", tree, [[sector]], [[area]])
    assert r.json()["result"] == [[sum(1 for row in tree[1:]
                                       if row[i_resp] == sector and row[i_area] == area)]]
    r = _fn(server, "sigla", reg, [[reg[1][0]]])
    assert r.json()["result"] == [[reg[1][1]]]
    r = _fn(server, "sigla", reg, [["SETTORE INESISTENTE"]])
    assert r.status_code == 400 and "non trovato" in r.text
    r = _fn(server, "rilievi", tree)
    result = r.json()["result"]
    assert result[0] == ["Cella", "Gravità", "Codice", "Messaggio", "Suggerimento"]
    assert len(result) > 1
    assert _fn(server, "non_esiste", 1).status_code == 404


def test_nuovo_ciclo_offers_a_download_and_keeps_the_tree(server):
    model = WorkbookModel.from_xlsx(SAMPLE)
    before = {s.name: dict(s.cells) for s in model.sheets}
    r = call(server, "nuovo_ciclo", model.payload(args=[2026]))
    assert r.status_code == 200, r.text
    model.apply(r.json())
    for name, cells in before.items():
        assert model.sheet(name).cells == cells
    sheet = model.sheet("Nuovo ciclo")
    (url, text), = sheet.links.values()
    assert url.startswith(server + "/scarica/") and "2026" in text
    got = httpx.get(url)
    assert got.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(got.content), read_only=True)
    ws = wb[wb.sheetnames[0]]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    anni = {row[header.index("Anno")] for row in ws.iter_rows(min_row=2, values_only=True)
            if row[header.index("Anno")] is not None}
    assert anni == {2026}
    r = call(server, "nuovo_ciclo", WorkbookModel.from_xlsx(SAMPLE).payload(args=[2024]))
    assert r.status_code == 422
