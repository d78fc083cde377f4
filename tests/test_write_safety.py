"""What we write is always valid for Excel: cell text cut at 32,767 characters (with a
finding), unique valid table column names, inf/NaN never crash nor break XML, one escaping
rule for every XML part, sector names and Siglas that Windows accepts and that cannot
disguise an extension.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from tests.builders import rewrite_zip
from tests.sector_fixtures import SECTORS, run_cli, small_tree, tree_file
from xl_albero import columns as C
from xl_albero.io.xml_rows import safe_text
from xl_albero.io.xmlscan import sheet_parts
from xl_albero.mail.campaign import safe_filename
from xl_albero.per_sector import sigla_problem
from xl_albero.sector_registry import derive_sigla, sheet_safe

FULL = [s if s[3] else (s[0], s[1], "Avv. Gialli", "avvocatura@comune.example.it")
        for s in SECTORS]
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(autouse=True)
def _sender(monkeypatch):
    monkeypatch.setenv("ALBERO_MITTENTE", "programmazione@comune.example.it")


def run_all(src: Path, out: Path, *, force: bool = True) -> dict[str, tuple[int, str, str]]:
    """Every command that writes, on ``src``, into ``out``."""
    out.mkdir(exist_ok=True)
    f = ["--forza"] if force else []
    runs = {
        "settori": ("settori", src, "-o", out / "s.xlsx", *f),
        "riepilogo": ("riepilogo", src, "-o", out / "r.xlsx", *f),
        "esporta": ("esporta", src, "--cartella", out / "esp", *f),
        "importa": ("importa", src, "-o", out / "i.xlsx"),
        "valida": ("valida", src, "--report", out / "v.xlsx"),
        "invia": ("invia", src, "--cartella", out / "inv", *f),
    }
    return {k: run_cli(*argv) for k, argv in runs.items()}


def check_package(path: Path, source: Path | None = None) -> None:
    """Every XML part parses (no character XML cannot carry), every cell text fits Excel,
    every table has unique, valid column names matching its header cells. Parts copied
    byte for byte from ``source`` (``settori`` keeps the user's sheets) are the user's."""
    kept: dict[str, bytes] = {}
    if source is not None:
        with zipfile.ZipFile(source) as z:
            kept = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith((".xml", ".rels")) or kept.get(name) == z.read(name):
                continue
            root = ET.fromstring(z.read(name))  # raises on invalid XML
            for t in root.iter(f"{NS}t"):
                assert len((t.text or "").encode("utf-16-le")) // 2 <= 32767, (path, name)
            for v in root.iter(f"{NS}v"):
                assert (v.text or "").lower() not in ("inf", "-inf", "nan"), (path, name)
            if root.tag == f"{NS}table":
                names = [c.get("name") for c in root.iter(f"{NS}tableColumn")]
                folded = [n.casefold() for n in names]
                assert len(set(folded)) == len(folded), (path, names)
                assert all(n and n.strip() == n and "\n" not in n for n in names), names
    if source is not None:
        return  # the user's own sheets are there as they were (openpyxl may not read them)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for table in ws.tables.values():
            first = ws[table.ref.split(":")[0]]
            row = ws[first.row]
            heads = [c.value for c in row[first.column - 1:first.column - 1
                                          + len(table.tableColumns)]]
            assert [str(h) for h in heads] == [c.name for c in table.tableColumns], \
                (path.name, ws.title, heads)


def outputs(out: Path) -> list[Path]:
    return sorted(out.rglob("*.xlsx"))


def every_output_well_formed(src: Path, out: Path) -> None:
    """Every command runs on ``src`` (exit 0 or 1) and each file it writes is well formed."""
    results = run_all(src, out)
    for name, (code, _o, err) in results.items():
        assert code in (0, 1), (name, err)
    files = outputs(out)
    assert len(files) >= 8
    for p in files:
        check_package(p)


# -- long texts ---------------------------------------------------------------------------
def long_text_tree(tmp_path: Path) -> Path:
    base = tree_file(tmp_path / "base.xlsx", small_tree(FULL))
    wb = openpyxl.load_workbook(base)  # openpyxl writes long texts as they are
    ws = wb["Albero"]
    heads = [c.value for c in ws[1]]
    ws.cell(2, heads.index(C.OPERATIVO) + 1).value = "Obiettivo " + "lungo " * 7000
    ws.cell(3, heads.index("Note dell'ufficio") + 1).value = "è" * 40000
    out = tmp_path / "lungo.xlsx"
    wb.save(out)
    return out


def test_text_over_32767_is_reported_and_cut_in_every_output(tmp_path):
    src = long_text_tree(tmp_path)
    code, out, _err = run_cli("valida", src, "--json")
    assert "TESTO_TROPPO_LUNGO" in out and '"G2"' in out
    every_output_well_formed(src, tmp_path / "out")


def test_safe_text_cuts_and_escapes_cells():
    assert len(safe_text("x" * 40000, cell=True)) == 32767
    assert safe_text("a\x1bb", cell=True) == "a_x001B_b"
    assert safe_text("_x0041_", cell=True) == "_x005F_x0041_"
    assert safe_text("Settore\x1b\x00 A\ufffe") == "Settore A"


# -- table column names -----------------------------------------------------------------
ODD_HEADERS = ["Note", "note", None, 2025, "Riga uno\nRiga due", "[#Tutti]", "NOTE"]


def odd_headers_tree(tmp_path: Path) -> Path:
    base = tree_file(tmp_path / "base.xlsx", small_tree(FULL))
    wb = openpyxl.load_workbook(base)
    ws = wb["Albero"]
    for t in list(ws.tables):
        del ws.tables[t]  # a plain range, as typed by a user
    first = ws.max_column + 1
    for j, head in enumerate(ODD_HEADERS):
        ws.cell(1, first + j).value = head
        for r in range(2, ws.max_row + 1):
            ws.cell(r, first + j).value = f"valore {j} {r}"
    out = tmp_path / "intestazioni.xlsx"
    wb.save(out)
    return out


def test_odd_headers_become_unique_valid_names_and_are_reported(tmp_path):
    src = odd_headers_tree(tmp_path)
    code, out, _err = run_cli("valida", src)
    assert out.count("INTESTAZIONE_RINOMINATA") >= 5, out
    assert "note (2)" in out and "NOTE (3)" in out
    results = run_all(src, tmp_path / "out")
    for name, (code, _o, err) in results.items():
        assert code in (0, 1), (name, err)
    for p in outputs(tmp_path / "out"):
        check_package(p)
    wb = openpyxl.load_workbook(tmp_path / "out" / "i.xlsx")
    heads = [c.value for c in wb["Albero"][1]]
    assert heads[-7:] == ["Note", "note (2)", "Colonna P", "2025", "Riga uno Riga due",
                          "#Tutti", "NOTE (3)"]


def test_unique_column_names_ignores_case():
    assert C.unique_column_names(["Note", "note", "", 2025.0, "a\nb"]) == [
        "Note", "note (2)", "Colonna 3", "2025", "a b"]
    assert C.unique_column_names(["Peso"], taken=("PESO",)) == ["Peso (2)"]


# -- inf, 1e309, NaN ------------------------------------------------------------------------
def infinite_tree(tmp_path: Path) -> Path:
    src = tree_file(tmp_path / "base.xlsx", small_tree(FULL))
    with zipfile.ZipFile(src) as z:
        part = sheet_parts(z)["Albero"]
        xml = z.read(part).decode()
    heads = [c.value for c in openpyxl.load_workbook(src)["Albero"][1]]
    peso = openpyxl.utils.get_column_letter(heads.index(C.PESO) + 1)
    av = openpyxl.utils.get_column_letter(heads.index(C.AVANZAMENTO) + 1)
    for ref, value in ((f"{peso}2", "1e309"), (f"{peso}3", "-1e309"), (f"{av}3", "NaN"),
                       (f"{av}4", "inf")):
        xml, n = re.subn(rf'<c r="{ref}"([^>]*?)(?: t="\w+")?>(?:<v>[^<]*</v>)?</c>',
                         rf'<c r="{ref}"\1><v>{value}</v></c>', xml)
        assert n == 1, ref
    return rewrite_zip(src, tmp_path / "infinito.xlsx", replace={part: xml.encode()})


def test_inf_and_nan_never_crash_nor_break_xml(tmp_path):
    src = infinite_tree(tmp_path)
    data = src.read_bytes()
    results = run_all(src, tmp_path / "out")
    for name, (code, _o, err) in results.items():
        assert "Traceback" not in err
        if code == 2:  # only settori may refuse (openpyxl cannot copy such sheets)
            assert name == "settori" and "non si possono ricopiare" in err, err
            assert "infinito.xlsx" in err
            assert not (tmp_path / "out" / "s.xlsx").exists()
        else:
            assert code in (0, 1), (name, err)
    files = outputs(tmp_path / "out")
    assert {"r.xlsx", "i.xlsx", "v.xlsx"} <= {p.name for p in files}
    for p in files:
        check_package(p, source=src if p.name == "s.xlsx" else None)
    assert src.read_bytes() == data


# -- one escaping rule for every XML part ------------------------------------------------
def test_control_characters_in_a_sector_name_reach_no_xml_part_raw(tmp_path):
    sectors = [("TECNICO\x1b ED INNOVAZIONE", *FULL[0][1:]), *FULL[1:]]
    rows = small_tree(FULL).data.copy()
    rows[C.RESPONSABILE] = rows[C.RESPONSABILE].replace(FULL[0][0], sectors[0][0])
    from xl_albero.model import Tree
    tree = Tree(data=rows, sectors=small_tree(sectors).sectors, registry_declared=True)
    src = tree_file(tmp_path / "ctrl.xlsx", tree)
    with zipfile.ZipFile(src) as z:
        assert b"_x001B_" in z.read("xl/sharedStrings.xml")
    every_output_well_formed(src, tmp_path / "out")


# -- file and sheet names ------------------------------------------------------------------
BAD_SIGLAS = ["CON", "NUL", "COM1", "LPT1", "PRN", "aux", ".TEC", "-TEC", "~$TEC",
              "TEC\u202exslx", "T\u200bEC", "\ufeffTEC"]


@pytest.mark.parametrize("sigla", BAD_SIGLAS)
def test_unsafe_siglas_are_refused_before_writing(tmp_path, sigla):
    sectors = [(FULL[0][0], sigla, *FULL[0][2:]), *FULL[1:]]
    src = tree_file(tmp_path / "albero.xlsx", small_tree(sectors))
    data = src.read_bytes()
    out = tmp_path / "esp"
    code, _o, err = run_cli("esporta", src, "--cartella", out)
    assert code == 2, err
    assert "Traceback" not in err and "sigla" in err.lower()
    assert not out.exists() or not any(out.iterdir())
    assert src.read_bytes() == data
    assert sigla_problem(sigla)


@pytest.mark.parametrize("name", ["Nul", "Con", "Aux", "Prn", "Com1"])
def test_derived_siglas_avoid_windows_device_names(name):
    sigla = derive_sigla(name)
    assert sigla_problem(sigla) is None, sigla
    assert sheet_safe(name).upper() not in {"CON", "NUL", "AUX", "PRN", "COM1"}


@pytest.mark.parametrize("label", ["\u202excod.exe - X", "CON", ".nascosto", "-opzione",
                                   "~$blocco", "Zero\u200bwidth"])
def test_draft_file_names_are_safe(label):
    name = safe_filename(label)
    assert sigla_problem(name) is None or "caratteri" not in sigla_problem(name)
    assert not name.startswith((".", "-", "~$"))
    assert name.split(".")[0].upper() not in {"CON", "NUL", "AUX", "PRN"}
    assert "\u202e" not in name and "\u200b" not in name
