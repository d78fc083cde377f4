"""``albero settori`` / ``esporta`` / ``riepilogo`` end to end on real files, bad input included."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.lo import lo_read_many, needs_lo, read_values
from tests.sector_fixtures import SECTORS, objectives, run_cli, small_tree, tree_file
from xl_albero import columns as C
from xl_albero.identity import EDITABLE_COLUMNS, KEY_COLUMN, SHEET_IDENTITY, row_key
from xl_albero.io.sector_workbook import (
    SHEET_COVER,
    SHEET_OBJECTIVES,
    ExportedWorkbook,
    export_all,
    sector_workbook_name,
)
from xl_albero.per_sector import ROLE_COLUMN, sector_frames
from xl_albero.usecases.sectors import SectorOptions, sectors_of_tree


def _norm(v):
    return None if v is None or (isinstance(v, float) and v != v) else v


def _frame_rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(_norm(v) for v in row) for row in frame.itertuples(index=False)]


# -- settori ------------------------------------------------------------------------------
def test_settori_adds_one_formatted_sheet_per_sector(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    out = tmp_path / "settori.xlsx"
    code, stdout, err = run_cli("settori", src, "-o", out)
    assert code == 0, err
    assert "5 fogli per settore" in stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [C.SHEET_TREE, C.SHEET_SECTORS] + [s[1] for s in SECTORS]
    ws = wb["TECNICO"]
    assert ws.freeze_panes == "A3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$2"
    (table,) = ws.tables.values()
    assert table.tableStyleInfo.name.startswith("TableStyle")
    assert ws["H3"].alignment.wrap_text  # Obiettivo pluriennale column wraps
    # a text that looks like a formula stays text
    cells = [c for row in ws.iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


@needs_lo
def test_settori_original_sheets_unchanged_and_libreoffice_sees_the_sectors(tmp_path):
    tree = small_tree()
    src = tree_file(tmp_path / "albero.xlsx", tree)
    out = tmp_path / "settori.xlsx"
    assert run_cli("settori", src, "-o", out)[0] == 0
    before = read_values(src)
    (seen,) = lo_read_many([out])
    for sheet, rows in before.items():
        assert seen[sheet] == rows, sheet
    frames = sector_frames(tree)
    for sigla, frame in frames.items():
        rows = seen[sigla]
        assert rows[1] == tuple([ROLE_COLUMN, *tree.data.columns])
        body = [r for r in rows[2:] if any(v is not None for v in r)]
        assert body == _frame_rows(frame), sigla


def test_settori_refuses_existing_output_unless_sovrascrivi(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    out = tmp_path / "settori.xlsx"
    out.write_bytes(b"vecchio")
    code, _, err = run_cli("settori", src, "-o", out)
    assert code == 2 and "esiste già" in err and "--sovrascrivi" in err
    assert out.read_bytes() == b"vecchio"
    assert run_cli("settori", src, "-o", out, "--sovrascrivi")[0] == 0
    assert openpyxl.load_workbook(out).sheetnames[-1] == "AVV"


def test_settori_refuses_output_equal_to_input_even_with_sovrascrivi(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    before = src.read_bytes()
    code, _, err = run_cli("settori", src, "-o", src, "--sovrascrivi")
    assert code == 2 and "coincide con il file di partenza" in err
    assert src.read_bytes() == before


def _tree_with_registry(tmp_path, sectors):
    return tree_file(tmp_path / "albero.xlsx", small_tree(sectors=sectors))


@pytest.mark.parametrize("sigla, words", [
    ("TEC/INN", "caratteri non ammessi"),
    ("SETTORE TECNICO ED INNOVAZIONE 2025", "31 caratteri"),
    ("ecofin", "coincide con quella del settore"),
], ids=["caratteri-vietati", "troppo-lunga", "collisione"])
@pytest.mark.parametrize("command", ["settori", "esporta", "riepilogo"])
def test_bad_siglas_exit_2_and_nothing_written(tmp_path, sigla, words, command):
    sectors = [list(s) for s in SECTORS]
    sectors[0][1] = sigla
    src = _tree_with_registry(tmp_path, [tuple(s) for s in sectors])
    target = tmp_path / "uscita"
    args = ["--cartella", target] if command == "esporta" else ["-o", target.with_suffix(".xlsx")]
    code, out, err = run_cli(command, src, *args)
    assert code == 2, (out, err)
    assert words in err and "Traceback" not in err
    assert "Usare una sigla" in err or "Dare a ogni settore" in err
    assert not target.exists() and not target.with_suffix(".xlsx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["albero.xlsx"]


def test_missing_sigla_is_derived_and_said(tmp_path):
    sectors = [list(s) for s in SECTORS]
    sectors[2][1] = None
    src = _tree_with_registry(tmp_path, [tuple(s) for s in sectors])
    out = tmp_path / "s.xlsx"
    code, stdout, _ = run_cli("settori", src, "-o", out)
    assert code == 0
    assert "Avviso:" in stdout and "SERVIZI ALLA CITTÀ" in stdout and "non ha una sigla" in stdout
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    derived = [n for n in names if n not in {C.SHEET_TREE, C.SHEET_SECTORS, "TECNICO", "ECOFIN",
                                             "POLIZIA", "AVV"}]
    assert len(derived) == 1 and f"«{derived[0]}»" in stdout


def test_long_sector_name_with_forbidden_characters(tmp_path):
    long_name = "SERVIZI [EDUCATIVI]: SCUOLE/NIDI * CULTURA? SPORT E TEMPO LIBERO"
    rows = objectives()
    for r in rows:
        if r[C.RESPONSABILE] == SECTORS[2][0]:
            r[C.RESPONSABILE] = long_name
        if r[C.COINVOLTI]:
            r[C.COINVOLTI] = r[C.COINVOLTI].replace(SECTORS[2][0], long_name)
    sectors = [list(s) for s in SECTORS]
    sectors[2] = [long_name, None, "Dott. Verdi", None]
    src = tree_file(tmp_path / "albero.xlsx", small_tree(sectors=[tuple(s) for s in sectors],
                                                        rows=rows))
    out = tmp_path / "s.xlsx"
    code, stdout, err = run_cli("settori", src, "-o", out)
    assert code == 0, err
    assert "troppo lungo" in stdout
    wb = openpyxl.load_workbook(out)
    new = [n for n in wb.sheetnames if n not in {C.SHEET_TREE, C.SHEET_SECTORS, "TECNICO",
                                                  "ECOFIN", "POLIZIA", "AVV"}]
    assert len(new) == 1 and len(new[0]) <= 31 and not set(new[0]) & set("[]:*?/\\")
    assert long_name in wb[new[0]]["A1"].value


def test_sigla_equal_to_an_existing_sheet_name(tmp_path):
    sectors = [list(s) for s in SECTORS]
    sectors[0][1] = "albero"
    src = _tree_with_registry(tmp_path, [tuple(s) for s in sectors])
    out = tmp_path / "s.xlsx"
    code, _, err = run_cli("settori", src, "-o", out)
    assert code == 2 and "coincide con il foglio «Albero»" in err
    assert not out.exists()


def test_tree_with_errors_is_refused_unless_forced(tmp_path):
    rows = objectives()
    rows[0][C.OPERATIVO] = None
    src = tree_file(tmp_path / "albero.xlsx", small_tree(rows=rows))
    out = tmp_path / "s.xlsx"
    code, _, err = run_cli("settori", src, "-o", out)
    assert code == 1 and "--forza" in err and not out.exists()
    assert run_cli("settori", src, "-o", out, "--forza")[0] == 0


# -- esporta ------------------------------------------------------------------------------
def _no_tutti_tree():
    rows = objectives()
    for r in rows:
        if r[C.COINVOLTI] and "TUTTI" in r[C.COINVOLTI]:
            r[C.COINVOLTI] = None
    return small_tree(rows=rows)


def test_export_all_contract_and_empty_sector_reported(tmp_path):
    tree = _no_tutti_tree()
    res = export_all(sectors_of_tree(tree, SectorOptions(forza=True)), tmp_path / "out",
                     today=dt.date(2025, 3, 1))
    assert [r.sigla for r in res] == [s[1] for s in SECTORS]
    assert all(isinstance(r, ExportedWorkbook) for r in res)
    avv = res[-1]
    assert avv.path is None and avv.led == 0 and avv.involved == 0
    tec = res[0]
    assert tec.path == tmp_path / "out" / sector_workbook_name("TECNICO", 2025)
    assert tec.path.name == "TECNICO_2025.xlsx"
    assert (tec.dirigente, tec.email) == ("Ing. Rossi", "tecnico@comune.example.it")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        r.path.name for r in res if r.path)


def test_esporta_cli_reports_sector_without_objectives(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx", _no_tutti_tree())
    code, out, err = run_cli("esporta", src, "--cartella", tmp_path / "dir")
    assert code == 0, err
    assert "«AVVOCATURA COMUNALE» (AVV) non ha obiettivi" in out
    assert not (tmp_path / "dir" / "AVV_2025.xlsx").exists()


@needs_lo
def test_esporta_workbooks_protected_editable_and_read_by_libreoffice(tmp_path):
    tree = small_tree()
    src = tree_file(tmp_path / "albero.xlsx", tree)
    folder = tmp_path / "settori"
    code, out, err = run_cli("esporta", src, "--cartella", folder)
    assert code == 0, err
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == sorted(f"{s[1]}_2025.xlsx" for s in SECTORS)
    frames = sector_frames(tree)
    seen_all = lo_read_many(files)
    for f, seen in zip(files, seen_all, strict=True):
        sigla = f.name.split("_")[0]
        frame = frames[sigla]
        assert list(seen) == [SHEET_COVER, SHEET_OBJECTIVES, SHEET_IDENTITY]
        header, *body = seen[SHEET_OBJECTIVES]
        # monitoring columns last, then the row key; every other column of the tree kept
        assert list(header[-8:]) == [*EDITABLE_COLUMNS, KEY_COLUMN]
        assert set(header) == {ROLE_COLUMN, *tree.data.columns, *EDITABLE_COLUMNS, KEY_COLUMN}
        want = frame.reindex(columns=list(header[:-1]))
        assert [r[:-1] for r in body] == _frame_rows(want), sigla
        assert [r[-1] for r in body] == [
            row_key(int(pos), [frame.at[pos, c] if c in frame else None
                               for c in EDITABLE_COLUMNS]) for pos in frame.index], sigla
        cover = {r[0]: r[1] for r in seen[SHEET_COVER] if r and r[0]}
        led = int((frame[ROLE_COLUMN] == "Responsabile").sum())
        assert cover["Sigla"] == sigla
        assert cover["Obiettivi di cui è responsabile"] == led
        assert cover["Obiettivi in cui è coinvolto"] == len(frame) - led
        assert cover["Anno"] == 2025
        assert isinstance(cover["Data di estrazione"], dt.datetime)
    wb = openpyxl.load_workbook(folder / "TECNICO_2025.xlsx")
    ws = wb[SHEET_OBJECTIVES]
    assert ws.protection.sheet and not ws.protection.password
    header = [c.value for c in ws[1]]
    for j, name in enumerate(header, start=1):
        cell = ws.cell(row=2, column=j)
        assert cell.protection.locked == (name not in EDITABLE_COLUMNS), name
    assert "Obiettivi" in ws.tables
    assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"
    assert any(dv.type == "list" for dv in ws.data_validations.dataValidation)


def test_esporta_refuses_existing_files_and_writes_nothing(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "ECOFIN_2025.xlsx").write_bytes(b"vecchio")
    code, _, err = run_cli("esporta", src, "--cartella", folder)
    assert code == 2 and "ECOFIN_2025.xlsx" in err and "--sovrascrivi" in err
    assert [p.name for p in folder.iterdir()] == ["ECOFIN_2025.xlsx"]
    assert (folder / "ECOFIN_2025.xlsx").read_bytes() == b"vecchio"
    assert run_cli("esporta", src, "--cartella", folder, "--sovrascrivi")[0] == 0
    assert openpyxl.load_workbook(folder / "ECOFIN_2025.xlsx").sheetnames == [
        SHEET_COVER, SHEET_OBJECTIVES, SHEET_IDENTITY]


def test_esporta_folder_that_cannot_be_written(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    blocker = tmp_path / "file.txt"
    blocker.write_text("non una cartella")
    code, _, err = run_cli("esporta", src, "--cartella", blocker / "sotto")
    assert code == 2 and "non è una cartella" in err and "Traceback" not in err
    code, _, err = run_cli("esporta", src, "--cartella", blocker)
    assert code == 2 and "non è una cartella" in err


def test_esporta_read_only_folder(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.geteuid() != 0:
            code, _, err = run_cli("esporta", src, "--cartella", ro)
        else:
            # root writes everywhere: run the command without the capabilities that allow it
            setpriv = shutil.which("setpriv")
            if not setpriv:
                pytest.skip("root senza setpriv")
            root = Path(__file__).resolve().parents[1]
            done = subprocess.run(
                [setpriv, "--bounding-set", "-dac_override,-dac_read_search", sys.executable,
                 "-m", "xl_albero", "esporta", str(src), "--cartella", str(ro)],
                cwd=root, capture_output=True, text=True, timeout=120,
                env={**os.environ, "PYTHONPATH": str(root), "PYTHONIOENCODING": "utf-8"})
            if "Operation not permitted" in done.stderr:
                pytest.skip("non si possono togliere le capacità qui")
            code, err = done.returncode, done.stderr
        assert code == 2 and "permessi" in err and "Traceback" not in err
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


# -- riepilogo ------------------------------------------------------------------------------
def test_riepilogo_cli_and_bad_output(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    out = tmp_path / "r.xlsx"
    code, stdout, err = run_cli("riepilogo", src, "-o", out)
    assert code == 0, err
    assert "Coinvolgimento dei settori" in stdout
    code, _, err = run_cli("riepilogo", src, "-o", out)
    assert code == 2 and "esiste già" in err
    code, _, err = run_cli("riepilogo", src, "-o", tmp_path / "manca" / "r.xlsx")
    assert code == 2 and "non esiste" in err
