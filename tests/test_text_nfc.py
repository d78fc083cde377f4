"""Text typed on a Mac (decomposed accents, NFD) reads as the registry name; names that
still differ only in invisible characters get a finding that names the character."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.sector_fixtures import SECTORS, objectives, run_cli, small_tree, tree_file
from xl_albero import columns as C
from xl_albero.invisible import char_name, invisible_difference, visible
from xl_albero.rawsheet import RawSheet
from xl_albero.sheet_parser import _to_nfc, tree_from_sheets

CITTA = "SERVIZI ALLA CITTÀ"
CITTA_NFD = unicodedata.normalize("NFD", CITTA)


def rows_with(responsible: str) -> list[dict]:
    rows = objectives()
    for r in rows:
        if r[C.RESPONSABILE] == CITTA:
            r[C.RESPONSABILE] = responsible
    return rows


def findings(src, *args):
    code, out, err = run_cli("valida", src, "--json", *args)
    assert "Traceback" not in err
    return code, json.loads(out)["rilievi"]


def test_nfd_typed_on_a_mac_matches_the_registry(tmp_path):
    assert CITTA_NFD != CITTA and len(CITTA_NFD) == len(CITTA) + 1
    src = tree_file(tmp_path / "albero.xlsx", small_tree(rows=rows_with(CITTA_NFD)))
    code, found = findings(src)
    assert not [f for f in found if f["codice"].startswith("SETTORE")
                and "CITT" in f["messaggio"]], found
    # and the other way round: the registry typed on a Mac
    sectors = [(unicodedata.normalize("NFD", s[0]), *s[1:]) for s in SECTORS]
    src = tree_file(tmp_path / "albero2.xlsx", small_tree(sectors=sectors))
    code2, found2 = findings(src)
    assert not [f for f in found2 if f["codice"] == "SETTORE_SCONOSCIUTO"], found2
    # the sector workbook carries the composed name
    out = tmp_path / "settori.xlsx"
    code, _o, err = run_cli("settori", src, "-o", out)
    assert code == 0, err


def test_one_reader_path_for_files_and_excel():
    """The Excel adapter gives RawSheets too: the same parser composes the text."""
    header = [C.OPERATIVO, C.RESPONSABILE, C.AREA]
    raw = RawSheet("Albero", [header, ["Più verde", CITTA_NFD, "Città"],
                              ["Sportello", 12, unicodedata.normalize("NFD", "Perché")]])
    tree = tree_from_sheets([raw])
    assert tree.data[C.RESPONSABILE].tolist()[0] == CITTA
    assert tree.data[C.AREA].tolist()[1] == "Perché"


def test_invisible_character_is_named(tmp_path):
    zwsp = CITTA.replace("ALLA ", "ALLA \u200b")
    src = tree_file(tmp_path / "albero.xlsx", small_tree(rows=rows_with(zwsp)))
    code, found = findings(src)
    unknown = [f for f in found if f["codice"] == "SETTORE_SCONOSCIUTO"]
    assert code == 1 and unknown
    assert all("U+200B spazio a larghezza zero" in f["suggerimento"] for f in unknown)
    assert "Forse" not in unknown[0]["suggerimento"]
    # the terminal shows where it is
    code, out, err = run_cli("valida", src)
    flat = " ".join(out.split())  # the table wraps long lines
    assert "ALLA \\u200bCITTÀ" in flat and "U+200B spazio a larghezza zero" in flat


def test_bidi_mark_and_registry_side_are_named():
    assert "U+200E segno da sinistra a destra" in invisible_difference(CITTA + "\u200e", CITTA)
    hint = invisible_difference(CITTA, CITTA + "\ufeff")
    assert "foglio Settori" in hint and "U+FEFF" in hint
    assert invisible_difference("POLIZIA", CITTA) == ""
    assert char_name("\u00a0") == "U+00A0 spazio unificatore"


def test_registry_names_differing_only_in_invisible_characters(tmp_path):
    sectors = [*SECTORS, (CITTA + "\u200d", "CITTA2", "Dott. Blu", "blu@comune.example.it")]
    src = tree_file(tmp_path / "albero.xlsx", small_tree(sectors=sectors))
    _code, found = findings(src)
    hits = [f for f in found if f["codice"] == "SETTORI_INVISIBILI"]
    assert len(hits) == 1 and "U+200D congiunzione a larghezza zero" in hits[0]["suggerimento"]
    assert hits[0]["gravita"] == "avviso"


@given(st.lists(st.one_of(st.none(), st.text(), st.integers()), max_size=30))
def test_to_nfc_is_nfc_of_every_text_and_leaves_the_rest(values):
    col = np.array(values + [None], dtype=object)[:-1] if values else np.array([], dtype=object)
    out = _to_nfc(col.copy(), texts_only=False)
    for before, after in zip(values, out, strict=True):
        if isinstance(before, str):
            assert after == unicodedata.normalize("NFC", before)
        else:
            assert after is before or after == before


@given(st.text())
def test_visible_is_idempotent(text):
    assert visible(visible(text)) == visible(text)


def test_the_nfc_proof_skips_nothing_that_needs_normalising():
    """The reader proves a sheet's texts NFC only when they are: Latin-1, or NFC as a whole
    part with no character reference (shared strings, inline strings, formula results and
    formula texts all count)."""
    from xl_albero.io.xmlscan import nfc_text

    assert nfc_text("<sst><si><t>CITTÀ più è</t></si></sst>".encode(), b"<c><v>1</v></c>")
    assert nfc_text("<sst><si><t>dell’ente ≥ 90 € – CITTÀ</t></si></sst>".encode(), b"")
    assert not nfc_text("<sst><si><t>CITTA\u0300</t></si></sst>".encode(), b"")
    assert not nfc_text("<sst><si><t>CITTA&#768; €</t></si></sst>".encode(), b"")
    assert not nfc_text(b"<sst><si><t>CITTA&#768;</t></si></sst>", b"")  # ASCII bytes
    nfd = "<c t=\"inlineStr\"><is><t>CITTA\u0300</t></is></c>".encode()
    assert not nfc_text(b"", nfd)
    assert not nfc_text(b"", "<c t=\"str\"><f>A1</f><v>CITTA\u0300</v></c>".encode())
    assert nfc_text(b"", "<c t=\"inlineStr\"><is><t>città</t></is></c>".encode())


def test_the_nfc_proof_reads_big_parts_in_pieces_and_misses_nothing(monkeypatch):
    """Pieces are cut before a ``<``: a decomposed accent right after a cut, or spanning
    a piece of the size the proof uses, is still found."""
    from xl_albero.io import xmlscan

    monkeypatch.setattr(xmlscan, "_NFC_CHUNK", 16)
    items = [f"<si><t>testo {i} ≥ dell’ente</t></si>" for i in range(50)]
    clean = ("<sst>" + "".join(items) + "</sst>").encode()
    assert xmlscan.nfc_text(clean, b"")
    pieces = list(xmlscan._chunks_at_tags(clean))
    assert b"".join(pieces) == clean and all(p.startswith(b"<") for p in pieces)
    for at in (3, 17, 49):
        bad = items.copy()
        bad[at] = "<si><t>CITTA\u0300</t></si>"
        assert not xmlscan.nfc_text(("<sst>" + "".join(bad) + "</sst>").encode(), b"")


@pytest.mark.parametrize("mark", [b'xml:space="preserve"', b"  ", b"\n", b"\r", b"\t",
                                  b"&#10;", b"&#13;", b"&#9;", b"\xc2\xa0", b"&#160;",
                                  b"_x000A_", b"_x000D_", b"_x0009_"])
def test_every_white_space_mark_sends_the_text_to_normalisation(mark):
    """The grouped passes of ``may_have_stray_spaces`` miss none of the marks."""
    from xl_albero.io.xmlscan import may_have_stray_spaces

    head = b'<?xml version="1.0"?>\n<sst><si><t>Citt\xc3\xa0 pi\xc3\xb9 &amp; _x y</t></si>'
    assert not may_have_stray_spaces(head + b"</sst>", b"")
    assert may_have_stray_spaces(head + b"<si><t>a" + mark + b"b</t></si></sst>", b"")
