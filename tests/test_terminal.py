"""What reaches the terminal: escape sequences, other controls and bidi overrides in any
cell are shown escaped by every command (one rendering function, ``app.ui.for_terminal``)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.sector_fixtures import SECTORS, objectives, run_cli, small_tree, tree_file
from xl_albero import columns as C
from xl_albero.app.ui import for_terminal

OSC_TITLE = "\x1b]0;HACKED\x07"
CLEAR = "\x1b[2J"
CSI_C1 = "\x9b31m"
RLO = "\u202e"


def hostile_tree():
    rows = objectives()
    rows[0][C.RESPONSABILE] = f"SETTORE {OSC_TITLE}FANTASMA{CLEAR}"   # unknown sector
    rows[1][C.OPERATIVO] = f"Dehors{CSI_C1} rosso"
    rows[1][C.RESPONSABILE] = f"UFFICIO {RLO}xslx.exe"                 # unknown sector
    rows[2]["Note dell'ufficio"] = f"nota\x08\x08\x08\x00{CLEAR}"
    return small_tree(rows=rows)


def _assert_clean(text: str) -> None:
    for bad in ("\x1b", "\x07", "\x9b", "\x08", "\x00", RLO):
        assert bad not in text, repr(text)


@pytest.mark.parametrize("argv", [(), ("--json",)])
def test_valida_shows_escapes_escaped(tmp_path, argv):
    src = tree_file(tmp_path / "albero.xlsx", hostile_tree())
    code, out, err = run_cli("valida", src, *argv)
    assert code == 1 and "Traceback" not in err
    _assert_clean(out + err)
    if argv:
        data = json.loads(out)  # still valid JSON; it decodes to the cell's real text
        values = [r["messaggio"] for r in data["rilievi"]]
        assert any(OSC_TITLE in v for v in values)
    else:
        assert "\\u001b]0;HACKED\\u0007" in out and "\\u001b[2J" in out
        assert "\\u202exslx.exe" in out
        assert "Settore «SETTORE" in out  # the Italian message itself is intact


def test_refusal_and_plan_messages_are_escaped(tmp_path, monkeypatch):
    """A refused tree (findings on stderr) and ``invia``'s plan (sector names, subjects)."""
    src = tree_file(tmp_path / "albero.xlsx", hostile_tree())
    code, out, err = run_cli("settori", src, "-o", tmp_path / "out.xlsx")
    assert code == 1 and "Traceback" not in err
    _assert_clean(out + err)
    assert "\\u001b" in err
    assert not (tmp_path / "out.xlsx").exists()

    sectors = [(f"{SECTORS[0][0]}", f"T{CLEAR}", *SECTORS[0][2:]), *SECTORS[1:]]
    monkeypatch.setenv("ALBERO_MITTENTE", "programmazione@comune.example.it")
    src2 = tree_file(tmp_path / "albero2.xlsx", small_tree(sectors=sectors))
    code, out, err = run_cli("invia", src2, "--cartella", tmp_path / "invio")
    assert "Traceback" not in err
    _assert_clean(out + err)


@given(st.text())
def test_for_terminal_leaves_nothing_a_terminal_acts_on(text):
    shown = for_terminal(text)
    assert not any(0 <= ord(ch) < 32 and ch not in "\n\t" for ch in shown)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in shown)
    assert not any(ch in shown for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    # and it is reversible through JSON: every escape is a valid JSON \\u escape
    if "\\" not in text and '"' not in text:
        assert json.loads(f'"{shown}"'.replace("\n", "\\n").replace("\t", "\\t")) == text


def test_plain_text_is_unchanged():
    s = "SERVIZI ALLA CITTÀ — più\tcolonna\nriga «ok»"
    assert for_terminal(s) == s
