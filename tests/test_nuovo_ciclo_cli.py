"""``albero nuovo-ciclo`` end to end: real files written and read back, refusals, exit codes."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.rollover_trees import SECTORS, sample_rows, sample_tree
from xl_albero import columns as C
from xl_albero.app.ui import Ui
from xl_albero.cli import main
from xl_albero.io.table_writer import write_tree_workbook
from xl_albero.model import Tree

ROOT = Path(__file__).resolve().parents[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main(["nuovo-ciclo", *map(str, argv)], ui=Ui(out=out, err=err))
    return rc, out.getvalue(), err.getvalue()


def sheet_values(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def as_frame(path: Path, sheet: str, header_row: int = 0) -> pd.DataFrame:
    rows = sheet_values(path, sheet)[header_row:]
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "albero_2025.xlsx"
    write_tree_workbook(sample_tree(), path)
    return path


def write_rows(tmp_path: Path, rows: list[dict], name: str = "albero.xlsx") -> Path:
    path = tmp_path / name
    write_tree_workbook(Tree(data=pd.DataFrame(rows), sectors=SECTORS.copy()), path)
    return path


def test_rollover_writes_the_new_workbook_and_keeps_the_source(source, tmp_path):
    before = sha256(source)
    out = tmp_path / "albero_2026.xlsx"
    rc, stdout, stderr = run_cli(source, "--anno", "2026", "-o", out)
    assert rc == 0, stderr
    assert sha256(source) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Albero", "Settori", "Storico 2025", "Passaggio 2025→2026"]
    assert wb["Storico 2025"].protection.sheet is True
    wb.close()
    new = as_frame(out, "Albero")
    assert set(new[C.ANNO]) == {2026}
    assert new[C.CODICE_ORIGINE].dropna().tolist() == ["1.1.1.1", "1.1.2.1", "2.1.2.1"]
    hist = as_frame(out, "Storico 2025")
    old = as_frame(source, "Albero")
    pd.testing.assert_frame_equal(hist, old)
    assert as_frame(out, "Settori")[C.SETTORE].tolist() == SECTORS[C.SETTORE].tolist()
    passage = sheet_values(out, "Passaggio 2025→2026")
    # each count: its label (over the first columns) and its figure further right
    counts = {next(v for v in r if isinstance(v, str)): next(v for v in r if isinstance(v, int))
              for r in passage[1:13] if any(isinstance(v, int) for v in r)}
    assert counts["Obiettivi operativi riportati"] == 3
    assert counts["Obiettivi operativi archiviati"] == 2
    assert "Nuovo ciclo 2025 → 2026" in stdout
    assert "Cernusco 2025 - Capitale Europea dello Sport" in stdout  # review item shown
    assert "Obiettivi operativi archiviati" in stdout


def test_running_twice_gives_identical_content(source, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert run_cli(source, "--anno", "2026", "-o", a)[0] == 0
    assert run_cli(source, "--anno", "2026", "-o", b)[0] == 0
    for sheet in ("Albero", "Settori", "Storico 2025", "Passaggio 2025→2026"):
        assert sheet_values(a, sheet) == sheet_values(b, sheet)
    assert sha256(a) == sha256(b)


def test_rolling_the_output_on_to_the_next_year(tmp_path):
    rows = sample_rows()
    rows[3][C.STATO] = "In corso"  # every multi-year objective keeps an operational one
    source = write_rows(tmp_path, rows)
    y26, y27 = tmp_path / "2026.xlsx", tmp_path / "2027.xlsx"
    assert run_cli(source, "--anno", "2026", "-o", y26, "--estendi-periodo", "2026-2028")[0] == 0
    rc, stdout, stderr = run_cli(y26, "--anno", "2027", "-o", y27)
    assert rc == 0, stderr
    new = as_frame(y27, "Albero")
    assert set(new[C.ANNO]) == {2027}
    assert "Passaggio 2026→2027" in openpyxl.load_workbook(y27, read_only=True).sheetnames


def test_existing_output_refused_unless_overwrite(source, tmp_path):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"keep me")
    rc, _, err = run_cli(source, "--anno", "2026", "-o", out)
    assert rc == 2 and "esiste già" in err and "--sovrascrivi" in err
    assert out.read_bytes() == b"keep me"
    rc, _, err = run_cli(source, "--anno", "2026", "-o", out, "--sovrascrivi")
    assert rc == 0, err
    assert as_frame(out, "Albero")[C.ANNO].iloc[0] == 2026


def test_output_equal_to_source_refused(source):
    before = sha256(source)
    rc, _, err = run_cli(source, "--anno", "2026", "-o", source, "--sovrascrivi")
    assert rc == 2 and "coincide con il file di partenza" in err
    assert sha256(source) == before


@pytest.mark.parametrize("year", ["2025", "2024"])
def test_year_not_after_refused(source, tmp_path, year):
    out = tmp_path / "out.xlsx"
    rc, _, err = run_cli(source, "--anno", year, "-o", out)
    assert rc == 2
    assert "deve essere successivo a quello dell'albero (2025)" in err
    assert not out.exists()


def test_mixed_years_refused(tmp_path):
    rows = sample_rows()
    rows[0][C.ANNO] = 2024
    src = write_rows(tmp_path, rows)
    out = tmp_path / "out.xlsx"
    rc, _, err = run_cli(src, "--anno", "2026", "-o", out)
    assert rc == 2 and "più anni (2024, 2025)" in err
    assert not out.exists()


def test_bad_period_option_refused(source, tmp_path):
    out = tmp_path / "out.xlsx"
    rc, _, err = run_cli(source, "--anno", "2026", "-o", out, "--estendi-periodo", "2027/2029")
    assert rc == 2 and "non comprende l'anno del nuovo piano (2026)" in err
    assert not out.exists()


def test_placeholder_rows_must_be_completed_before_the_next_rollover(source, tmp_path):
    y26, y27 = tmp_path / "2026.xlsx", tmp_path / "2027.xlsx"
    assert run_cli(source, "--anno", "2026", "-o", y26, "--estendi-periodo", "2026-2028")[0] == 0
    rc, _, err = run_cli(y26, "--anno", "2027", "-o", y27)
    assert rc == 1 and "Obiettivo operativo" in err
    assert not y27.exists()


def test_tree_with_errors_refused_and_findings_shown(tmp_path):
    rows = sample_rows()
    rows[2][C.RESPONSABILE] = None  # an operational objective without a responsible sector
    rows[3][C.AREA] = "#RIF!"
    src = write_rows(tmp_path, rows)
    before = sha256(src)
    out = tmp_path / "out.xlsx"
    rc, _, err = run_cli(src, "--anno", "2026", "-o", out)
    assert rc == 1
    assert "prima di preparare il nuovo ciclo" in err and "--forza" not in err
    assert "Albero!H4" in err and "Settore responsabile" in err  # the findings are shown
    assert "#RIF!" in err
    assert not out.exists()
    assert sha256(src) == before


def test_missing_source_refused(tmp_path):
    rc, _, err = run_cli(tmp_path / "nessuno.xlsx", "--anno", "2026", "-o", tmp_path / "o.xlsx")
    assert rc == 2 and err.strip()


def test_subprocess_run(source, tmp_path):
    out = tmp_path / "nuovo.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "xl_albero", "nuovo-ciclo", str(source),
                           "--anno", "2026", "-o", str(out)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Nuovo ciclo 2025 → 2026" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "xl_albero", "nuovo-ciclo", str(source),
                           "--anno", "2026", "-o", str(out)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "esiste già" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_the_output(source, tmp_path):
    out = tmp_path / "nuovo.xlsx"
    assert run_cli(source, "--anno", "2026", "-o", out)[0] == 0
    profile = tmp_path / "lo-profile"
    proc = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(out)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    csv = (tmp_path / "csv" / "nuovo.csv").read_text(encoding="utf-8", errors="replace")
    assert "2026" in csv and "1.1.1.1" in csv
