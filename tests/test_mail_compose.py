"""Pure planning and building of the sector mails: addresses, injection, MIME, properties."""

from __future__ import annotations

import datetime as dt
from email import policy
from email.parser import BytesParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_albero.io.sector_workbook import ExportedWorkbook
from xl_albero.mail import compose
from xl_albero.mail.config import load_settings
from xl_albero.mail.template import load_template

SETTINGS = load_settings({"ALBERO_MITTENTE": "performance@comune.example.it",
                          "ALBERO_CC": "ragioneria@comune.example.it",
                          "ALBERO_RISPONDI_A": "controllo@comune.example.it",
                          "ALBERO_SCADENZA": "31/03/2025"}, search_dirs=())
TEMPLATE = load_template()
PATH = Path("/nonexistent/SETTORE_2025.xlsx")


def plan_one(sector="SETTORE CITTÀ", dirigente="Dott.ssa Bianchi", email="b@comune.it",
             sizes=None, path=PATH):
    exp = ExportedWorkbook(sector, "SIG", dirigente, email, path, 3, 2)
    return compose.plan_messages([exp], SETTINGS, 2025, TEMPLATE, sizes=sizes)[0]


def test_parse_recipients_forms():
    assert compose.parse_recipients("a@b.it") == (("a@b.it",), "")
    assert compose.parse_recipients(" Mario Rossi <m.rossi@comune.it> ; x@y.it, ") == (
        ("m.rossi@comune.it", "x@y.it"), "")
    assert compose.parse_recipients("ufficio@comune-città.it")[0] == ("ufficio@comune-città.it",)
    for bad in ("a@", "@b.it", "a b@c.it", "a@b", "a@@b.it", "Mario <a@b.it", "a@b.it>"):
        addrs, reason = compose.parse_recipients(bad)
        assert addrs == () and "non valido" in reason, bad
    assert "manca" in compose.parse_recipients(None)[1]
    assert "manca" in compose.parse_recipients(float("nan"))[1]
    assert "a capo" in compose.parse_recipients("a@b.it\nBcc: c@d.it")[1]


def test_idn_domain_converted_for_smtp():
    converted = compose.ascii_address("u@comune-città.it")
    local, domain = converted.split("@")
    assert converted.isascii() and local == "u" and domain.startswith("xn--")
    assert domain.encode("ascii").decode("idna") == "comune-città.it"
    assert compose.ascii_address("u@comune.it") == "u@comune.it"


def test_italian_date():
    assert compose.italian_date(dt.date(2025, 3, 31)) == "lunedì 31 marzo 2025"
    assert compose.italian_date(dt.date(2025, 8, 15)) == "venerdì 15 agosto 2025"


def test_plan_fills_template():
    out = plan_one()
    assert out.status == compose.PRONTO
    assert out.subject == "Albero della Performance 2025 – obiettivi del settore SETTORE CITTÀ"
    assert "Gentile Dott.ssa Bianchi," in out.body
    assert "5 obiettivi operativi, di cui 3 come settore responsabile e 2 come" in out.body
    assert "lunedì 31 marzo 2025" in out.body
    assert out.cc == ("ragioneria@comune.example.it",)
    assert out.envelope_recipients == ("b@comune.it", "ragioneria@comune.example.it")


def test_missing_dirigente_gets_generic_greeting():
    assert "Gentile Dirigente," in plan_one(dirigente=None).body


def test_size_check_and_missing_file():
    limit = SETTINGS.max_attachment_bytes
    assert plan_one(sizes={PATH: limit}).status == compose.PRONTO
    over = plan_one(sizes={PATH: limit + 1})
    assert over.status == compose.SALTATO and "oltre il limite di 10,0 MB" in over.reason
    assert "non trovato" in plan_one(sizes={}).reason


def test_no_objectives_is_excluded_not_skipped():
    out = plan_one(path=None, email=None)
    assert out.status == compose.ESCLUSO


def test_build_message_headers_and_attachment():
    out = plan_one(email="Bianchi <b@comune-città.it>")
    data = b"PK\x03\x04 not really a zip but bytes are bytes \x00\xff"
    msg = compose.build_message(out, data, "Obiettivi – CITTÀ.xlsx", draft=True,
                                when=dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC))
    raw = msg.as_bytes()
    assert raw.isascii()
    back = BytesParser(policy=policy.default).parsebytes(raw)
    assert back["To"].addresses[0].addr_spec == compose.ascii_address("b@comune-città.it")
    assert back["To"].addresses[0].display_name == "Dott.ssa Bianchi"
    assert back["Reply-To"] == "controllo@comune.example.it"
    assert back["X-Unsent"] == "1"
    assert back["Subject"] == out.subject
    assert back["Message-ID"].endswith("@comune.example.it>")
    assert back["Date"].datetime == dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    att = next(back.iter_attachments())
    assert att.get_filename() == "Obiettivi – CITTÀ.xlsx"
    assert att.get_content() == data
    assert "X-Unsent" not in compose.build_message(out, data)


def test_xlsm_gets_macro_enabled_type():
    msg = compose.build_message(plan_one(), b"x", "a.xlsm")
    assert next(msg.iter_attachments()).get_content_type() == \
        "application/vnd.ms-excel.sheet.macroenabled.12"  # MIME types compare lower-case


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sector=text, dirigente=text, email=st.one_of(text, st.emails().map(str)))
def test_no_header_injection_whatever_the_registry_says(sector, dirigente, email):
    """Whatever the registry cells hold: either the sector is skipped, or the message has
    exactly the planned recipients and no header the registry text could have added."""
    out = plan_one(sector=sector or "S", dirigente=dirigente or None, email=email)
    if out.status != compose.PRONTO:
        assert out.reason
        return
    msg = compose.build_message(out, b"data")
    back = BytesParser(policy=policy.default).parsebytes(msg.as_bytes())
    allowed = {"from", "to", "cc", "reply-to", "subject", "date", "message-id",
               "mime-version", "content-type", "content-transfer-encoding"}
    assert {k.lower() for k in back} <= allowed
    got = sorted(a.addr_spec for a in back["To"].addresses)
    assert got == sorted(compose.ascii_address(a) for a in out.recipients)
    assert [a.addr_spec for a in back["Cc"].addresses] == list(SETTINGS.cc)
    assert back["Subject"] == out.subject
