"""The reader under hostile workbooks: huge sparse grids, references beyond Excel's limits,
formulas in cells without ``r=``, Strict namespaces, DDE formulas and links to other files.

No output may contain a formula the program did not write: every output of every command
is scanned (its XML) for DDE formulas, links to other files and copied user formulas.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.builders import rewrite_zip
from tests.sector_fixtures import SECTORS, run_cli, small_tree, tree_file
from xl_albero.errors import InputFileError
from xl_albero.io.file_source import read_raw_sheets
from xl_albero.io.reader import load_tree
from xl_albero.io.sheet_extent import sheet_extent
from xl_albero.io.xmlscan import scan_sheet_xml, sheet_parts
from xl_albero.sheet_parser import is_external_formula

ROOT = Path(__file__).resolve().parents[1]
FULL = [s if s[3] else (s[0], s[1], "Avv. Gialli", "avvocatura@comune.example.it")
        for s in SECTORS]
DDE = "cmd|'/C calc'!A0"


def _part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as z:
        return sheet_parts(z)[sheet]


def inject(src: Path, dst: Path, sheet: str, rows_xml: str, *, replace=None) -> Path:
    """``src`` with ``rows_xml`` added at the end of the sheetData of ``sheet``."""
    part = _part(src, sheet)
    with zipfile.ZipFile(src) as z:
        xml = z.read(part).decode("utf-8")
    if "<sheetData/>" in xml:
        xml = xml.replace("<sheetData/>", f"<sheetData>{rows_xml}</sheetData>")
    else:
        xml = xml.replace("</sheetData>", f"{rows_xml}</sheetData>")
    for old, new in (replace or {}).items():
        xml = xml.replace(old, new)
    return rewrite_zip(src, dst, replace={part: xml.encode("utf-8")})


def far_cell(ref: str) -> str:
    row = re.sub(r"[A-Z]", "", ref)
    return f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'


def with_notes_sheet(tmp_path: Path) -> Path:
    base = tree_file(tmp_path / "base.xlsx", small_tree(FULL))
    wb = openpyxl.load_workbook(base)
    notes = wb.create_sheet("Note", 0)
    notes["A1"] = "Appunti dell'ufficio"
    out = tmp_path / "con_note.xlsx"
    wb.save(out)
    return out


# -- huge sparse grids ---------------------------------------------------------------------
@pytest.mark.parametrize("ref", ["XFD1048576", "XFD100000"])
def test_one_far_cell_in_the_tree_sheet_is_refused_without_allocating(tmp_path, ref):
    src = inject(tree_file(tmp_path / "a.xlsx", small_tree(FULL)), tmp_path / "far.xlsx",
                 "Albero", far_cell(ref))
    data = src.read_bytes()
    # in a child with 1.5 GB of address space: the whole grid would need hundreds of GB
    code = ("import sys; from xl_albero.cli import main; "
            f"sys.exit(main(['valida', {str(src)!r}]))")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, preexec_fn=limit, timeout=120)
    assert time.perf_counter() - t < 60
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "panicked" not in done.stderr
    assert "far.xlsx" in done.stderr and ref in done.stderr and "isolata" in done.stderr
    assert src.read_bytes() == data


def test_a_far_cell_in_a_notes_sheet_before_the_tree_is_skipped(tmp_path):
    src = inject(with_notes_sheet(tmp_path), tmp_path / "note_far.xlsx", "Note",
                 far_cell("XFD1048576"))
    tree = load_tree(src)
    assert tree.sheet == "Albero"
    assert len(tree.data) == len(small_tree(FULL).data)


def test_a_far_cell_in_the_sheet_asked_for_is_refused(tmp_path):
    src = inject(with_notes_sheet(tmp_path), tmp_path / "note_far.xlsx", "Note",
                 far_cell("XFD100000"))
    with pytest.raises(InputFileError, match="Note.*note_far.xlsx.*XFD100000"):
        load_tree(src, sheet="Note")
    with pytest.raises(InputFileError, match="XFD100000"):
        read_raw_sheets(src)


@pytest.mark.parametrize("ref", ["A4000000000", "ZZZZZZZ5", "XFE3", "A1048577"])
def test_references_beyond_excel_limits_are_an_error(tmp_path, ref):
    src = inject(tree_file(tmp_path / "a.xlsx", small_tree(FULL)), tmp_path / "oltre.xlsx",
                 "Albero", far_cell(ref))
    data = src.read_bytes()
    code, _o, err = run_cli("valida", src)
    assert code == 2, err
    assert "oltre i limiti di Excel" in err and "oltre.xlsx" in err
    assert ref in err or re.sub("[A-Z]", "", ref) in err
    assert src.read_bytes() == data


def test_extent_is_proportional_to_the_cells_present():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="M{r}"><v>2</v></c></row>'
                   for r in range(1, 2001))
    ext = sheet_extent(rows.encode())
    assert ext is not None and ext.cells == 4000 and ext.area == 2000 * 13
    assert not ext.sparse
    far = sheet_extent((rows + far_cell("XFD1048576")).encode())
    assert far is not None and far.sparse and far.far == "XFD1048576"
    single_quotes = sheet_extent(b"<row r='1'><c r='XFD900000'/><c r='A1'/></row>")
    assert single_quotes is not None and single_quotes.sparse


# -- formulas on every reader path --------------------------------------------------------
def test_formulas_and_errors_in_cells_without_references():
    xml = (b'<sheetData><row><c t="inlineStr"><is><t>x</t></is></c><c><f>1+1</f><v>2</v>'
           b'</c></row><row/><row><c/><c t="e"><v>#REF!</v></c><c><f>' + DDE.encode()
           + b"</f></c></row></sheetData>")
    formulas, errors = scan_sheet_xml(xml)
    assert formulas == {(0, 1): "=1+1", (2, 2): "=" + DDE}
    assert errors == {(2, 1): "#REF!"}


def _no_refs(src: Path, dst: Path) -> Path:
    """The tree sheet rewritten with no ``r=`` on cells (legal OOXML)."""
    part = _part(src, "Albero")
    with zipfile.ZipFile(src) as z:
        xml = z.read(part).decode("utf-8")
    xml = re.sub(r'(<c) r="[A-Z]+\d+"', r"\1", xml)
    return rewrite_zip(src, dst, replace={part: xml.encode("utf-8")})


def _strict(src: Path, dst: Path) -> Path:
    """The workbook saved as ISO 29500 Strict (namespaces as Excel's Strict Open XML)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                data = (data.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                     b"http://purl.oclc.org/ooxml/spreadsheetml/main")
                        .replace(b"http://schemas.openxmlformats.org/officeDocument/2006/"
                                 b"relationships",
                                 b"http://purl.oclc.org/ooxml/officeDocument/relationships"))
            zout.writestr(info, data)
    return dst


def formula_tree(tmp_path: Path) -> Path:
    """A canonical tree with a formula (no cached value) where text is expected."""
    src = tree_file(tmp_path / "base.xlsx", small_tree(FULL))
    part = _part(src, "Albero")
    with zipfile.ZipFile(src) as z:
        xml = z.read(part).decode("utf-8")
    # Obiettivo operativo of the first objective (column G, row 2) becomes a formula
    xml = re.sub(r'<c r="G2"([^>]*?)(?: t="s")?><v>\d+</v></c>',
                 r'<c r="G2"\1><f>CONCATENATE("a","b")</f></c>', xml, count=1)
    assert "<f>" in xml
    return rewrite_zip(src, tmp_path / "formula.xlsx", replace={part: xml.encode("utf-8")})


@pytest.mark.parametrize("variant", ["plain", "no_refs", "strict"])
def test_formulas_are_reported_on_every_variant(tmp_path, variant):
    src = formula_tree(tmp_path)
    if variant == "no_refs":
        src = _no_refs(src, tmp_path / "norefs.xlsx")
    elif variant == "strict":
        src = _strict(src, tmp_path / "strict.xlsx")
    code, out, err = run_cli("valida", src, "--json")
    assert code == 1, err
    assert '"FORMULA"' in out or '"formula"' in out.lower()
    assert "CONCATENATE" in out


def test_external_formula_recognised():
    assert is_external_formula("=" + DDE)
    assert is_external_formula("=[1]Foglio1!A1")
    assert is_external_formula("='C:\\dati\\[a.xlsx]F'!A1")
    assert not is_external_formula('=A1&"|"')
    assert not is_external_formula("=Tabella1[@Peso]")
    assert not is_external_formula("=SOMMA(A1:A3)")


EXTERNAL_LINK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<externalBook r:id="rId1"><sheetNames><sheetName val="Dati"/></sheetNames>'
    '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>7</v></cell></row>'
    "</sheetData></sheetDataSet></externalBook></externalLink>")
EXTERNAL_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/externalLinkPath" Target="file:///C:/segreto/altro.xlsx" '
    'TargetMode="External"/></Relationships>')


def hostile_tree(tmp_path: Path) -> Path:
    """A tree whose unknown column holds a DDE formula and a link to another file, and
    whose package has an external-link part."""
    base = tree_file(tmp_path / "base.xlsx", small_tree(FULL))
    wb = openpyxl.load_workbook(base)
    ws = wb["Albero"]
    last = ws.max_column
    ws.cell(2, last).value = "=" + DDE
    ws.cell(3, last).value = "=[1]Dati!A1"
    mid = tmp_path / "mid.xlsx"
    wb.save(mid)
    with zipfile.ZipFile(mid) as z:
        wbxml = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    # the r: prefix declared here too: openpyxl with lxml installed declares it on each
    # <sheet> only, and the injected element must keep workbook.xml well-formed
    wbxml = wbxml.replace("</sheets>", '</sheets><externalReferences><externalReference '
                          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                          'relationships" r:id="rIdX1"/></externalReferences>', 1)
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdX1" Type="http://schemas.'
                        "openxmlformats.org/officeDocument/2006/relationships/externalLink\" "
                        'Target="externalLinks/externalLink1.xml"/></Relationships>')
    types = types.replace("</Types>", '<Override PartName="/xl/externalLinks/externalLink1.'
                          'xml" ContentType="application/vnd.openxmlformats-officedocument.'
                          'spreadsheetml.externalLink+xml"/></Types>')
    return rewrite_zip(mid, tmp_path / "ostile.xlsx", replace={
        "xl/workbook.xml": wbxml.encode(), "xl/_rels/workbook.xml.rels": rels.encode(),
        "[Content_Types].xml": types.encode(),
        "xl/externalLinks/externalLink1.xml": EXTERNAL_LINK.encode(),
        "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_RELS.encode()})


def test_dde_and_links_are_reported(tmp_path):
    src = hostile_tree(tmp_path)
    code, out, _err = run_cli("valida", src)
    assert code == 1
    assert "FORMULA_ESTERNA" in out and "cmd|" in out
    assert "COLLEGAMENTI_ESTERNI" in out


def _formulas_in(path: Path) -> list[tuple[str, str]]:
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/externalLinks/"):
                found.append((name, "external link part"))
            if not name.endswith(".xml"):
                continue
            xml = z.read(name).decode("utf-8", "replace")
            for f in re.findall(r"<(?:\w+:)?f(?:\s[^>]*)?>([^<]*)</(?:\w+:)?f>", xml):
                found.append((name, f))
    return found


def test_no_output_carries_a_formula_it_did_not_write(tmp_path, monkeypatch):
    src = hostile_tree(tmp_path)
    data = src.read_bytes()
    monkeypatch.setenv("ALBERO_MITTENTE", "programmazione@comune.example.it")
    out = tmp_path / "out"
    out.mkdir()
    runs = [("settori", src, "-o", out / "s.xlsx", "--forza"),
            ("riepilogo", src, "-o", out / "r.xlsx", "--forza"),
            ("esporta", src, "--cartella", out / "esp", "--forza"),
            ("importa", src, "-o", out / "i.xlsx"),
            ("valida", src, "--report", out / "v.xlsx"),
            ("invia", src, "--cartella", out / "inv", "--forza")]
    for argv in runs:
        code, _o, err = run_cli(*argv)
        assert code in (0, 1), (argv[0], err)
    outputs = [p for p in out.rglob("*.xlsx")]
    assert len(outputs) >= 8
    for p in outputs:
        for part, formula in _formulas_in(p):
            assert "|" not in formula and "[1]" not in formula and "externalLink" not in part, \
                (p.name, part, formula)
            # the only formulas are the summaries' own (riepilogo) over its own tables
            if p.name != "r.xlsx":
                pytest.fail(f"{p.name}: formula {formula!r} in {part}")
    assert src.read_bytes() == data


def test_settori_says_formulas_became_values(tmp_path):
    src = hostile_tree(tmp_path)
    code, out, err = run_cli("settori", src, "-o", tmp_path / "s.xlsx", "--forza")
    assert code == 0, err
    assert "come valore salvato" in out and "collegamenti ad altri file" in out
    assert os.path.getsize(tmp_path / "s.xlsx") > 0


@pytest.mark.parametrize("piece", [5, 1 << 22])
def test_foreign_formulas_are_found_whatever_the_reading_piece(tmp_path, monkeypatch, piece):
    """``settori`` copies the user's sheets byte for byte unless they hold a DDE formula or
    a link: the sheets are read a piece at a time, and a tag cut between pieces counts."""
    from xl_albero.io import package_append, sector_sheets

    monkeypatch.setattr(package_append, "_READ_PIECE", piece)
    base = tree_file(tmp_path / "base.xlsx", small_tree(FULL))
    wb = openpyxl.load_workbook(base)
    wb["Albero"].cell(2, wb["Albero"].max_column).value = "=" + DDE  # no link part
    wb.save(tmp_path / "dde.xlsx")
    assert sector_sheets.has_foreign_formulas(tmp_path / "dde.xlsx")
    assert not sector_sheets.has_foreign_formulas(
        tree_file(tmp_path / "pulito.xlsx", small_tree(FULL)))
