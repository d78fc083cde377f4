"""``albero settori`` keeps the user's workbook intact: its parts are copied as they are.

The source workbooks here are real files with what users put in them (styles, merged
cells, formulas, defined names, data validation, conditional formats, comments, macros);
the outputs are read back with openpyxl and opened with LibreOffice.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from tests.lo import lo_read_many, needs_lo
from tests.sector_fixtures import SECTORS, run_cli, small_tree
from xl_albero import columns as C
from xl_albero.io.package_append import CellStyle, PackageAppender
from xl_albero.per_sector import ROLE_COLUMN, ROLE_INVOLVED, sector_frames

REWRITTEN = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
             "xl/styles.xml", "xl/sharedStrings.xml"}
VBA = b"\xd0\xcf\x11\xe0 not a real VBA project, kept byte for byte \x00\x01\x02"


def rich_workbook(path: Path) -> Path:
    """The tree (sheets Albero, Settori) plus a user's sheet with everything on it."""
    tree = small_tree()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = C.SHEET_TREE
    ws.append(list(tree.data.columns))
    for row in tree.data.itertuples(index=False):
        ws.append([None if v != v else v for v in row])
    for cell in (c for r in ws.iter_rows() for c in r):
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula stays text
    ws["A1"].font = Font(bold=True, color="FFC00000")
    dv = DataValidation(type="list", formula1='"Da avviare,In corso,Concluso,Sospeso"')
    ws.add_data_validation(dv)
    dv.add("K2:K100")
    reg = wb.create_sheet(C.SHEET_SECTORS)
    reg.append(list(C.REGISTRY_COLUMNS))
    for s in SECTORS:
        reg.append(list(s))
    note = wb.create_sheet("Note dell'ufficio")
    note["A1"] = "Totale pesi"
    note["A1"].font = Font(bold=True, italic=True, size=14)
    note["A1"].fill = PatternFill("solid", fgColor="FFFF00")
    note["B1"] = "=SUM(Albero!J2:J8)"
    note["A3"] = "Riquadro unito"
    note.merge_cells("A3:D4")
    note["A6"] = 7
    note["A6"].comment = Comment("Da ricontrollare", "Ufficio")
    note.conditional_formatting.add("A6:A9", CellIsRule(operator="greaterThan",
                                                         formula=["5"], fill=PatternFill(
                                                             "solid", fgColor="FFC7CE")))
    wb.defined_names["TotalePesi"] = DefinedName("TotalePesi",
                                                 attr_text="'Note dell''ufficio'!$B$1")
    wb.save(path)
    return path


def with_macros(src: Path, dst: Path) -> Path:
    """``src`` turned into a macro workbook (a vbaProject.bin part, macro content type)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
                ).replace(b"</Types>", b'<Default Extension="bin" ContentType='
                          b'"application/vnd.ms-office.vbaProject"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/'
                    b'2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>'))
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", VBA)
    return dst


def _entries(path: Path) -> dict[str, tuple[bytes, int, int]]:
    """Each part: (content, CRC, compressed size)."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.CRC, i.compress_size) for i in z.infolist()}


def test_user_parts_are_copied_byte_for_byte_and_everything_survives(tmp_path):
    src = rich_workbook(tmp_path / "albero.xlsx")
    out = tmp_path / "settori.xlsx"
    code, stdout, err = run_cli("settori", src, "-o", out)
    assert code == 0, err
    assert "Avviso" not in stdout  # nothing of the source is lost, so nothing to say
    before, after = _entries(src), _entries(out)
    for name, entry in before.items():
        if name not in REWRITTEN:
            assert after[name] == entry, name  # same bytes, same compressed bytes
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [C.SHEET_TREE, C.SHEET_SECTORS, "Note dell'ufficio",
                             *(s[1] for s in SECTORS)]
    note = wb["Note dell'ufficio"]
    assert note["A1"].value == "Totale pesi"
    assert note["A1"].font.b and note["A1"].font.i and note["A1"].font.sz == 14
    assert note["A1"].fill.fgColor.rgb.endswith("FFFF00")
    assert note["B1"].value == "=SUM(Albero!J2:J8)"
    assert [str(r) for r in note.merged_cells.ranges] == ["A3:D4"]
    assert note["A6"].comment.text.startswith("Da ricontrollare")
    assert [str(r.sqref) for r in note.conditional_formatting] == ["A6:A9"]
    assert wb.defined_names["TotalePesi"].attr_text == "'Note dell''ufficio'!$B$1"
    albero = wb[C.SHEET_TREE]
    assert albero["A1"].font.b and albero["A1"].font.color.rgb == "FFC00000"
    dvs = albero.data_validations.dataValidation
    assert len(dvs) == 1 and str(dvs[0].sqref) == "K2:K100"
    # the sector sheets: values, roles styled, the print setup
    frames = sector_frames(small_tree())
    for sigla, frame in frames.items():
        ws = wb[sigla]
        rows = list(ws.iter_rows(values_only=True))
        assert rows[1] == (ROLE_COLUMN, *frame.columns[1:])
        body = [tuple(None if v != v else v for v in r) for r in frame.itertuples(index=False)]
        assert rows[2:2 + len(frame)] == body or (not len(frame) and rows[2:] in ([], [()]))
        assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert list(ws.tables) == [f"Settore_{sigla}"]
        assert ws.tables[f"Settore_{sigla}"].ref == f"A2:N{2 + max(len(frame), 1)}"
        for r in range(3, 3 + len(frame)):
            role = ws.cell(row=r, column=1)
            assert role.font.i == (role.value == ROLE_INVOLVED)
            assert role.alignment.vertical == "top"
    assert wb["TECNICO"]["A1"].font.b and wb["TECNICO"]["A1"].font.sz == 13
    assert wb["TECNICO"]["F3"].alignment.wrap_text  # Obiettivo pluriennale wraps


def test_macros_are_kept_in_xlsm_and_said_dropped_in_xlsx(tmp_path):
    src = with_macros(rich_workbook(tmp_path / "plain.xlsx"), tmp_path / "albero.xlsm")
    keep, drop = tmp_path / "settori.xlsm", tmp_path / "settori.xlsx"
    code, stdout, err = run_cli("settori", src, "-o", keep)
    assert code == 0, err
    assert "Le macro" not in stdout
    with zipfile.ZipFile(keep) as z:
        assert z.read("xl/vbaProject.bin") == VBA
        ct = z.read("[Content_Types].xml").decode()
        assert "macroEnabled.main+xml" in ct and "vbaProject" in ct
    code, stdout, err = run_cli("settori", src, "-o", drop)
    assert code == 0, err
    assert "Le macro del file di partenza non vengono copiate" in stdout
    with zipfile.ZipFile(drop) as z:
        assert "xl/vbaProject.bin" not in z.namelist()
        assert b"vbaProject" not in z.read("xl/_rels/workbook.xml.rels")
        assert b"macroEnabled" not in z.read("[Content_Types].xml")
    assert openpyxl.load_workbook(drop).sheetnames[-1] == SECTORS[-1][1]
    assert openpyxl.load_workbook(keep, keep_vba=True).sheetnames[-1] == SECTORS[-1][1]


@needs_lo
def test_libreoffice_opens_the_outputs_and_sees_the_user_sheets(tmp_path):
    src = rich_workbook(tmp_path / "albero.xlsx")
    xlsm = with_macros(src, tmp_path / "macro.xlsm")
    outs = [tmp_path / "settori_a.xlsx", tmp_path / "settori_b.xlsm"]
    assert run_cli("settori", src, "-o", outs[0])[0] == 0
    assert run_cli("settori", xlsm, "-o", outs[1])[0] == 0
    seen = lo_read_many(outs)
    for sheets in seen:
        assert sheets["Note dell'ufficio"][0][:1] == ("Totale pesi",)
        assert sheets[C.SHEET_TREE][0] == tuple(small_tree().data.columns)
        assert sheets["TECNICO"][1][0] == ROLE_COLUMN
        assert sheets["TECNICO"][2][0] == "Responsabile"


def test_appender_creates_the_shared_strings_when_the_source_has_none(tmp_path):
    src = tmp_path / "numeri.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("Numeri").write_number(0, 0, 42)
    wb.close()
    with zipfile.ZipFile(src) as z:
        assert "xl/sharedStrings.xml" not in z.namelist()
    app = PackageAppender(src, macros=False)
    app.target = tmp_path / "out.xlsx"
    (bold,) = app.styles([CellStyle(font="<font><b/><sz val=\"11\"/></font>")])
    i = app.strings.get("Città & più <tag>")
    app.strings.refs += 1
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData><row r="1"><c r="A1" s="{bold}" t="s"><v>{i}</v></c></row>'
             "</sheetData></worksheet>")
    app.add_sheet("Nuovo 'foglio'", [sheet.encode()], print_titles="$1:$1")
    app.close()
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert out.sheetnames == ["Numeri", "Nuovo 'foglio'"]
    assert out["Numeri"]["A1"].value == 42
    cell = out["Nuovo 'foglio'"]["A1"]
    assert cell.value == "Città & più <tag>" and cell.font.b
    assert out["Nuovo 'foglio'"].print_title_rows == "$1:$1"


@pytest.mark.parametrize("sigla", ["Note dell'ufficio", "NOTE DELL'UFFICIO"])
def test_sigla_equal_to_a_user_sheet_is_refused_before_writing(tmp_path, sigla):
    src = rich_workbook(tmp_path / "albero.xlsx")
    wb = openpyxl.load_workbook(src)
    wb[C.SHEET_SECTORS]["B2"] = sigla
    wb.save(src)
    out = tmp_path / "settori.xlsx"
    code, _, err = run_cli("settori", src, "-o", out)
    assert code == 2 and "coincide con il foglio «Note dell'ufficio»" in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["albero.xlsx"]
