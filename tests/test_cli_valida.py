"""``albero valida`` and ``albero importa`` end to end: exit codes, JSON, report, bad input."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests import builders, trees
from xl_albero import columns as C
from xl_albero.app.ui import Ui
from xl_albero.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"
SAMPLE_PDF = ROOT / "workbooks" / "albero_2025_pdf.xlsx"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Ui(out, err))
    return code, out.getvalue(), err.getvalue()


def run_process(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "xl_albero", *argv], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_valid_sample_exit_0_with_summary():
    code, out, _ = run("valida", str(SAMPLE))
    assert code == 0
    assert "48 obiettivi operativi" in out and "nessun errore" in out


def test_json_output_has_riepilogo_and_rilievi(tmp_path):
    p = trees.write(tmp_path / "t.xlsx", trees.frame(4, **{"1:Settore responsabile": "X"}))
    code, out, _ = run("valida", str(p), "--json")
    assert code == 1
    doc = json.loads(out)
    assert set(doc["riepilogo"]) == {"aree", "obiettivi_strategici", "obiettivi_pluriennali",
                                     "obiettivi_operativi", "settori", "errori", "avvisi"}
    assert doc["riepilogo"]["errori"] == len([r for r in doc["rilievi"]
                                             if r["gravita"] == "errore"]) >= 1
    keys = {"foglio", "riga", "colonna", "cella", "gravita", "codice", "messaggio",
            "suggerimento"}
    assert all(set(r) == keys for r in doc["rilievi"])
    assert {"cella": "H3", "codice": "SETTORE_SCONOSCIUTO"}.items() <= doc["rilievi"][0].items()


def test_report_workbook_links_to_cells_and_source_untouched(tmp_path):
    df = trees.frame(4, **{"1:Settore responsabile": "X", "2:Area strategica": " AREA 2"})
    src = trees.write(tmp_path / "albero.xlsx", df)
    before = sha(src)
    out = tmp_path / "rapporto.xlsx"
    code, text, _ = run("valida", str(src), "--report", str(out))
    assert code == 1 and out.exists() and sha(src) == before
    ws = openpyxl.load_workbook(out)["Rilievi"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Foglio", "Riga", "Colonna", "Cella", "Gravità"]
    links = {c.value: (c.hyperlink.target, c.hyperlink.location) for c in ws["D"][1:]
             if c.hyperlink}
    assert links["H3"] == ("albero.xlsx", "'Albero'!H3")
    assert "rapporto.xlsx" in text
    # refuses to overwrite the report, and never writes onto the source
    assert run("valida", str(src), "--report", str(out))[0] == 2
    code, _, err = run("valida", str(src), "--report", str(src), "--sovrascrivi")
    assert code == 2 and "coincide con il file di partenza" in err and sha(src) == before


def test_importa_pdf_layout_to_canonical(tmp_path):
    out = tmp_path / "canonico.xlsx"
    code, text, _ = run("importa", str(SAMPLE_PDF), "-o", str(out))
    assert out.exists() and "Settori" in text
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Albero", "Settori"]
    ws = wb["Albero"]
    assert "TabAlbero" in ws.tables
    header = [c.value for c in ws[1]]
    assert header[: len(C.TREE_COLUMNS)] == list(C.TREE_COLUMNS)
    assert ws.max_row == 49
    # three multi-year objectives of the PDF state no period: an avviso, not an errore
    assert code == 0
    assert "3 obiettivi pluriennali senza periodo" in text and "«Periodo»" in text


def test_approved_plan_typed_as_it_is_has_no_false_empty_cells():
    """The PDF layout has no Periodo column: a multi-year text that names no years is
    reported once per objective, at its merged cell, as an avviso saying how to add one."""
    code, text, _ = run("valida", str(SAMPLE_PDF), "--json")
    assert code == 0
    found = json.loads(text)["rilievi"]
    assert not [f for f in found if f["codice"] == "CELLA_VUOTA"]
    periods = [f for f in found if f["codice"] == "PERIODO_NON_INDICATO"]
    assert [f["cella"] for f in periods] == ["C8", "C27", "C33"]
    wb = openpyxl.load_workbook(SAMPLE_PDF)
    ws = wb.active
    merged = {str(r).split(":")[0] for r in ws.merged_cells.ranges}
    for f in periods:
        assert f["gravita"] == "avviso" and f["colonna"] == C.PLURIENNALE
        assert f["cella"] in merged  # the top-left cell of the merged multi-year cell
        assert ws[f["cella"]].value  # not an empty cell
        assert "non indica il periodo" in f["messaggio"]
        assert "colonna «Periodo»" in f["suggerimento"] and "nel testo" in f["suggerimento"]


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    good = builders.write_workbook(tmp / "buono.xlsx", [["Capitolo", "Importo"], ["Più", 1]])
    csv = tmp / "dati.xlsx"
    csv.write_text("Area;Obiettivo\nCittà;Più verde\n", encoding="utf-8")
    notwb = builders.write_zip(tmp / "archivio.xlsx", {"leggimi.txt": "ciao"})
    bomb = tmp / "bomba.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info.filename, zin.read(info))
        with z.open("xl/media/zeri.bin", "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(60):
                fh.write(chunk)
    laughs = builders.rewrite_zip(good, tmp / "xxe.xlsx", replace={
        "xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">'
                           b'<!ENTITY lol2 "&lol;&lol;">]><workbook>&lol2;</workbook>'})
    xls = tmp / "vecchio.xls"
    xls.write_bytes(builders.build_cfb({"Workbook": builders.xls_workbook_stream()}))
    empty_tree = tmp / "vuoto.xlsx"
    trees.write(empty_tree, trees.frame(1).iloc[0:0])
    return {
        "missing": (tmp / "manca.xlsx", "non esiste"),
        "folder": (tmp, "cartella"),
        "xls": (xls, ".xlsx"),
        "csv": (csv, "testo"),
        "notwb": (notwb, "non una cartella di lavoro"),
        "bomb": (bomb, "compress"),
        "xxe": (laughs, "DOCTYPE"),
        "no_tree": (good, "Fogli trovati"),
        "empty_tree": (empty_tree, "nessun obiettivo"),
    }


@pytest.mark.parametrize("case", ["missing", "folder", "xls", "csv", "notwb", "bomb", "xxe",
                                  "no_tree", "empty_tree"])
def test_bad_input_exit_2_clear_message_nothing_written(tmp_path, case, monkeypatch):
    monkeypatch.setenv("ALBERO_MAX_UNCOMPRESSED_MB", "50")
    src, words = _bad_files(tmp_path)[case]
    report = tmp_path / "out" / "rapporto.xlsx"
    report.parent.mkdir()
    code, out, err = run("valida", str(src), "--report", str(report))
    assert code == 2, err
    assert words.lower() in err.lower(), err
    assert "Traceback" not in err and not report.exists()
    assert list(report.parent.iterdir()) == []


def test_process_exit_codes_and_no_traceback(tmp_path):
    p = run_process("valida", str(tmp_path / "manca.xlsx"))
    assert p.returncode == 2 and "non esiste" in p.stderr and "Traceback" not in p.stderr
    p = run_process("valida")
    assert p.returncode == 2 and "errore negli argomenti" in p.stderr
    p = run_process("valida", str(SAMPLE), "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["riepilogo"]["obiettivi_operativi"] == 48
