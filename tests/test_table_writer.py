"""The one table writer (io.table_writer.write_table, rows streamed by io.xml_rows): what the
canonical and new-cycle workbooks look like when read back by openpyxl, our own reader
and LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import trees
from tests.lo import lo_read, needs_lo, read_values
from tests.test_xml_rows import shown
from xl_albero import columns as C
from xl_albero import print_layout as P
from xl_albero.io.reader import load_tree
from xl_albero.io.rollover_workbook import write_rollover_workbook
from xl_albero.io.table_writer import new_workbook, write_table, write_tree_workbook
from xl_albero.io.xml_rows import MAX_TEXT
from xl_albero.model import Tree
from xl_albero.rollover import history_sheet_name, passage_sheet_name, roll_over


def tree_with_extras(n: int = 6) -> Tree:
    df = trees.frame(n)
    df[C.STATO] = ["In corso", "Concluso"] * (n // 2)
    df["Note dell'ufficio"] = ["=SOMMA(A1:A3)", "+39 02 123", "-1", "", None, "a & b < c"][:n]
    df["Scadenza"] = [dt.datetime(2025, 12, 31)] + [None] * (n - 1)
    df.at[0, C.OPERATIVO] = "=HYPERLINK(\"http://x\")"
    return Tree(data=df, sectors=trees.registry())


def test_tree_workbook_tables_formats_and_text_that_looks_like_a_formula(tmp_path):
    tree = tree_with_extras()
    p = write_tree_workbook(tree, tmp_path / "albero.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb[C.SHEET_TREE]
    n, cols = len(tree.data), list(tree.data.columns)
    assert list(ws.tables) == ["TabAlbero"]
    table = ws.tables["TabAlbero"]
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(cols))}{n + 1}"
    assert table.tableStyleInfo.name == "TableStyleMedium2"
    assert table.autoFilter.ref == table.ref
    assert [c.value for c in ws[1]] == cols  # unknown columns kept, in order
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$1"
    assert ws.max_row == n + 1 and ws.max_column == len(cols)
    # text starting with "=" or "+" or "-" stays text, never a formula
    note = cols.index("Note dell'ufficio") + 1
    assert ws.cell(2, note).value == "=SOMMA(A1:A3)" and ws.cell(2, note).data_type == "s"
    assert ws.cell(3, note).value == "+39 02 123" and ws.cell(4, note).value == "-1"
    op = ws.cell(2, cols.index(C.OPERATIVO) + 1)
    assert op.value == "=HYPERLINK(\"http://x\")" and op.data_type == "s"
    assert op.alignment.wrap_text and op.alignment.vertical == "top"
    assert not ws.cell(2, cols.index(C.CODICE) + 1).alignment.wrap_text
    assert ws.cell(2, cols.index(C.ANNO) + 1).value == 2025
    scad = ws.cell(2, cols.index("Scadenza") + 1)
    assert scad.value == dt.datetime(2025, 12, 31) and scad.number_format == "dd/mm/yyyy"
    for j, c in enumerate(cols, start=1):
        letter = openpyxl.utils.get_column_letter(j)
        # every column is laid out (print_layout): at least as wide as its header's
        # longest word; the long texts wrap, codes and years do not
        need = max(P.text_units(w, bold=True) for w in str(c).split())
        assert ws.column_dimensions[letter].width > max(need, 6), c
        wraps = bool(ws.column_dimensions[letter].alignment
                     and ws.column_dimensions[letter].alignment.wrap_text)
        if c in (C.AREA, C.STRATEGICO, C.PLURIENNALE, C.OPERATIVO, C.RESPONSABILE):
            assert wraps, c
        if c in (C.CODICE, C.ANNO, C.PERIODO):
            assert not wraps, c
    reg = wb[C.SHEET_SECTORS]
    assert list(reg.tables) == ["TabSettori"]
    assert reg.tables["TabSettori"].tableStyleInfo.name == "TableStyleMedium4"
    assert reg.tables["TabSettori"].ref == f"A1:D{len(tree.sectors) + 1}"


def test_tree_workbook_reads_back_equal_with_our_reader(tmp_path):
    tree = tree_with_extras()
    back = load_tree(write_tree_workbook(tree, tmp_path / "albero.xlsx"))
    assert list(back.data.columns) == list(tree.data.columns)
    def norm(v):
        if v is None or v == "" or v != v:
            return None
        return v.date() if isinstance(v, dt.datetime) else v  # a date cell reads as a date

    for c in tree.data.columns:
        assert [norm(v) for v in back.data[c]] == [norm(v) for v in tree.data[c]], c
    assert back.sectors[C.SETTORE].tolist() == tree.sectors[C.SETTORE].tolist()


def test_rollover_workbook_sheets_protection_and_passage_table(tmp_path):
    tree = tree_with_extras()
    ro = roll_over(tree, 2026)
    p = write_rollover_workbook(ro, tmp_path / "nuovo.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == [C.SHEET_TREE, C.SHEET_SECTORS, history_sheet_name(2025),
                             passage_sheet_name(2025, 2026)]
    hist = wb[history_sheet_name(2025)]
    assert hist.protection.sheet and not hist.protection.autoFilter  # filters usable
    assert list(hist.tables) == ["TabStorico"]
    assert hist.tables["TabStorico"].ref.endswith(str(len(ro.history) + 1))
    assert all(c.protection.locked for row in hist.iter_rows(min_row=2) for c in row)
    ws = wb[passage_sheet_name(2025, 2026)]
    assert list(ws.tables) == ["TabPassaggio"]
    table = ws.tables["TabPassaggio"]
    header = int(table.ref.split(":")[0][1:])
    assert header > 2
    assert table.ref == f"A{header}:H{header + len(ro.passage)}"
    assert ws.cell(1, 1).value.startswith("Passaggio dal piano 2025")
    assert [c.value for c in ws[header]] == list(ro.passage.columns)
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.max_row == header + len(ro.passage)
    # the sheet's used range covers the counts above the table and the table
    with zipfile.ZipFile(p) as z:
        xml = z.read("xl/worksheets/sheet4.xml").decode()
    assert f'<dimension ref="A1:H{header + len(ro.passage)}"/>' in xml


def test_locked_columns_only_stay_locked_and_blanks_keep_their_style(tmp_path):
    df = pd.DataFrame({"Codice": ["1", "2"], "Target": ["x", None]})
    path = tmp_path / "t.xlsx"
    wb = new_workbook(path)
    ws = wb.add_worksheet("Dati")
    write_table(wb, ws, df, table_name="TabDati", locked=["Codice"], header_wrap=True)
    ws.protect("")
    wb.close()
    sheet = openpyxl.load_workbook(path)["Dati"]
    assert sheet["A2"].protection.locked and sheet["A1"].font.b
    assert not sheet["B2"].protection.locked and not sheet["B3"].protection.locked
    assert sheet["B3"].value is None


def test_print_layout_options_row_heights_header_height_and_hidden_columns(tmp_path):
    """Row heights go on the streamed rows; hidden columns sit in an outline group."""
    df = pd.DataFrame({"Codice": ["1", "2", "3"], "Testo": ["a", "b " * 80, "c"],
                       "Origine": ["x", "y", "z"]})
    path = tmp_path / "t.xlsx"
    wb = new_workbook(path)
    write_table(wb, wb.add_worksheet("Dati"), df, table_name="TabDati", header_wrap=True,
                heights=[None, 75.5, None], header_height=30, hidden={"Origine"})
    wb.close()
    ws = openpyxl.load_workbook(path)["Dati"]
    assert ws.row_dimensions[1].height == 30
    assert ws.row_dimensions[3].height == 75.5 and ws.row_dimensions[3].customHeight
    assert ws.row_dimensions[2].height is None and ws.row_dimensions[4].height is None
    assert ws.column_dimensions["C"].hidden and ws.column_dimensions["C"].outlineLevel == 1
    assert not ws.column_dimensions["B"].hidden
    assert [c.value for c in ws[3]] == ["2", "b " * 80, "y"]
    other = new_workbook(io.BytesIO())
    with pytest.raises(ValueError, match="altezze"):  # one height per data row
        write_table(other, other.add_worksheet("Dati"), df, table_name="T", heights=[None])
    other.close()


def test_text_longer_than_excel_allows_is_cut_like_xlsxwriter_does(tmp_path):
    long = "è" * (MAX_TEXT + 10)
    path = tmp_path / "t.xlsx"
    wb = new_workbook(path)
    write_table(wb, wb.add_worksheet("Dati"), pd.DataFrame({"v": [long, "", "ok"]}),
                table_name="TabDati")
    wb.close()
    assert read_values(path)["Dati"][1:] == [(long[:MAX_TEXT],), (None,), ("ok",)]


def test_writing_below_a_table_header_is_refused(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = new_workbook(path)
    ws = wb.add_worksheet("Dati")
    write_table(wb, ws, pd.DataFrame({"v": [1, 2]}), table_name="TabDati")
    ws.write_string(5, 0, "sotto la tabella")
    with pytest.raises(ValueError, match="sotto l'intestazione"):
        wb.close()
    assert not path.exists()


def test_write_table_needs_a_workbook_from_new_workbook():
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    with pytest.raises(TypeError):
        write_table(wb, wb.add_worksheet("Dati"), pd.DataFrame({"v": [1]}), table_name="T")
    wb.close()


def test_rerun_gives_the_same_bytes_and_no_temporary_file(tmp_path):
    tree = tree_with_extras()
    a = write_tree_workbook(tree, tmp_path / "a.xlsx").read_bytes()
    b = write_tree_workbook(tree, tmp_path / "b.xlsx").read_bytes()
    assert a == b
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]


@needs_lo
def test_libreoffice_opens_the_new_cycle_workbook(tmp_path):
    ro = roll_over(tree_with_extras(), 2026)
    p = write_rollover_workbook(ro, tmp_path / "nuovo.xlsx")
    assert lo_read(p) == read_values(p)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "a", "=1+1", "Città", "a & b", "_x0041_"])
                          | st.text(max_size=12), st.none() | st.text(max_size=5)),
                min_size=1, max_size=25))
def test_repeated_texts_across_columns_round_trip(tmp_path_factory, pairs):
    """Text columns share one string table; equal values in different columns and rows
    come back as written (empty text and None as empty cells)."""
    df = pd.DataFrame(pairs, columns=["a", "b"], dtype=object)
    path = tmp_path_factory.mktemp("w") / "t.xlsx"
    wb = new_workbook(path)
    write_table(wb, wb.add_worksheet("Dati"), df, table_name="TabDati")
    wb.close()
    got = read_values(path)["Dati"][1:]
    want = [tuple(None if v in ("", None) else shown(v) for v in row) for row in pairs]
    while want and want[-1] == (None, None):  # openpyxl trims trailing empty rows
        want.pop()
    while got and got[-1] == (None, None):
        got.pop()
    assert got == want
