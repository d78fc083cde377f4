"""What reaches e-mail and where the password goes: header injection from the Settori
sheet, settings found beside a workbook, AUTH without TLS, drafts with no SMTP setting,
formula injection in the send log (opened by LibreOffice headless)."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest

from tests.lo import SOFFICE, _profile, needs_lo
from tests.mail_helpers import PASSWORD, USER, SmtpServer
from tests.sector_fixtures import SECTORS, objectives, run_cli, small_tree, tree_file
from xl_albero import columns as C
from xl_albero.mail import sendlog as L
from xl_albero.mail.config import ENV_KEYS

FULL = [s if s[3] else (s[0], s[1], "Avv. Gialli", "avvocatura@comune.example.it")
        for s in SECTORS]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No mail setting at all; the user's own configuration folder is an empty temp one."""
    for var in (*ENV_KEYS.values(), "ALBERO_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    work = tmp_path / "lavoro"
    work.mkdir()
    monkeypatch.chdir(work)
    return monkeypatch


def sending_env(env, port: int) -> None:
    env.setenv("ALBERO_MITTENTE", "programmazione@comune.example.it")
    env.setenv("ALBERO_SMTP_HOST", "127.0.0.1")
    env.setenv("ALBERO_SMTP_PORT", str(port))
    env.setenv("ALBERO_SMTP_SECURITY", "none")
    env.setenv("ALBERO_SMTP_TIMEOUT", "5")


def log_rows(folder: Path) -> list[dict]:
    with (folder / L.LOG_NAME).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


# -- drafts ---------------------------------------------------------------------------------
def test_drafts_need_no_smtp_setting_not_even_the_sender(clean_env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    code, out, err = run_cli("invia", src)
    assert code == 0, err
    assert "Traceback" not in err and "lo sceglie il programma di posta" in out
    drafts = sorted((tmp_path / "invio_albero" / "bozze").glob("*.eml"))
    assert len(drafts) == 5
    msg = BytesParser(policy=policy.default).parsebytes(drafts[0].read_bytes())
    assert msg["From"] is None and msg["X-Unsent"] == "1" and msg["To"]
    # sending is what needs the sender (and the server)
    code, out, err = run_cli("invia", src, "--invia", "--cartella", tmp_path / "x")
    assert code == 2 and "Manca l'indirizzo del mittente" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


# -- header injection -----------------------------------------------------------------------
EVIL = "spia@evil.example"
HOSTILE = [
    # (sector, sigla, dirigente, email), expected words of the reason
    ("SETTORE\x00UNO", "S1", "Ing. A", "a@comune.example.it", "a capo"),
    ("SETTORE DUE", "S2", "Ing. B\u0085Bcc: spia@evil.example", "b@comune.example.it",
     "a capo"),
    ("SETTORE TRE", "S3", "Ing. C", "c@comune.example.it\x00, spia@evil.example", "a capo"),
    ("SETTORE QUATTRO", "S4", "=?utf-8?q?spia=40evil.example?=", "d@comune.example.it",
     "parola codificata"),
    ("SETTORE CINQUE", "S5", "Ing. E",
     "=?utf-8?b?ZUBjb211bmUuZXhhbXBsZS5pdA==?= <spia@evil.example>", "parola codificata"),
    ("SETTORE SEI", "S6", "Ing. F", '"f@comune.example.it" <spia@evil.example>',
     "mostra un indirizzo diverso"),
    ("SETTORE SETTE", "S7", "g@comune.example.it <spia@evil.example>", "g@comune.example.it",
     "contiene un indirizzo email"),
    ("SETTORE OTTO", "S8", "Ing. H", "h@comune.example.it\r\nBcc: spia@evil.example",
     "a capo"),
    ("SETTORE NOVE", "S9", "Ing. \u202eI", "i@comune.example.it", "invisibili"),
    ("SETTORE DIECI", "S10", "Ing. L\u2028Bcc: spia@evil.example", "l@comune.example.it",
     "a capo"),
]


def hostile_tree():
    reg = [h[:4] for h in HOSTILE] + [FULL[0]]
    base = objectives()[3]
    rows = [objectives()[0]]
    for i, (sector, *_rest) in enumerate(HOSTILE):
        rows.append({**base, C.CODICE: f"2.1.1.{i + 1}", C.OPERATIVO: f"Obiettivo {i + 1}",
                     C.RESPONSABILE: sector, C.COINVOLTI: None, C.PESO: None})
    return small_tree(reg, rows)


def test_hostile_registry_cells_never_reach_envelope_or_headers(clean_env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", hostile_tree())
    with SmtpServer() as server:
        sending_env(clean_env, server.port)
        code, out, err = run_cli("invia", src, "--invia", "--forza", "--cartella",
                                 tmp_path / "invio")
        received = list(server.received)
    assert code == 1 and "Traceback" not in err
    assert [r.rcpt_tos for r in received] == [["tecnico@comune.example.it"]]
    assert b"evil" not in received[0].data and b"=?utf-8?q?spia" not in received[0].data
    rows = {r["sigla"]: r for r in log_rows(tmp_path / "invio")}
    for _sector, sigla, _dir, _mail, words in HOSTILE:
        assert rows[sigla]["esito"] == "saltato", (sigla, rows[sigla])
        assert words in rows[sigla]["motivo"], (sigla, rows[sigla]["motivo"])
    assert out.count("SALTATO — ") == len(HOSTILE)


def test_valida_warns_about_hostile_addresses_before_invia(clean_env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", hostile_tree())
    code, out, err = run_cli("valida", src, "--json")
    found = [r for r in json.loads(out)["rilievi"]
             if r["codice"] in ("EMAIL_NON_UTILIZZABILE", "DIRIGENTE_NON_UTILIZZABILE")]
    assert {r["gravita"] for r in found} == {"avviso"}
    # S1's problem is in the sector name itself (reported by the other checks)
    assert len(found) == len(HOSTILE) - 1
    assert all(r["foglio"] == "Settori" and r["cella"] for r in found)


# -- credentials ----------------------------------------------------------------------------
class Listener:
    """A TCP port that records whether anybody connected (the "rogue" server)."""

    def __enter__(self) -> Listener:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.3)
        self.port = self.sock.getsockname()[1]
        return self

    def connected(self) -> bool:
        try:
            conn, _ = self.sock.accept()
        except TimeoutError:
            return False
        conn.close()
        return True

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def rogue_config(folder: Path, port: int) -> Path:
    path = folder / "albero.toml"
    path.write_text(f'[invio]\nhost = "127.0.0.1"\nporta = {port}\nsicurezza = "none"\n'
                    'mittente = "programmazione@comune.example.it"\n', encoding="utf-8")
    return path


def test_settings_beside_the_workbook_cannot_redirect_the_password(clean_env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    clean_env.setenv("ALBERO_SMTP_USER", USER)
    clean_env.setenv("ALBERO_SMTP_PASSWORD", PASSWORD)
    with Listener() as rogue:
        rogue_config(tmp_path, rogue.port)
        code, out, err = run_cli("invia", src, "--invia", "--cartella", tmp_path / "invio")
        assert code == 2 and "Traceback" not in err
        assert "trovato accanto alla cartella di lavoro" in err and "'host'" in err
        assert "configurazione personale" in err
        assert not rogue.connected()
    assert not (tmp_path / "invio").exists()
    # drafts do not use the server: the same folder still gives drafts
    code, out, err = run_cli("invia", src)
    assert code == 0, err


def test_explicit_choices_are_honoured(clean_env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    with SmtpServer() as server:
        cfg = rogue_config(tmp_path, server.port)
        # the same file named explicitly on the command line
        code, out, err = run_cli("invia", src, "--invia", "--configurazione", cfg,
                                 "--cartella", tmp_path / "a")
        assert code == 0, err
        assert len(server.received) == 5
        # or the user's own configuration folder
        cfg.unlink()
        own = tmp_path / "home" / "config" / "albero"
        own.mkdir()
        rogue_config(own, server.port)
        code, out, err = run_cli("invia", src, "--invia", "--cartella", tmp_path / "b")
        assert code == 0, err
        assert len(server.received) == 10


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_never_sent_without_tls_unless_allowed(clean_env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    with SmtpServer(auth=True) as server:
        sending_env(clean_env, server.port)
        clean_env.setenv("ALBERO_SMTP_USER", USER)
        clean_env.setenv("ALBERO_SMTP_PASSWORD", PASSWORD)
        code, out, err = run_cli("invia", src, "--invia", "--cartella", tmp_path / "a")
        assert code == 2 and "Traceback" not in err
        assert "in chiaro" in err and "ALBERO_SMTP_AUTH_SENZA_TLS" in err
        assert server.received == [] and not (tmp_path / "a").exists()
        clean_env.setenv("ALBERO_SMTP_AUTH_SENZA_TLS", "1")  # explicitly allowed
        code, out, err = run_cli("invia", src, "--invia", "--cartella", tmp_path / "b")
        assert code == 0, err
        assert len(server.received) == 5


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_plain_auth_cannot_be_allowed_from_beside_the_workbook(clean_env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    (tmp_path / "albero.toml").write_text("[invio]\nauth_senza_tls = true\n", encoding="utf-8")
    with SmtpServer(auth=True) as server:
        sending_env(clean_env, server.port)
        clean_env.setenv("ALBERO_SMTP_USER", USER)
        clean_env.setenv("ALBERO_SMTP_PASSWORD", PASSWORD)
        code, out, err = run_cli("invia", src, "--invia", "--cartella", tmp_path / "a")
    assert code == 2 and "auth_senza_tls" in err and server.received == []


# -- send log -------------------------------------------------------------------------------
FORMULAS = ["=1+1", "+SUM(2;3)", "-2+3", "@SUM(1;1)", "\t=1+1", "\r=1+1",
            "=cmd|'/C calc'!A0", "'=1+1"]


def test_send_log_round_trips_neutralised_cells(tmp_path):
    log = L.SendLog(tmp_path / L.LOG_NAME)
    for i, f in enumerate(FORMULAS):
        log.append(L.LogEntry(f, f"S{i}", (f"a{i}@comune.example.it",), L.SALTATO, f,
                              attachment=f))
    text = (tmp_path / L.LOG_NAME).read_text(encoding="utf-8-sig")
    for row in csv.reader(text.splitlines()[1:], delimiter=";"):
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    entries = L.read_log(tmp_path / L.LOG_NAME)
    assert [e.sector for e in entries] == FORMULAS
    assert [e.reason for e in entries] == FORMULAS


def _lo_cells(csv_path: Path, outdir: Path) -> list[openpyxl.cell.Cell]:
    """Open the CSV in LibreOffice headless as a user would (separator ``;``, UTF-8, with
    "evaluate formulas" on) and save it as xlsx: the cells LibreOffice made."""
    prof = _profile(recalc=True)
    subprocess.run([SOFFICE, f"-env:UserInstallation={prof.as_uri()}", "--headless",
                    "--norestore", "--infilter=CSV:59,34,76,1,,0,false,false,false,false,"
                    "false,-1,true", "--convert-to", "xlsx", "--outdir", str(outdir),
                    str(csv_path)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(prof)})
    wb = openpyxl.load_workbook(outdir / (csv_path.stem + ".xlsx"))
    return [c for row in wb.active.iter_rows() for c in row]


@needs_lo
def test_libreoffice_evaluates_no_formula_from_the_send_log(tmp_path):
    log = L.SendLog(tmp_path / L.LOG_NAME)
    for i, f in enumerate(FORMULAS):
        log.append(L.LogEntry(f, f"S{i}", (f"a{i}@comune.example.it",), L.FALLITO, f))
    # control: the same text written naively is a formula to LibreOffice
    naive = tmp_path / "ingenuo.csv"
    with naive.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([["settore"], *[[f] for f in FORMULAS]])
    naive_cells = _lo_cells(naive, tmp_path / "lo")
    assert any(c.data_type == "f" for c in naive_cells)
    cells = _lo_cells(tmp_path / L.LOG_NAME, tmp_path / "lo")
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    shown = {str(c.value) for c in cells if c.value is not None}
    assert "'=1+1" in shown and "'+SUM(2;3)" in shown
