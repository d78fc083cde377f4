"""``albero invia`` end to end: real tree workbook, real sector exports, real SMTP server."""

from __future__ import annotations

import csv
from email import policy
from email.parser import BytesParser

import pytest

from tests.mail_helpers import SmtpServer, free_port
from tests.sector_fixtures import SECTORS, run_cli, small_tree, tree_file
from xl_albero.mail.sendlog import LOG_NAME

FULL = [s if s[3] else (s[0], s[1], "Avv. Gialli", "avvocatura@comune.example.it")
        for s in SECTORS]


@pytest.fixture
def env(monkeypatch, tmp_path):
    for var in ("ALBERO_CONFIG", "ALBERO_SMTP_USER", "ALBERO_SMTP_PASSWORD", "ALBERO_CC",
                "ALBERO_MODELLO", "ALBERO_LIMITE_ALLEGATO_MB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALBERO_MITTENTE", "programmazione@comune.example.it")
    monkeypatch.setenv("ALBERO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ALBERO_SMTP_SECURITY", "none")
    monkeypatch.setenv("ALBERO_SMTP_TIMEOUT", "5")
    monkeypatch.setenv("ALBERO_SMTP_PORT", str(free_port()))
    return monkeypatch


def log_rows(folder):
    with (folder / LOG_NAME).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_dry_run_writes_drafts_and_prints_plan(env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    code, out, err = run_cli("invia", src)
    assert code == 0, err
    folder = tmp_path / "invio_albero"
    drafts = sorted((folder / "bozze").glob("*.eml"))
    assert len(drafts) == 5
    assert "Nessun messaggio è stato inviato" in out
    assert "SERVIZI ALLA CITTÀ" in out and "citta@comune.example.it" in out
    assert "Oggetto: Albero della Performance 2025" in out
    names = {p.name for p in drafts}
    assert "CITTA - SERVIZI ALLA CITTÀ.eml" in names
    msg = BytesParser(policy=policy.default).parsebytes(
        (folder / "bozze" / "CITTA - SERVIZI ALLA CITTÀ.eml").read_bytes())
    att = next(msg.iter_attachments())
    assert att.get_content() == (folder / "allegati" / att.get_filename()).read_bytes()
    assert "SERVIZI ALLA CITTÀ" in msg["Subject"]
    assert not (folder / LOG_NAME).exists()
    src_bytes = src.read_bytes()
    # a second dry run does not silently replace drafts (they may have been edited)
    edited = folder / "bozze" / "CITTA - SERVIZI ALLA CITTÀ.eml"
    edited.write_bytes(edited.read_bytes() + b"\r\nmodificata a mano\r\n")
    before = {p.name: p.read_bytes() for p in (folder / "bozze").iterdir()}
    attachments = {p.name: p.read_bytes() for p in (folder / "allegati").iterdir()}
    code, out, err = run_cli("invia", src)
    assert code == 2 and "Traceback" not in err
    assert "contiene già 5 bozze" in err and "--sovrascrivi" in err and "--riprendi" in err
    assert {p.name: p.read_bytes() for p in (folder / "bozze").iterdir()} == before
    assert {p.name: p.read_bytes() for p in (folder / "allegati").iterdir()} == attachments
    # resume: existing drafts kept as they are, missing ones written
    (folder / "bozze" / "TECNICO - TECNICO ED INNOVAZIONE.eml").unlink()
    code, out, err = run_cli("invia", src, "--riprendi")
    assert code == 0, err
    assert "Bozze già presenti, lasciate come erano: 4" in out
    assert edited.read_bytes() == before[edited.name]
    assert (folder / "bozze" / "TECNICO - TECNICO ED INNOVAZIONE.eml").exists()
    # overwrite: replaced on request
    assert run_cli("invia", src, "--sovrascrivi")[0] == 0
    assert b"modificata a mano" not in edited.read_bytes()
    assert src.read_bytes() == src_bytes  # the source workbook is never touched


def test_send_with_missing_address_exit_1_and_riprendi(env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")  # AVVOCATURA has no Email
    folder = tmp_path / "out"
    with SmtpServer() as server:
        env.setenv("ALBERO_SMTP_PORT", str(server.port))
        code, out, err = run_cli("invia", src, "--invia", "--cartella", folder)
        assert code == 1, err
        assert "AVVOCATURA COMUNALE" in err and "manca l'indirizzo email" in err
        assert "--riprendi" in err
        assert len(server.received) == 4
        for rec in server.received:
            att = next(rec.message.iter_attachments())
            assert att.get_content() == (folder / "allegati" / att.get_filename()).read_bytes()
        # plain --invia again would duplicate: refused before anything
        code, _out, err = run_cli("invia", src, "--invia", "--cartella", folder)
        assert code == 2 and "--riprendi" in err and "Traceback" not in err
        # the address is added to the registry; --riprendi sends only that one
        tree_file(src, small_tree(FULL))
        code, out, err = run_cli("invia", src, "--invia", "--riprendi", "--cartella", folder)
        assert code == 0, err
        assert len(server.received) == 5
        assert server.received[-1].rcpt_tos == ["avvocatura@comune.example.it"]
    esiti = [(r["sigla"], r["esito"]) for r in log_rows(folder)]
    assert esiti.count(("AVV", "saltato")) == 1 and esiti.count(("AVV", "inviato")) == 1
    assert sum(1 for _s, e in esiti if e == "inviato") == 5


def test_server_down_exit_2_then_riprendi(env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    code, out, err = run_cli("invia", src, "--invia")
    assert code == 2
    assert "non risponde" in err and "--riprendi" in err and "Traceback" not in err
    folder = tmp_path / "invio_albero"
    assert {r["esito"] for r in log_rows(folder)} == {"fallito"}
    with SmtpServer() as server:
        env.setenv("ALBERO_SMTP_PORT", str(server.port))
        code, out, err = run_cli("invia", src, "--invia", "--riprendi")
    assert code == 0, err
    assert len(server.received) == 5
    assert "Inviati: 5" in out


def test_header_injection_in_registry_is_refused(env, tmp_path):
    evil = [
        (FULL[0][0], FULL[0][1], "Ing. Rossi\r\nBcc: spia@evil.example", FULL[0][3]),
        (FULL[1][0], FULL[1][1], FULL[1][2], "ecofin@comune.example.it\nBcc: spia@evil.example"),
        *FULL[2:],
    ]
    src = tree_file(tmp_path / "albero.xlsx", small_tree(evil))
    with SmtpServer() as server:
        env.setenv("ALBERO_SMTP_PORT", str(server.port))
        code, out, err = run_cli("invia", src, "--invia")
    assert code == 1
    assert out.count("SALTATO") == 2 and "caratteri di controllo" in out
    assert len(server.received) == 3
    assert all(b"evil" not in r.data and "spia@evil.example" not in r.rcpt_tos
               for r in server.received)


def test_size_limit_reported_before_sending(env, tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    env.setenv("ALBERO_LIMITE_ALLEGATO_MB", "0.001")  # about 1 KB: every workbook is larger
    with SmtpServer() as server:
        env.setenv("ALBERO_SMTP_PORT", str(server.port))
        code, out, err = run_cli("invia", src, "--invia")
    assert code == 1
    assert out.count("oltre il limite") == 5
    assert server.received == []


@pytest.mark.parametrize("setup, message", [
    (lambda e, p: e.delenv("ALBERO_MITTENTE"), "Manca l'indirizzo del mittente"),
    (lambda e, p: e.delenv("ALBERO_SMTP_HOST"), "Manca il server SMTP"),
    (lambda e, p: (p / "albero.toml").write_text('[invio]\npassword = "x"\n'),
     "contiene una password"),
    (lambda e, p: e.setenv("ALBERO_SMTP_USER", "finanze"), "manca la password"),
])
def test_unusable_settings_exit_2_nothing_written(env, tmp_path, setup, message):
    src = tree_file(tmp_path / "albero.xlsx", small_tree(FULL))
    setup(env, tmp_path)
    code, out, err = run_cli("invia", src, "--invia")
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "invio_albero").exists()
