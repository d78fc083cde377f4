"""``settori`` looks for DDE formulas and links to other files before copying the user's
sheets byte for byte. The tree sheet (by far the biggest part) was already looked through
by the reader, whose findings list its foreign formulas (``FORMULA_ESTERNA``): it is not
decompressed a second time, unless the reader did not see all of it or found one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.sector_fixtures import SECTORS, run_cli, small_tree, tree_file
from xl_albero.io import sector_sheets
from xl_albero.io.file_source import FileSource
from xl_albero.io.xmlscan import sheet_parts
from xl_albero.rawsheet import RawSheet
from xl_albero.sheet_parser import ListSource, tree_from_source

FULL = [s if s[3] else (s[0], s[1], "Avv. Gialli", "avvocatura@comune.example.it")
        for s in SECTORS]
DDE = "cmd|'/C calc'!A0"


def _with_formula(tmp_path: Path, name: str, sheet: str, formula: str) -> Path:
    """A clean tree whose sheet ``sheet`` gets ``formula`` in a cell of its own (a new
    sheet if there is none of that name)."""
    wb = openpyxl.load_workbook(tree_file(tmp_path / f"base-{name}", small_tree(FULL)))
    ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
    ws.cell(2, ws.max_column + 1).value = formula
    wb.save(tmp_path / name)
    return tmp_path / name


def _looked_through(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = sector_sheets._has_formula_tag

    def spy(z: zipfile.ZipFile, name: str) -> bool:
        seen.append(name)
        return real(z, name)

    monkeypatch.setattr(sector_sheets, "_has_formula_tag", spy)
    return seen


def _tree_part(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return sheet_parts(z)["Albero"]


def _formulas(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [m for n in z.namelist() if n.startswith("xl/worksheets/")
                for m in z.read(n).decode("utf-8").split("<f")[1:]]


def test_a_clean_tree_sheet_is_not_read_again(tmp_path, monkeypatch):
    src = _with_formula(tmp_path, "somma.xlsx", "Albero", "=1+1")  # a harmless formula
    looked = _looked_through(monkeypatch)
    code, _out, err = run_cli("settori", src, "-o", tmp_path / "s.xlsx")
    assert code == 0, err
    assert _tree_part(src) not in looked
    assert looked  # the other sheets (the registry) still are
    assert (tmp_path / "s.xlsx").exists()


def test_a_dde_formula_in_the_tree_sheet_is_still_kept_out(tmp_path, monkeypatch):
    """The reader reports it (an errore); with --forza the sheets are copied through
    openpyxl, the formula as its saved value, never as a formula."""
    src = _with_formula(tmp_path, "dde.xlsx", "Albero", "=" + DDE)
    looked = _looked_through(monkeypatch)
    code, out, err = run_cli("settori", src, "-o", tmp_path / "s.xlsx", "--forza")
    assert code == 0, err
    assert _tree_part(src) in looked
    assert "come valore salvato" in out
    assert not any("|" in f for f in _formulas(tmp_path / "s.xlsx"))


def test_a_dde_formula_in_another_sheet_is_still_found(tmp_path):
    src = _with_formula(tmp_path, "note.xlsx", "Note", "=" + DDE)
    code, out, err = run_cli("settori", src, "-o", tmp_path / "s.xlsx")
    assert code == 0, err
    assert "come valore salvato" in out
    assert not any("|" in f for f in _formulas(tmp_path / "s.xlsx"))


def test_only_a_sheet_read_whole_by_the_file_reader_counts_as_seen(tmp_path):
    src = _with_formula(tmp_path, "somma.xlsx", "Albero", "=1+1")
    with FileSource(src) as source:
        tree = tree_from_source(source)
    assert tree.formulas_known
    assert sector_sheets.formulas_seen(tree) == "Albero"
    with FileSource(src) as source:
        raws = [source.read(n, formulas=n == "Albero") for n in source.sheet_names()]
    assert raws[0].formulas_known and not any(r.formulas_known for r in raws[1:])
    # a source that does not say it saw every formula (an open Excel book, a test list)
    unseen = tree_from_source(ListSource([RawSheet(name=r.name, rows=r.rows) for r in raws]))
    assert not unseen.formulas_known
    assert sector_sheets.formulas_seen(unseen) is None


@pytest.mark.parametrize("seen", [None, "Albero"])
def test_the_sheet_seen_is_the_only_part_skipped(tmp_path, monkeypatch, seen):
    src = _with_formula(tmp_path, "note.xlsx", "Note", "=" + DDE)
    looked = _looked_through(monkeypatch)
    assert sector_sheets.has_foreign_formulas(src, seen=seen)
    assert (_tree_part(src) in looked) is (seen is None)
