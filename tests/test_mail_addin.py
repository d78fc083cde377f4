"""``invia`` from the Excel add-in: a real ``albero server`` talking to a real SMTP server."""

from __future__ import annotations

import pytest

from tests.excel_model import WorkbookModel
from tests.mail_helpers import SmtpServer
from tests.server_support import SAMPLE, call, running_server
from xl_albero.io.reader import load_tree


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    env = {"ALBERO_MITTENTE": "programmazione@comune.example.it",
           "ALBERO_SMTP_HOST": "127.0.0.1", "ALBERO_SMTP_PORT": str(smtp.port),
           "ALBERO_SMTP_SECURITY": "none", "ALBERO_SMTP_TIMEOUT": "5"}
    with running_server(tmp_path_factory.mktemp("srv"), **env) as url:
        yield url


def _outcomes(model: WorkbookModel) -> dict[str, str]:
    rows = model.sheet("Invio ai settori").rows()
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Settore")
    return {r[1]: r[3] for r in rows[head + 1:] if r and r[0]}


def test_drafts_then_send_then_resume_from_excel(server, smtp):
    registry = load_tree(SAMPLE).sectors
    siglas = list(registry["Sigla"])
    model = WorkbookModel.from_xlsx(SAMPLE)

    r = call(server, "invia", model.payload([False, False]))
    assert r.status_code == 200, r.text
    model.apply(r.json())
    assert set(_outcomes(model).values()) <= {"bozza", "escluso"}
    assert smtp.received == []

    r = call(server, "invia", model.payload([True, False]))
    assert r.status_code == 200, r.text
    model.apply(r.json())
    sent = [s for s, o in _outcomes(model).items() if o == "inviato"]
    assert sent and set(sent) <= set(siglas)
    assert len(smtp.received) == len(sent)
    emails = dict(zip(registry["Sigla"], registry["Email"], strict=True))
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(emails[s] for s in sent)

    r = call(server, "invia", model.payload([True, False]))  # again without riprendi
    assert r.status_code == 422
    detail = r.json()["detail"]  # the task-pane control, never the CLI flag
    assert "riprendere l'invio" in detail and "Invia solo ciò che non è ancora partito" in detail
    assert "--" not in detail

    r = call(server, "invia", model.payload([True, True]))
    assert r.status_code == 200, r.text
    model.apply(r.json())
    assert {o for s, o in _outcomes(model).items() if s in sent} == {"già inviato"}
    assert len(smtp.received) == len(sent)  # nobody twice
