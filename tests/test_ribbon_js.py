"""The ribbon / task pane JavaScript (``static/js/ribbon.js``) run in Node against a real
``albero server``: it sends the merged areas with the call, and shows a refusal as a
failure (rethrows the Italian message after applying the refusal's actions)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests import trees
from tests.excel_model import WorkbookModel
from tests.sector_fixtures import run_cli
from tests.server_support import ROOT, running_server
from xl_albero.server.ribbon import client_config

RIBBON_JS = ROOT / "xl_albero" / "server" / "project" / "static" / "js" / "ribbon.js"
HARNESS = ROOT / "tests" / "js" / "ribbon_harness.js"
PDF = ROOT / "workbooks" / "albero_2025_pdf.xlsx"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv-js")) as url:
        yield url


def run_js(tmp_path, url: str, model: WorkbookModel, script: str, options=None) -> dict:
    spec = {"payload": model.payload(merged=False),  # what xlwings.getBookData returns
            "merged": {s.name: s.merged for s in model.sheets},  # what Office.js answers
            "script": script, "url": url, "config": client_config(),
            "options": options or {}, "ribbon_js": str(RIBBON_JS)}
    path = tmp_path / f"{script}.json"
    path.write_text(json.dumps(spec, default=str), encoding="utf-8")
    out = subprocess.run(["node", str(HARNESS), str(path)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_pdf_layout_gives_the_cli_findings_from_the_ribbon(server, tmp_path):
    code, out, _ = run_cli("valida", PDF, "--json")
    cli = json.loads(out)["riepilogo"]
    res = run_js(tmp_path, server, WorkbookModel.from_xlsx(PDF), "valida")
    assert res["ok"], res
    assert res["data"]["albero"] == {"errori": cli["errori"], "avvisi": cli["avvisi"]}
    assert res["events"] == ["albero:eseguito"]
    [applied] = res["applied"]
    alerts = [a["args"] for a in applied["actions"] if a["func"] == "alert"]
    assert alerts and alerts[0][3] == "info"


def test_a_refusal_is_a_failure_with_its_italian_message(server, tmp_path):
    path = trees.write(tmp_path / "errori.xlsx", trees.frame(4, **{"1:Obiettivo operativo": None}))
    res = run_js(tmp_path, server, WorkbookModel.from_xlsx(path), "settori")
    assert not res["ok"]
    assert res["error"].startswith("«Fogli per settore» non eseguito. L'albero ha 1 errore")
    assert "--" not in res["error"]
    [applied] = res["applied"]  # the findings on «Validazione» and the critical alert
    funcs = [a["func"] for a in applied["actions"]]
    assert "addSheet" in funcs and "setRangeColor" in funcs
    [alert] = [a["args"] for a in applied["actions"] if a["func"] == "alert"]
    assert alert[0] == res["error"] and alert[3] == "critical"
    # with the task-pane option «Procede anche se l'albero ha errori» it runs
    res = run_js(tmp_path, server, WorkbookModel.from_xlsx(path), "settori",
                 {"settori": {"forza": True}})
    assert res["ok"], res


def test_an_unreachable_server_is_a_failure(tmp_path):
    res = run_js(tmp_path, "http://127.0.0.1:9", WorkbookModel.from_xlsx(PDF), "valida")
    assert not res["ok"] and "il server non risponde" in res["error"]
    [applied] = res["applied"]
    assert applied["actions"][0]["args"][3] == "critical"
