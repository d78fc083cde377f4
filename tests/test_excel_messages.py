"""Excel shows failure as failure, in Italian, naming its own controls (never a CLI flag)."""

from __future__ import annotations

import re

import pytest

from tests import trees
from tests.desktop_book import desktop_book
from tests.excel_model import WorkbookModel
from tests.sector_fixtures import run_cli
from tests.server_support import SAMPLE, call, running_server
from xl_albero.excel import desktop

CLI_FLAG = re.compile(r"(?<![\w-])--[a-z]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("srv-msg")) as url:
        yield url


def _with_errors(tmp_path):
    return trees.write(tmp_path / "errori.xlsx",
                       trees.frame(4, **{"1:Obiettivo operativo": None}))


def _alerts(response: dict) -> list[list]:
    return [a["args"] for a in response.get("actions", []) if a["func"] == "alert"]


def test_settori_on_a_tree_with_errori_fails_honestly(server, tmp_path):
    path = _with_errors(tmp_path)
    model = WorkbookModel.from_xlsx(path)
    r = call(server, "settori", model.payload())
    assert r.status_code == 422
    body = r.json()
    assert body["ok"] is False and "albero" not in body
    detail = body["detail"]
    assert detail.startswith("«Fogli per settore» non eseguito. L'albero ha 1 errore")
    assert "nel pannello: «Procede anche se l'albero ha errori»" in detail
    assert not CLI_FLAG.search(detail)
    [alert] = _alerts(body)  # the failure alert travels with the refusal
    assert alert[0] == detail and alert[3] == "critical"
    model.apply(body)  # the findings are shown and coloured, as after «Valida»
    assert "Validazione" in model.names_of()
    assert not any(n.startswith("TEC") for n in model.names_of())  # no sector sheet
    # the CLI says the same thing with its flag
    code, _, err = run_cli("settori", path, "-o", tmp_path / "out.xlsx")
    assert code == 1 and "(opzione --forza)" in err and "L'albero ha 1 errore" in err


@pytest.mark.parametrize(("script", "args", "control"), [
    ("nuovo_ciclo", [1999], "«Anno del nuovo piano»"),
    ("nuovo_ciclo", [2026, "2020-2021"], "«Nuovo periodo (es. 2026-2028)"),
    ("riepilogo", [], "«Procede anche se l'albero ha errori»"),
])
def test_refusals_name_the_task_pane_control(server, tmp_path, script, args, control):
    path = SAMPLE if script == "nuovo_ciclo" else _with_errors(tmp_path)
    r = call(server, script, WorkbookModel.from_xlsx(path).payload(args))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert control in detail and not CLI_FLAG.search(detail), detail


def test_no_cli_flag_in_any_excel_refusal(server, tmp_path):
    """Every refusal a user can cause from the ribbon, through both add-ins."""
    empty = WorkbookModel.from_xlsx(trees.write(tmp_path / "t.xlsx"))
    empty.sheets = [s for s in empty.sheets if s.name != "Albero"]
    calls = [
        ("valida", empty, []),
        ("settori", WorkbookModel.from_xlsx(_with_errors(tmp_path)), []),
        ("riepilogo", WorkbookModel.from_xlsx(_with_errors(tmp_path)), []),
        ("nuovo_ciclo", WorkbookModel.from_xlsx(SAMPLE), [2025]),
        ("nuovo_ciclo", WorkbookModel.from_xlsx(_with_errors(tmp_path)), [2026]),
        ("invia", WorkbookModel.from_xlsx(_with_errors(tmp_path)), [False, False]),
        ("nuovo_ciclo", WorkbookModel.from_xlsx(SAMPLE), []),
    ]
    for script, model, args in calls:
        r = call(server, script, model.payload(args))
        assert r.status_code in (400, 422), (script, r.text)
        texts = [r.json()["detail"], *(a[0] for a in _alerts(r.json()))]
        for text in texts:
            assert not CLI_FLAG.search(text), (script, text)
        with desktop_book(model) as book:
            options = dict(zip(("anno", "estendi_periodo") if script == "nuovo_ciclo"
                               else ("invia", "riprendi"), args, strict=False))
            outcome = desktop.execute(book, script, **options)
        assert not outcome.ok and not CLI_FLAG.search(outcome.message), outcome.message
        assert outcome.message == r.json()["detail"] or script == "nuovo_ciclo" and not args


def test_desktop_alert_shows_failure_as_failure(tmp_path, monkeypatch):
    import xlwings as xw

    model = WorkbookModel.from_xlsx(_with_errors(tmp_path))
    with desktop_book(model) as book:
        monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
        assert desktop.run("settori") is None
        [alert] = [a["args"] for a in book.json()["actions"] if a["func"] == "alert"]
    assert alert[0].startswith("«Fogli per settore» non eseguito.") and alert[3] == "critical"
    assert not CLI_FLAG.search(alert[0])
