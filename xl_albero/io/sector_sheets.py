"""``settori``: the source workbook with one more sheet per sector (named by its Sigla).

The original sheets must come through unchanged. ``write_settori_workbook`` copies the
source package as it is and streams the sector sheets into it (``io.sector_package``):
every part of the user's workbook stays byte for byte what it was (VBA kept when writing
``.xlsm``). A package that cannot be edited in place goes through the fallback,
``write_settori_openpyxl``: the workbook loaded with openpyxl (values, formulas, styles,
merged cells, comments, defined names, data validation, tables, images and charts it can
read) and the sector sheets added to it; what openpyxl cannot carry over (drawn shapes,
some Excel extensions) is reported as notes instead of being lost silently. Written to a
temporary file and moved into place (``io.atomic``).
"""

from __future__ import annotations

import html
import io
import os
import re
import warnings
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from xl_albero import columns as C
from xl_albero.errors import InputFileError, RegistryRefused
from xl_albero.io.atomic import write_atomic
from xl_albero.io.package_append import UnsupportedPackage, part_pieces
from xl_albero.io.sector_package import subtitle_column, table_name, write_sector_package
from xl_albero.io.table_writer import clean_value
from xl_albero.io.xml_rows import safe_text
from xl_albero.io.xmlscan import FORMULA_TAG, WorkbookXml
from xl_albero.model import Tree
from xl_albero.per_sector import ROLE_COLUMN, ROLE_INVOLVED, role_counts, sheet_name_conflicts
from xl_albero.print_layout import hidden_note, table_layout
from xl_albero.sheet_parser import EXTERNAL_FORMULA, is_external_formula
from xl_albero.usecases.sectors import SectorsResult

TABLE_STYLE = "TableStyleMedium2"
_HEADER_ROW = 2  # row 1 holds the title of the sheet


def _escape_illegal(v: str) -> str:
    """Cell text for openpyxl (which escapes ``&<>`` itself): ``xml_rows.safe_text``."""
    return safe_text(v, cell=True)


def source_notes(source_path: str | os.PathLike, keep_vba: bool) -> list[str]:
    """Italian notes about parts of the source openpyxl will not copy."""
    notes: list[str] = []
    try:
        with zipfile.ZipFile(source_path) as z:
            names = z.namelist()
            if not keep_vba and any(n.endswith("vbaProject.bin") for n in names):
                notes.append(_MACRO_NOTE)
            shapes = any(b"<xdr:sp>" in z.read(n) or b"<xdr:sp " in z.read(n)
                         for n in names if n.startswith("xl/drawings/drawing"))
            if shapes:
                notes.append("Le forme disegnate (caselle di testo, frecce...) del file di "
                             "partenza non vengono copiate.")
    except (OSError, zipfile.BadZipFile):
        pass
    return notes


_WARNING_PARTS = (
    ("data validation", "convalide dei dati di un'estensione"),
    ("conditional formatting", "formattazione condizionale di un'estensione"),
    ("slicer", "filtri dei dati (slicer)"),
    ("drawing", "disegni e forme"),
    ("image", "immagini"),
    ("chart", "grafici"),
    ("extension", "un'estensione del formato"),
)


_EXTERNAL_NAME = re.compile(r"\[\d+\]|\[[^\]]*\.xl\w*\]|\|")


def _drop_links(wb, source_path: str | os.PathLike, foreign: bool) -> list[str]:
    """Replace DDE formulas and formulas reading other files by their saved values, remove
    the links to other files and the names pointing outside; say what changed. The user's
    other formulas (inside the workbook) stay as they are."""
    notes = []
    if foreign:
        import openpyxl

        values = openpyxl.load_workbook(source_path, data_only=True, rich_text=True)
        n = 0
        for ws in wb.worksheets:
            saved = values[ws.title] if ws.title in values.sheetnames else None
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f" and isinstance(cell.value, str) and \
                            is_external_formula(cell.value):
                        cell.value = saved[cell.coordinate].value if saved is not None else None
                        n += 1
        if n:
            notes.append(f"{n} formul{'a' if n == 1 else 'e'} che apr{'e' if n == 1 else 'ono'} "
                         "altri file o programmi (DDE) copiat"
                         f"{'a' if n == 1 else 'e'} come valore salvato, non come formula.")
    if wb._external_links:  # noqa: SLF001 - openpyxl keeps them here
        notes.append(f"I collegamenti ad altri file ({len(wb._external_links)}) non vengono "  # noqa: SLF001
                     "copiati: restano i valori salvati.")
        wb._external_links = []  # noqa: SLF001
    for name in [k for k, v in wb.defined_names.items() if _EXTERNAL_NAME.search(v.value or "")]:
        del wb.defined_names[name]
    for ws in wb.worksheets:
        for name in [k for k, v in ws.defined_names.items()
                     if _EXTERNAL_NAME.search(v.value or "")]:
            del ws.defined_names[name]
    return notes


def _italian_warning(message: str) -> str:
    """openpyxl's (English) warning about something it drops, said in Italian."""
    low = message.lower()
    what = next((it for en, it in _WARNING_PARTS if en in low), "un elemento non supportato")
    return (f"Del file di partenza non vengono copiati: {what} (la libreria openpyxl non li "
            "supporta). Il file originale resta intatto.")


def write_settori_workbook(source_path: str | os.PathLike, result: SectorsResult,
                           out_path: str | os.PathLike) -> list[str]:
    """Write the source workbook plus one sheet per sector of ``usecases.sectors`` to
    ``out_path`` (atomically): renders the result (registry and frames come from it).

    The source package is copied as it is and the sector sheets streamed into it
    (``io.sector_package``); a package that cannot be edited in place (Strict OOXML,
    unusual XML) goes through openpyxl instead. Returns Italian notes about anything of
    the source that could not be carried over. Raises ``RegistryRefused`` (the findings:
    sheet, row, cell) if a Sigla equals the name of a sheet of the package.
    """
    tree, frames = result.checked.tree, result.frames
    out_path = Path(out_path)
    keep_vba = (out_path.suffix.lower() == ".xlsm"
                and Path(source_path).suffix.lower() == ".xlsm")
    info = {s.sigla: (s.name, clean_value(s.dirigente)) for s in result.sectors}

    def check_names(existing: list[str]) -> None:
        refuse_sheet_conflicts(result, existing)

    if has_foreign_formulas(source_path, seen=formulas_seen(tree)):
        # DDE formulas and links to other files must not reach the output: the openpyxl
        # path copies those cells as their saved values (other formulas stay)
        return write_settori_openpyxl(source_path, result, out_path)
    try:
        write_sector_package(source_path, frames, info, tree.year, out_path,
                             keep_vba=keep_vba, check_names=check_names)
    except UnsupportedPackage:
        return write_settori_openpyxl(source_path, result, out_path)
    return macro_notes(source_path, keep_vba)


_F_TEXTS = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>([^<]*)</(?:\w+:)?f>")


def formulas_seen(tree: Tree) -> str | None:
    """The tree sheet, when its reader saw every formula in it and none was DDE or read
    another file (no ``FORMULA_ESTERNA`` among its findings): its XML, the biggest part of
    the package, need not be looked through again."""
    if not tree.formulas_known:
        return None
    found = tree.read_findings
    if len(found) and ((found["codice"] == EXTERNAL_FORMULA)
                       & (found["foglio"] == tree.sheet)).any():
        return None
    return tree.sheet


def has_foreign_formulas(source_path: str | os.PathLike, seen: str | None = None) -> bool:
    """Whether the source holds DDE formulas, formulas reading other files or links to
    other files (which the byte-for-byte copy would carry into the output). ``seen``: a
    sheet already known to hold none (``formulas_seen``), not read again."""
    try:
        with WorkbookXml(source_path) as wx:
            z = wx.package
            skip = wx.parts.get(seen) if seen is not None else None
            for name in z.namelist():
                if name.startswith("xl/externalLinks/"):
                    return True
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                if name == skip:
                    continue
                if not _has_formula_tag(z, name):  # the common case, a few MB at a time
                    continue
                data = z.read(name)
                if any(is_external_formula("=" + html.unescape(t.decode("utf-8", "replace")))
                       for t in _F_TEXTS.findall(data)):
                    return True
    except (OSError, zipfile.BadZipFile):
        return False
    return False


def _has_formula_tag(z: zipfile.ZipFile, name: str) -> bool:
    """Whether part ``name`` has a formula element, read a few MB at a time (a big tree's
    sheet is hundreds of MB of XML)."""
    tail = b""
    for chunk in part_pieces(z, name):
        piece = tail + chunk
        if FORMULA_TAG.search(piece):
            return True
        tail = piece[-32:]  # a tag cut between two pieces is found in the next one
    return False


def refuse_sheet_conflicts(result: SectorsResult, existing: list[str]) -> None:
    """The sector sheets join the package's sheets: a Sigla may not name one of them."""
    tree = result.checked.tree
    conflicts = sheet_name_conflicts(result.checked.registry, existing,
                                     sheet=tree.registry_sheet)
    if len(conflicts):
        raise RegistryRefused("\n".join(conflicts["messaggio"]), conflicts)


def macro_notes(source_path: str | os.PathLike, keep_vba: bool) -> list[str]:
    """The note said when the source's macros cannot go into the output (``.xlsx``)."""
    if keep_vba:
        return []
    try:
        with zipfile.ZipFile(source_path) as z:
            if any(n.endswith("vbaProject.bin") for n in z.namelist()):
                return [_MACRO_NOTE]
    except (OSError, zipfile.BadZipFile):
        pass
    return []


_MACRO_NOTE = ("Le macro del file di partenza non vengono copiate in un file .xlsx: per "
               "mantenerle salvare con estensione .xlsm.")


def write_settori_openpyxl(source_path: str | os.PathLike, result: SectorsResult,
                           out_path: str | os.PathLike) -> list[str]:
    """``write_settori_workbook`` through an openpyxl round trip (the fallback; also for
    sources with formulas, copied as their saved values)."""
    import openpyxl

    tree, frames = result.checked.tree, result.frames
    out_path = Path(out_path)
    keep_vba = (out_path.suffix.lower() == ".xlsm"
                and Path(source_path).suffix.lower() == ".xlsm")
    notes = source_notes(source_path, keep_vba)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = openpyxl.load_workbook(source_path, keep_vba=keep_vba, rich_text=True)
        except Exception as exc:  # openpyxl raises ValueError/KeyError... on odd XML
            cause = exc.__cause__ or exc.__context__ or exc
            raise InputFileError(
                f"I fogli del file «{Path(source_path).name}» non si possono ricopiare: "
                f"contengono dati che la libreria openpyxl non accetta ({cause}). Aprire il "
                "file in Excel, controllare le celle con valori insoliti (per esempio numeri "
                "infiniti o non numerici) e salvarlo di nuovo.") from exc
    for w in caught:
        notes.append(_italian_warning(str(w.message)))
    notes.extend(_drop_links(wb, source_path,
                             has_foreign_formulas(source_path, seen=formulas_seen(tree))))
    refuse_sheet_conflicts(result, wb.sheetnames)
    info = {s.sigla: (s.name, s.dirigente) for s in result.sectors}
    taken = {t.casefold() for ws in wb.worksheets for t in ws.tables}
    for sigla, frame in frames.items():
        name, dirigente = info.get(sigla, (sigla, None))
        ws = wb.create_sheet(sigla)
        table = table_name(sigla, taken)
        taken.add(table.casefold())
        write_sector_sheet(ws, frame, table_name=table, sector=str(name),
                           dirigente=clean_value(dirigente), year=tree.year)
    write_atomic(out_path, lambda tmp: _save(wb, tmp))
    return notes


def _save(wb, tmp: Path) -> None:
    """Save into memory, then write the bytes: a disk fault surfaces here as one OSError,
    not later as an unclosable zip file complaining when garbage-collected."""
    buf = io.BytesIO()
    wb.save(buf)
    with open(tmp, "wb") as fh:
        fh.write(buf.getbuffer())


def write_sector_sheet(ws: Worksheet, frame: pd.DataFrame, *, table_name: str, sector: str,
                       dirigente: object = None, year: int | None = None) -> None:
    """Title row, then ``frame`` as a styled Excel Table with filters, frozen header,
    widths, wrapped text and A4-landscape print setup (header repeated, fit to width)."""
    cols = [str(c) for c in frame.columns]
    led, involved = role_counts(frame) if ROLE_COLUMN in frame else (len(frame), 0)
    title = f"{sector} – obiettivi {year or ''}".replace("  ", " ").strip()
    ws["A1"] = _escape_illegal(title)
    ws["A1"].data_type = "s"
    ws["A1"].font = Font(bold=True, size=13, color="1F4E79")
    sub = f"Responsabile di {led}, coinvolto in {involved}"
    if dirigente:
        sub = f"Dirigente: {dirigente}. " + sub
    if not len(frame):
        sub += " — nessun obiettivo per questo settore"
    layout = table_layout(cols, [frame.iloc[:, j].tolist() for j in range(len(cols))])
    if layout.hidden:
        sub += ". " + hidden_note(layout.hidden)
    ws.cell(row=1, column=subtitle_column(title, layout),
            value=_escape_illegal(sub)).data_type = "s"
    for j, c in enumerate(C.unique_column_names(list(frame.columns)), start=1):
        cell = ws.cell(row=_HEADER_ROW, column=j, value=c)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    involved_fill = PatternFill("solid", fgColor="EDEDED")
    involved_font = Font(italic=True)
    wrap_cols = {j for j, w in enumerate(layout.wrap) if w}
    role_j = cols.index(ROLE_COLUMN) if ROLE_COLUMN in cols else None
    values = frame.to_numpy(dtype=object)
    for i in range(len(frame)):
        r = _HEADER_ROW + 1 + i
        for j in range(len(cols)):
            v = clean_value(values[i, j])
            cell = ws.cell(row=r, column=j + 1)
            if isinstance(v, str):
                cell.value = _escape_illegal(v)
                cell.data_type = "s"  # text that looks like a formula stays text
            elif v is not None:
                cell.value = v
            cell.alignment = wrap if j in wrap_cols else top
            if j == role_j and values[i, j] == ROLE_INVOLVED:
                cell.fill = involved_fill
                cell.font = involved_font
    for j, (width, printed) in enumerate(zip(layout.widths, layout.printed, strict=True),
                                         start=1):
        dim = ws.column_dimensions[get_column_letter(j)]
        dim.width = width
        if not printed:  # left out of the print, kept one click away
            dim.hidden = True
            dim.outlineLevel = 1
    ws.row_dimensions[_HEADER_ROW].height = layout.header_height
    for i, h in enumerate(layout.heights):
        if h:
            ws.row_dimensions[_HEADER_ROW + 1 + i].height = h
    last_row = _HEADER_ROW + max(len(frame), 1)
    ref = f"A{_HEADER_ROW}:{get_column_letter(max(len(cols), 1))}{last_row}"
    tab = Table(displayName=table_name, ref=ref)
    tab.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True,
                                        showFirstColumn=False, showLastColumn=False,
                                        showColumnStripes=False)
    ws.add_table(tab)
    ws.freeze_panes = f"A{_HEADER_ROW + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25  # above the title row
    ws.oddHeader.left.text = safe_text(title).replace("&", "&&")
    ws.oddHeader.left.font = "Calibri,Bold"
    ws.oddHeader.right.text = "Pagina &P di &N"
