"""Printed sheets a dirigente can read: widths, wrapping, row heights, printed columns,
print setup — in the files (openpyxl) and on paper (LibreOffice → PDF)."""

from __future__ import annotations

import math
import re
import shutil
from dataclasses import astuple
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lo import (
    SOFFICE,
    cut_words,
    lo_pdf,
    needs_pdf,
    overlapping_words,
    pdf_words,
)
from tests.sector_fixtures import SECTORS, objectives, run_cli, small_tree, tree_file
from xl_albero import columns as C
from xl_albero import print_layout as P
from xl_albero.identity import KEY_COLUMN
from xl_albero.io.sector_workbook import SHEET_COVER, SHEET_OBJECTIVES
from xl_albero.model import Tree
from xl_albero.per_sector import ROLE_COLUMN

LONG_DESC = ("Descrizione dell'area: l'amministrazione intende rafforzare la qualità della "
             "vita urbana, la cura degli spazi comuni e la partecipazione dei cittadini alle "
             "scelte che riguardano il territorio, in continuità con il mandato precedente.")
LONG_IND = ("Numero di interventi di manutenzione straordinaria completati entro l'anno "
            "rispetto a quelli programmati nel piano triennale")


def wide_tree() -> Tree:
    """The small tree with more columns than an A4 page holds legibly."""
    tree = small_tree()
    data = tree.data.copy()
    data.insert(3, "Descrizione area", LONG_DESC)
    data[C.INDICATORE] = LONG_IND
    data[C.TARGET] = "100% degli interventi programmati"
    data[C.CODICE_ORIGINE] = data[C.CODICE]
    return Tree(data=data, sectors=tree.sectors, registry_declared=True)


# -- the pure core -------------------------------------------------------------------------
words = st.lists(st.text(alphabet="abcdefghilmnopqrstuvzàèABCDEFGHILMNOPQRSTUVZ,.'",
                         min_size=1, max_size=14), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(words, st.floats(min_value=6, max_value=60))
def test_wrapped_lines_at_least_the_width_of_the_words_over_the_line(ws, width):
    text = " ".join(ws)
    cap = max(width - 0.8, 1.0)
    bound = math.ceil(sum(P.text_units(w) for w in ws) / cap - 1e-9)
    assert P.wrapped_lines(text, width) >= bound
    assert P.estimated_lines(text, width) >= bound
    # narrower columns never take fewer lines; more text never takes fewer lines
    assert P.wrapped_lines(text, width / 2) >= P.wrapped_lines(text, width)
    assert P.wrapped_lines(text + " " + text, width) >= P.wrapped_lines(text, width)


def test_line_breaks_count_as_lines():
    assert P.wrapped_lines("uno\ndue\ntre", 40) == 3
    assert P.estimated_lines("uno\ndue\ntre", 40) == 3
    assert P.wrapped_lines("breve", 40) == P.estimated_lines("breve", 40) == 1


def test_row_heights_follow_the_longest_wrapped_cell():
    cols = [["breve", "x " * 200, None], ["a", "b", "c " * 30]]
    heights = P.row_heights(cols, [20, 20], [True, False])
    assert heights[0] is None and heights[2] is None  # unwrapped column does not count
    assert heights[1] == P.lines_height(P.estimated_lines("x " * 200, 20)) > 100
    assert max(h for h in P.row_heights([["y" * 10_000]], [10], [True]) if h) == P.MAX_ROW_PT


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=3, max_value=60), min_size=1, max_size=40))
def test_print_plan_fits_one_legible_page_width(widths):
    names = [f"Colonna {i}" for i in range(len(widths) - 1)] + [C.OPERATIVO]
    printed = P.print_plan(names, widths)
    kept = [w for w, p in zip(widths, printed, strict=True) if p]
    assert printed[-1]  # the operational objective is always printed
    if P.columns_px(widths) <= P.PAGE_WIDTH_PX / P.MIN_SCALE:
        assert all(printed)
    else:
        assert P.print_scale(kept) >= P.MIN_SCALE or len(kept) == 1


def test_print_plan_leaves_out_the_least_important_columns_first():
    names = [ROLE_COLUMN, C.CODICE, C.ANNO, C.AREA, "Descrizione area", C.STRATEGICO,
             C.PLURIENNALE, C.PERIODO, C.OPERATIVO, C.RESPONSABILE, C.COINVOLTI,
             C.INDICATORE, C.TARGET, C.PESO, C.STATO, C.AVANZAMENTO, C.CODICE_ORIGINE]
    widths = [P.COMPACT_WIDTHS.get(n, 30) for n in names]
    printed = dict(zip(names, P.print_plan(names, widths), strict=True))
    assert not printed[C.CODICE_ORIGINE] and not printed["Descrizione area"]
    assert all(printed[n] for n in (ROLE_COLUMN, C.CODICE, C.OPERATIVO, C.RESPONSABILE,
                                    C.STATO, C.AVANZAMENTO, C.PLURIENNALE))


def test_page_breaks_keep_blocks_whole():
    heights = [15.0] * 200
    blocks = [(0, 19), (22, 41), (44, 63), (66, 85)]
    breaks = P.page_breaks(heights, blocks, scale=1.0)
    page_rows = P.PAGE_HEIGHT_PT / 15.0
    assert breaks and all(b in {f for f, _ in blocks} for b in breaks)
    starts = [0, *breaks, 200]
    for a, b in zip(starts, starts[1:], strict=False):
        inside = [blk for blk in blocks if a <= blk[0] < b]
        assert all(last < b for _, last in inside)  # no block crosses a break
        assert (max(last for _, last in inside) - a + 1) <= page_rows + 1


# -- esporta -------------------------------------------------------------------------------
def _header(ws, row: int) -> dict[str, str]:
    return {c.value: c.column_letter for c in ws[row] if c.value is not None}


def _check_sheet(ws, header_row: int, tree: Tree, *, first_data: int) -> None:
    cols = _header(ws, header_row)
    # the long texts wrap in compact columns and their rows are tall enough
    for name in (C.PLURIENNALE, C.OPERATIVO, C.INDICATORE):
        letter = cols[name]
        limit = max(P.COMPACT_WIDTHS[name], P.ROOM_TO_WRITE.get(name, 0))
        assert ws.column_dimensions[letter].width <= limit + 1
        assert ws[f"{letter}{first_data}"].alignment.wrap_text, name
    pluri = cols[C.PLURIENNALE]
    width = ws.column_dimensions[pluri].width
    for r in range(first_data, ws.max_row + 1):
        text = ws[f"{pluri}{r}"].value
        if not text:
            continue
        need = P.wrapped_lines(text, width) * 12  # LibreOffice needs ~12 pt a line
        assert (ws.row_dimensions[r].height or 15) >= need, (r, text)
    assert ws[f"{pluri}{header_row}"].alignment.wrap_text
    assert ws.row_dimensions[header_row].height >= 30  # "Ruolo del settore" takes 2 lines
    # columns left out of the print are hidden in a group, not removed
    hidden = {n for n, letter in cols.items() if ws.column_dimensions[letter].hidden}
    assert hidden and {"Descrizione area", C.CODICE_ORIGINE} <= hidden
    assert all(ws.column_dimensions[cols[n]].outlineLevel == 1 for n in hidden)
    assert not hidden & {ROLE_COLUMN, C.CODICE, C.OPERATIVO, C.RESPONSABILE, C.STATO}
    shown = [ws.column_dimensions[letter].width for n, letter in cols.items()
             if n not in hidden]
    # a width in the file includes the cell padding (XlsxWriter adds 5 px = 0.71)
    assert P.PAGE_WIDTH_PX / sum(w * P.UNIT_PX for w in shown) >= P.MIN_SCALE
    assert set(tree.data.columns) <= set(cols)
    # print setup: A4 landscape, one page wide, header repeated, page numbers
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide (1 = the default)
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert "&P" in ws.oddHeader.right.text and "&N" in ws.oddHeader.right.text


def test_esporta_obiettivi_sheet_is_laid_out_for_print(tmp_path):
    tree = wide_tree()
    src = tree_file(tmp_path / "albero.xlsx", tree)
    folder = tmp_path / "dir"
    assert run_cli("esporta", src, "--cartella", folder)[0] == 0
    wb = openpyxl.load_workbook(folder / "TECNICO_2025.xlsx")
    ws = wb[SHEET_OBJECTIVES]
    _check_sheet(ws, 1, tree, first_data=2)
    cols = _header(ws, 1)
    short = [r for r in range(2, ws.max_row + 1)
             if len(str(ws[f"{cols[C.PLURIENNALE]}{r}"].value)) < 20]
    assert all(ws.row_dimensions[r].height < 400 for r in range(2, ws.max_row + 1))
    assert not short or any(ws.row_dimensions[r].height < ws.row_dimensions[2].height
                            for r in short)
    note = " ".join(str(c.value) for row in wb[SHEET_COVER].iter_rows() for c in row
                    if c.value)
    assert "«Descrizione area»" in note and "nascoste" in note and "Scopri" in note


def test_esporta_keeps_everything_shown_when_it_fits(tmp_path):
    tree = small_tree()
    narrow = tree.data[[C.CODICE, C.ANNO, C.OPERATIVO, C.RESPONSABILE, C.COINVOLTI]]
    tree = Tree(data=narrow, sectors=tree.sectors, registry_declared=True)
    src = tree_file(tmp_path / "albero.xlsx", tree)
    code, _, err = run_cli("esporta", src, "--cartella", tmp_path / "dir", "--forza")
    assert code == 0, err
    wb = openpyxl.load_workbook(tmp_path / "dir" / "TECNICO_2025.xlsx")
    ws = wb[SHEET_OBJECTIVES]
    key = _header(ws, 1)[KEY_COLUMN]  # the technical row key is always hidden
    assert ws.column_dimensions[key].hidden
    assert not any(d.hidden for letter, d in ws.column_dimensions.items() if letter != key)
    note = " ".join(str(c.value) for row in wb[SHEET_COVER].iter_rows() for c in row
                    if c.value)
    assert "nascost" not in note


# -- settori -------------------------------------------------------------------------------
def test_settori_sheets_are_laid_out_for_print(tmp_path):
    tree = wide_tree()
    src = tree_file(tmp_path / "albero.xlsx", tree)
    out = tmp_path / "settori.xlsx"
    assert run_cli("settori", src, "-o", out)[0] == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["TECNICO"]
    _check_sheet(ws, 2, tree, first_data=3)
    # the subtitle starts right of the title, in a shown column
    sub = next(c for c in ws[1] if c.column > 1 and c.value)
    assert "nascoste" in sub.value
    assert not ws.column_dimensions[sub.column_letter].hidden
    left = sum(ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
               for j in range(1, sub.column)
               if not ws.column_dimensions[openpyxl.utils.get_column_letter(j)].hidden)
    assert left >= P.text_units(ws["A1"].value, bold=True) * 13 / 11
    assert ws.page_margins.header < ws.page_margins.top


# -- riepilogo -----------------------------------------------------------------------------
def _summary(tmp_path, tree: Tree, *extra: str):
    src = tree_file(tmp_path / "albero.xlsx", tree)
    out = tmp_path / "riepilogo.xlsx"
    code, _, err = run_cli("riepilogo", src, "-o", out, *extra)
    assert code == 0, err
    return out, openpyxl.load_workbook(out)["Riepilogo"]


def test_riepilogo_headers_and_long_labels_get_room(tmp_path):
    out, ws = _summary(tmp_path, small_tree())
    label_w = ws.column_dimensions["A"].width
    value_w = ws.column_dimensions["B"].width
    checked_header = checked_label = False
    for row in ws.iter_rows(min_row=4):
        a = row[0]
        if a.fill.fgColor.rgb == "FFDDEBF7":  # a header row of a block
            names = [c.value for c in row if isinstance(c.value, str)]
            lines = max(P.wrapped_lines(n, value_w, bold=True) for n in names[1:])
            assert (ws.row_dimensions[a.row].height or 15) >= lines * 12, names
            assert row[1].alignment.wrap_text
            checked_header |= lines >= 3
        elif isinstance(a.value, str) and len(a.value) > 100:
            lines = P.wrapped_lines(a.value, label_w)
            assert lines > 1 and ws.row_dimensions[a.row].height >= lines * 12
            checked_label = True
    assert checked_header and checked_label
    assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide (1 = the default)
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.row_breaks.brk  # blocks are not split across pages


def test_riepilogo_with_many_sectors_prints_legibly_over_more_pages(tmp_path):
    sectors = [(f"SETTORE NUMERO {i} SERVIZI GENERALI", f"S{i}", None, None)
               for i in range(30)]
    rows = [{**r, C.RESPONSABILE: sectors[i % 30][0], C.COINVOLTI: None}
            for i, r in enumerate(objectives() * 5)]
    base = small_tree()
    data = pd.DataFrame(rows)[list(base.data.columns)]
    data[C.OPERATIVO] = [f"{t} ({i})" for i, t in enumerate(data[C.OPERATIVO])]
    _, ws = _summary(tmp_path, Tree(data=data, sectors=pd.DataFrame(
        sectors, columns=list(C.REGISTRY_COLUMNS)), registry_declared=True), "--forza")
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.scale == round(P.MIN_SCALE * 100)
    assert ws.print_title_cols == "$A:$A"


# -- on paper: LibreOffice renders the PDF --------------------------------------------------
PDFTOTEXT = shutil.which("pdftotext")


def _pdf(xlsx: Path, outdir: Path) -> Path:
    """One workbook printed to PDF (``tests.lo.lo_pdf``)."""
    return lo_pdf([xlsx], outdir)[0]


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """The PDF's words as ``(page, x0, y0, x1, y1, text)`` (``tests.lo.pdf_words``)."""
    return [astuple(w) for w in pdf_words(pdf)]


def _overlaps(words) -> list[tuple[str, str]]:
    bad = []
    by_page: dict[int, list] = {}
    for w in words:
        by_page.setdefault(w[0], []).append(w)
    for ws in by_page.values():
        ws.sort(key=lambda w: (w[2], w[1]))
        for i, a in enumerate(ws):
            for b in ws[i + 1:]:
                if b[2] >= a[4]:
                    break
                dx = min(a[3], b[3]) - max(a[1], b[1])
                dy = min(a[4], b[4]) - max(a[2], b[2])
                if dx > 1 and dy > 0.4 * (a[4] - a[2]):
                    bad.append((a[5], b[5]))
    return bad


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                    reason="LibreOffice o pdftotext non installati")
def test_libreoffice_prints_readable_pages_without_overlapping_text(tmp_path):
    tree = wide_tree()
    src = tree_file(tmp_path / "albero.xlsx", tree)
    assert run_cli("esporta", src, "--cartella", tmp_path / "dir")[0] == 0
    assert run_cli("riepilogo", src, "-o", tmp_path / "riepilogo.xlsx")[0] == 0
    for xlsx in (tmp_path / "dir" / "TECNICO_2025.xlsx", tmp_path / "riepilogo.xlsx"):
        pdf = _pdf(xlsx, tmp_path / "pdf")
        words = _words(pdf)
        assert words, xlsx
        assert not _overlaps(words), (xlsx.name, _overlaps(words)[:5])
        heights = sorted(w[4] - w[2] for w in words)
        assert heights[len(heights) // 2] >= 7.0, xlsx.name  # median text ≥ ~7 pt
        text = " ".join(w[5] for w in words)
        assert "Pagina" in text
    # every word of the long texts is printed (nothing clipped away)
    printed = " ".join(w[5] for w in _words(tmp_path / "pdf" / "TECNICO_2025.pdf"))
    words = set(re.findall(r"\w+", printed))
    tec = tree.data[tree.data[C.RESPONSABILE] == SECTORS[0][0]]
    for text in tec[C.OPERATIVO].tolist() + [LONG_IND]:
        assert set(re.findall(r"\w+", text)) <= words, text


# -- every sheet of every file the program writes, on paper --------------------------------
SAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "albero_2025.xlsx"
SAMPLE_PDF = SAMPLE.with_name("albero_2025_pdf.xlsx")


def _outputs(tmp: Path) -> list[Path]:
    """Run every command that writes a workbook on the sample (and on a tree with more
    columns than a page holds); return every workbook written."""
    tmp.mkdir(parents=True, exist_ok=True)
    wide = tree_file(tmp / "largo.xlsx", wide_tree())
    runs = [
        ("valida", SAMPLE, "-o", tmp / "rilievi.xlsx"),
        ("valida", SAMPLE_PDF, "-o", tmp / "rilievi_pdf.xlsx"),
        ("importa", SAMPLE_PDF, "-o", tmp / "importato.xlsx"),
        ("settori", SAMPLE, "-o", tmp / "settori.xlsx"),
        ("settori", wide, "-o", tmp / "settori_largo.xlsx"),
        ("esporta", SAMPLE, "-o", tmp / "cartelle"),
        ("esporta", wide, "-o", tmp / "cartelle_larghe"),
        ("riepilogo", SAMPLE, "-o", tmp / "riepilogo.xlsx"),
        ("riepilogo", wide, "-o", tmp / "riepilogo_largo.xlsx"),
        ("nuovo-ciclo", SAMPLE, "--anno", "2026", "-o", tmp / "albero_2026.xlsx",
         "--estendi-periodo", "2026-2028"),
        ("nuovo-ciclo", wide, "--anno", "2026", "-o", tmp / "largo_2026.xlsx",
         "--estendi-periodo", "2026-2027"),
    ]
    for argv in runs:
        code, _, err = run_cli(*argv)
        assert code == 0, (argv, err)
    # a dirigente fills in the workbook of the sector, then raccogli brings it back
    returned = tmp / "cartelle" / "TECNICO_2025.xlsx"
    wb = openpyxl.load_workbook(returned)
    ws = wb[SHEET_OBJECTIVES]
    cols = _header(ws, 1)
    ws[f"{cols[C.INDICATORE]}2"] = LONG_IND
    ws[f"{cols[C.STATO]}2"] = "In corso"
    ws[f"{cols[C.AVANZAMENTO]}2"] = 40
    wb.save(returned)
    code, _, err = run_cli("raccogli", SAMPLE, tmp / "cartelle", "-o", tmp / "raccolto.xlsx",
                           "--rilevazione", "30/06")
    assert code == 0, err
    files = sorted(p for p in tmp.rglob("*.xlsx") if p != wide)
    # one sector workbook per folder is enough (they share one writer)
    keep = [p for p in files if p.parent == tmp]
    keep += [tmp / "cartelle" / "SCUOLA_2025.xlsx", tmp / "cartelle_larghe" / "TECNICO_2025.xlsx"]
    return [*keep, SAMPLE, SAMPLE.with_name("modello_albero.xlsx")]


@needs_pdf
def test_every_sheet_of_every_output_prints_legibly(tmp_path):
    """Each workbook the commands write (and the sample itself) printed by LibreOffice:
    no two words overlap, no cell text is cut or clipped, every shown sheet is printed
    with its header row repeated and its page numbers."""
    files = _outputs(tmp_path / "out")
    stems = [f"{i:02d}_{p.stem}" for i, p in enumerate(files)]
    staged = []
    for stem, p in zip(stems, files, strict=True):
        copy = tmp_path / "stage" / f"{stem}.xlsx"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(p, copy)
        staged.append(copy)
    pdfs = lo_pdf(staged, tmp_path / "pdf")
    problems = {}
    for src, pdf in zip(staged, pdfs, strict=True):
        words = pdf_words(pdf)
        assert words, src.name
        found = {"sovrapposte": overlapping_words(words)[:5], "tagliate": cut_words(src, words)[:5]}
        heights = sorted(w.y1 - w.y0 for w in words)
        if heights[len(heights) // 2] < 7.0:  # median text ≥ ~7 pt
            found["minuscole"] = [heights[len(heights) // 2]]
        wb = openpyxl.load_workbook(src)
        shown = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        pages = max(w.page for w in words)
        if pages < len(shown):
            found["fogli non stampati"] = [ws.title for ws in shown]
        for ws in shown:
            if ws.tables:  # a table sheet: its header repeated on every page, A4, fitted
                if not ws.print_title_rows:
                    found.setdefault("senza intestazione ripetuta", []).append(ws.title)
                if int(ws.page_setup.paperSize or 0) != 9:
                    found.setdefault("non A4", []).append(ws.title)
        if any(found.values()):
            problems[src.name] = {k: v for k, v in found.items() if v}
    assert not problems, problems


def test_sector_workbook_leaves_room_to_write(tmp_path):
    """The columns the dirigente fills (empty in the sample) are wide enough to write in."""
    assert run_cli("esporta", SAMPLE, "-o", tmp_path / "dir")[0] == 0
    wb = openpyxl.load_workbook(tmp_path / "dir" / "TECNICO_2025.xlsx")
    ws = wb[SHEET_OBJECTIVES]
    cols = _header(ws, 1)
    for name, room in P.ROOM_TO_WRITE.items():
        dim = ws.column_dimensions[cols[name]]
        assert dim.width >= room, (name, dim.width)
        assert not dim.hidden, name
    assert ws.column_dimensions[cols[C.INDICATORE]].width >= 30
