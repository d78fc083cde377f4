"""Sending over a real SMTP server (aiosmtpd on 127.0.0.1): recipients, subject, body,
byte-identical attachments, STARTTLS, SSL, AUTH, server down, --riprendi, bad input."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from tests.mail_helpers import (
    PASSWORD,
    USER,
    SmtpServer,
    free_port,
    make_certificate,
    write_workbook,
)
from xl_albero.io.sector_workbook import ExportedWorkbook
from xl_albero.mail import campaign as R
from xl_albero.mail import sendlog as L
from xl_albero.mail.config import load_settings
from xl_albero.mail.smtp import SmtpError

SECTORS = [
    ("SETTORE CULTURA, SPORT E CITTÀ", "CULSPO", "Mario Rossì", "m.rossi@comune.example.it"),
    ("SETTORE ECONOMICO FINANZIARIO", "ECOFIN", "Anna Bianchi", "a.bianchi@comune.example.it"),
    ("SETTORE POLIZIA LOCALE", "POL", "Lucia Neri", "Lucia Neri <l.neri@comune.example.it>"),
]


def make_exports(folder: Path, sectors=SECTORS) -> list[ExportedWorkbook]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (name, sigla, dirigente, email) in enumerate(sectors):
        path = write_workbook(folder / f"Obiettivi 2025 - {name}.xlsx", name, rows=i + 2)
        out.append(ExportedWorkbook(name, sigla, dirigente, email, path, led=i + 1, involved=1))
    return out


def settings_for(server: SmtpServer | None, port: int | None = None, **env: str):
    base = {"ALBERO_SMTP_HOST": "127.0.0.1",
            "ALBERO_SMTP_PORT": str(server.port if server else port),
            "ALBERO_SMTP_SECURITY": "none", "ALBERO_MITTENTE": "performance@comune.example.it",
            "ALBERO_CC": "ragioneria@comune.example.it",
            "ALBERO_SCADENZA": "2025-03-31", "ALBERO_SMTP_TIMEOUT": "5"}
    base.update(env)
    return load_settings(base, search_dirs=())


def log_rows(folder: Path) -> list[dict]:
    with (folder / L.LOG_NAME).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_each_sector_gets_its_workbook(tmp_path):
    exports = make_exports(tmp_path / "allegati")
    with SmtpServer() as server:
        settings = settings_for(server)
        plan = R.prepare(exports, settings, 2025)
        result = R.send_all(plan, settings, tmp_path)
    assert result.exit_code == 0 and result.counts == {R.INVIATO: 3}
    assert len(server.received) == 3
    by_to = {r.message["To"].addresses[0].addr_spec: r for r in server.received}
    for exp in exports:
        addr = exp.email.split("<")[-1].rstrip(">")
        rec = by_to[addr]
        assert sorted(rec.rcpt_tos) == sorted([addr, "ragioneria@comune.example.it"])
        assert rec.mail_from == "performance@comune.example.it"
        msg = rec.message
        assert msg["To"].addresses[0].display_name == exp.dirigente
        assert msg["Cc"] == "ragioneria@comune.example.it"
        assert exp.sector in msg["Subject"] and "2025" in msg["Subject"]
        body = msg.get_body(("plain",)).get_content()
        assert f"Gentile {exp.dirigente}," in body
        assert f"{exp.led + exp.involved} obiettivi operativi" in body
        assert "lunedì 31 marzo 2025" in body
        atts = list(msg.iter_attachments())
        assert len(atts) == 1
        assert atts[0].get_content_type() == \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert atts[0].get_filename() == exp.path.name
        assert atts[0].get_content() == exp.path.read_bytes()
        assert msg["Message-ID"] and msg["Date"]
    # accented file name travels RFC 2231-encoded, not raw
    raw = by_to["m.rossi@comune.example.it"].data
    assert re.search(rb"filename\*(0\*)?=utf-8''", raw) and "CITTÀ".encode() not in raw
    rows = log_rows(tmp_path)
    assert [r["esito"] for r in rows] == ["inviato"] * 3
    assert rows[0]["sha256"] == L.file_sha256(exports[0].path.read_bytes())


def test_starttls_with_test_certificate_and_auth(tmp_path):
    cert = make_certificate(tmp_path)
    exports = make_exports(tmp_path / "allegati", SECTORS[:1])
    with SmtpServer(starttls_cert=cert, auth=True) as server:
        settings = settings_for(server, ALBERO_SMTP_SECURITY="starttls",
                                ALBERO_SMTP_CA=str(cert[0]), ALBERO_SMTP_USER=USER,
                                ALBERO_SMTP_PASSWORD=PASSWORD)
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert result.exit_code == 0
    assert len(server.received) == 1
    assert server.received[0].message.get_body(("plain",)).get_content().startswith(
        "Gentile Mario Rossì,")


def test_accented_password_without_auth_plain_is_explained(tmp_path):
    cert = make_certificate(tmp_path)
    exports = make_exports(tmp_path / "allegati", SECTORS[:1])
    with SmtpServer(starttls_cert=cert, auth=True, auth_exclude_mechanism=["PLAIN"]) as server:
        settings = settings_for(server, ALBERO_SMTP_SECURITY="starttls",
                                ALBERO_SMTP_CA=str(cert[0]), ALBERO_SMTP_USER=USER,
                                ALBERO_SMTP_PASSWORD=PASSWORD)
        with pytest.raises(SmtpError, match="non offre l'accesso AUTH PLAIN"):
            R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert server.received == []


def test_ssl_with_test_certificate(tmp_path):
    cert = make_certificate(tmp_path)
    exports = make_exports(tmp_path / "allegati", SECTORS[:1])
    with SmtpServer(implicit_tls=cert) as server:
        settings = settings_for(server, ALBERO_SMTP_SECURITY="ssl", ALBERO_SMTP_CA=str(cert[0]))
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert result.exit_code == 0 and len(server.received) == 1


def test_untrusted_certificate_is_refused_clearly(tmp_path):
    cert = make_certificate(tmp_path)
    exports = make_exports(tmp_path / "allegati", SECTORS[:1])
    with SmtpServer(starttls_cert=cert) as server:
        settings = settings_for(server, ALBERO_SMTP_SECURITY="starttls")
        with pytest.raises(SmtpError, match="certificato del server non è valido"):
            R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert server.received == []


def test_wrong_password_clear_message_and_resumable_log(tmp_path):
    cert = make_certificate(tmp_path)
    exports = make_exports(tmp_path / "allegati")
    with SmtpServer(starttls_cert=cert, auth=True) as server:
        env = dict(ALBERO_SMTP_SECURITY="starttls", ALBERO_SMTP_CA=str(cert[0]),
                   ALBERO_SMTP_USER=USER, ALBERO_SMTP_PASSWORD="sbagliata")
        settings = settings_for(server, **env)
        with pytest.raises(SmtpError) as err:
            R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
        assert "utente o password errati" in str(err.value)
        assert server.received == []
        assert [r["esito"] for r in log_rows(tmp_path)] == ["fallito"] * 3
        assert "password" in log_rows(tmp_path)[0]["motivo"]
        # right password: --riprendi sends all three, the failures were not "sent"
        env["ALBERO_SMTP_PASSWORD"] = PASSWORD
        settings = settings_for(server, **env)
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path,
                            resume=True)
    assert result.counts == {R.INVIATO: 3}
    assert len(server.received) == 3


def test_server_down_gives_italian_message_and_log(tmp_path):
    exports = make_exports(tmp_path / "allegati")
    settings = settings_for(None, port=free_port())
    with pytest.raises(SmtpError, match="non risponde"):
        R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert [r["esito"] for r in log_rows(tmp_path)] == ["fallito"] * 3
    # later, with the server up, --riprendi sends everything
    with SmtpServer() as server:
        settings = settings_for(server)
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path,
                            resume=True)
    assert result.exit_code == 0 and len(server.received) == 3


def test_resume_after_failure_mid_run_sends_only_the_rest(tmp_path):
    exports = make_exports(tmp_path / "allegati")
    with SmtpServer() as server:
        server.handler.fail_after = 1  # the 2nd and 3rd DATA get "421 service unavailable"
        settings = settings_for(server)
        first = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
        assert first.exit_code == 1
        assert first.counts.get(R.INVIATO) == 1 and first.counts.get(R.FALLITO) == 2
        # a plain re-run would mail the first sector again: refused
        with pytest.raises(Exception, match="riprendere l'invio") as refused:
            R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
        assert refused.value.option == "riprendi"  # each front end names its control
        server.handler.fail_after = None
        second = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path,
                            resume=True)
        assert second.exit_code == 0
        assert second.counts == {R.GIA_INVIATO: 1, R.INVIATO: 2}
        third = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path,
                           resume=True)
        assert third.counts == {R.GIA_INVIATO: 3}
    recipients = [r.message["To"].addresses[0].addr_spec for r in server.received]
    assert len(recipients) == 3 and len(set(recipients)) == 3  # nobody twice


def test_server_closing_after_one_message_reconnects_for_the_next(tmp_path):
    exports = make_exports(tmp_path / "allegati")
    with SmtpServer() as server:
        server.handler.close_at = {1}  # the 2nd message gets "421" and the channel closes
        settings = settings_for(server)
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert [o.outcome for o in result.outcomes] == [R.INVIATO, R.FALLITO, R.INVIATO]
    assert "421" in result.outcomes[1].reason
    assert len(server.received) == 2 and not result.aborted


def test_resume_resends_a_changed_workbook_only(tmp_path):
    exports = make_exports(tmp_path / "allegati")
    with SmtpServer() as server:
        settings = settings_for(server)
        R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
        # re-exporting the same content (new timestamps) is not a change ...
        write_workbook(exports[0].path, exports[0].sector, rows=2)
        # ... a different content is
        write_workbook(exports[1].path, exports[1].sector, rows=9)
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path,
                            resume=True)
    assert [o.outcome for o in result.outcomes] == [R.GIA_INVIATO, R.INVIATO, R.GIA_INVIATO]
    assert "modificata" in result.outcomes[1].reason
    assert len(server.received) == 4


def test_bad_addresses_skipped_others_sent(tmp_path):
    sectors = [
        ("SETTORE SENZA EMAIL", "SEN", "Carlo Verdi", None),
        ("SETTORE EMAIL ERRATA", "ERR", "Paola Gialli", "paola.gialli@"),
        ("SETTORE INIETTATO", "INI", "Gino", "g@comune.example.it\r\nBcc: tutti@evil.example"),
        ("SETTORE\nBcc: x@evil.example", "INJ", "Ugo", "u@comune.example.it"),
        ("SETTORE DIRIGENTE", "DIR", "Ada\r\nBcc: y@evil.example", "ada@comune.example.it"),
        *SECTORS[:2],
    ]
    exports = make_exports(tmp_path / "allegati", sectors)
    with SmtpServer() as server:
        settings = settings_for(server)
        plan = R.prepare(exports, settings, 2025)
        result = R.send_all(plan, settings, tmp_path)
    assert result.exit_code == 1
    assert [o.outcome for o in result.outcomes] == [R.SALTATO] * 5 + [R.INVIATO] * 2
    reasons = [o.reason for o in result.outcomes[:5]]
    assert "manca l'indirizzo" in reasons[0]
    assert "«paola.gialli@» non valido" in reasons[1]
    assert all("a capo" in r for r in reasons[2:5])
    assert len(server.received) == 2
    for rec in server.received:
        assert not any("evil" in r for r in rec.rcpt_tos)
        assert b"evil" not in rec.data
    assert [r["esito"] for r in log_rows(tmp_path)].count("saltato") == 5


def test_recipient_refused_by_server_is_failed_not_sent(tmp_path):
    exports = make_exports(tmp_path / "allegati")
    with SmtpServer() as server:
        server.handler.reject_data_for = {"a.bianchi@comune.example.it"}
        settings = settings_for(server, ALBERO_CC="")
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert [o.outcome for o in result.outcomes] == [R.INVIATO, R.FALLITO, R.INVIATO]
    assert "rifiutato" in result.outcomes[1].reason
    assert result.exit_code == 1


def test_size_limit_reported_before_any_send(tmp_path):
    exports = make_exports(tmp_path / "allegati", SECTORS[:2])
    big = write_workbook(tmp_path / "allegati" / "Grande.xlsx", "SETTORE GRANDE", padding=600)
    exports.append(ExportedWorkbook("SETTORE GRANDE", "GRA", "Gina", "gina@comune.example.it", big,
                              2, 0))
    limit_mb = (big.stat().st_size - 1) / (1024 * 1024)
    assert all(e.path.stat().st_size < big.stat().st_size for e in exports[:2])
    with SmtpServer() as server:
        settings = settings_for(server, ALBERO_LIMITE_ALLEGATO_MB=f"{limit_mb:.6f}")
        plan = R.prepare(exports, settings, 2025)
        # the plan (what the CLI prints before connecting) already has the reason
        assert plan[2].status == "saltato" and "oltre il limite" in plan[2].reason
        assert server.received == []
        result = R.send_all(plan, settings, tmp_path)
    assert [o.outcome for o in result.outcomes] == [R.INVIATO, R.INVIATO, R.SALTATO]
    assert len(server.received) == 2


def test_sector_without_objectives_gets_nothing_and_is_not_a_failure(tmp_path):
    exports = make_exports(tmp_path / "allegati", SECTORS[:1])
    exports.append(ExportedWorkbook("SETTORE VUOTO", "VUO", "Ivo", "ivo@comune.example.it", None,
                              0, 0))
    with SmtpServer() as server:
        settings = settings_for(server)
        result = R.send_all(R.prepare(exports, settings, 2025), settings, tmp_path)
    assert [o.outcome for o in result.outcomes] == [R.INVIATO, R.ESCLUSO]
    assert result.exit_code == 0 and len(server.received) == 1


def test_dry_run_writes_parseable_eml_drafts(tmp_path):
    from email import policy
    from email.parser import BytesParser

    exports = make_exports(tmp_path / "allegati")
    exports.append(ExportedWorkbook("SETTORE SENZA EMAIL", "SEN", None, "", exports[0].path, 1, 0))
    settings = settings_for(None, port=free_port())  # no server needed
    result = R.write_drafts(R.prepare(exports, settings, 2025), tmp_path)
    assert result.exit_code == 1  # one sector has no address
    drafts = sorted((tmp_path / R.DRAFTS).glob("*.eml"))
    assert len(drafts) == 3
    assert any("CITTÀ" in p.name for p in drafts)
    for exp, out in zip(exports[:3], result.outcomes[:3], strict=True):
        msg = BytesParser(policy=policy.default).parsebytes(out.path.read_bytes())
        assert msg["X-Unsent"] == "1"
        assert msg["Subject"] == f"Albero della Performance 2025 – obiettivi del settore {exp.sector}"
        att = next(msg.iter_attachments())
        assert att.get_filename() == exp.path.name
        assert att.get_content() == exp.path.read_bytes()
    assert not (tmp_path / L.LOG_NAME).exists()


def test_deadline_days_from_today():
    s = load_settings({"ALBERO_MITTENTE": "a@b.it", "ALBERO_SCADENZA": "10"}, search_dirs=(),
                      today=dt.date(2025, 1, 10))
    assert s.deadline == dt.date(2025, 1, 20)
