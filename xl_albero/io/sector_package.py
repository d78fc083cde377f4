"""``settori`` without a round trip: the source package plus streamed sector sheets.

The user's workbook is copied part by part as it is (``io.package_append``: zip entries
copied raw, so values, styles, merged cells, formulas, defined names, data validation,
conditional formats, drawings, charts, comments and VBA all stay what they were); only
the workbook's list of sheets, its relationships, content types, styles and shared
strings get entries appended. Each sector sheet (title row, an Excel Table with filters,
frozen header, widths, wrapping, row heights, the print setup of ``print_layout``) is
generated as XML: its rows by ``io.xml_rows`` (one pass over column lists, one shared
string per distinct text), streamed into the output one sheet at a time.

About 20× faster than loading and saving the workbook with openpyxl, and the memory
holds the tree and one sector sheet's XML, not an object per cell.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from xl_albero.io.atomic import write_atomic
from xl_albero.io.package_append import (
    MAIN_NS,
    REL_NS,
    CellStyle,
    PackageAppender,
    xml_attr,
)
from xl_albero.io.xml_rows import rows_size_bound, rows_stream, xml_text
from xl_albero.model import col_letter
from xl_albero.per_sector import ROLE_COLUMN, ROLE_INVOLVED, role_counts
from xl_albero.print_layout import (
    LINE_PT,
    SheetLayout,
    hidden_note,
    lines_height,
    table_layout,
    text_units,
    wrapped_lines,
)

TABLE_STYLE = "TableStyleMedium2"
HEADER_ROW = 2  # row 1 holds the title of the sheet

_FONT_PLAIN = '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
_FONT_BOLD = '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
_FONT_TITLE = ('<font><b/><sz val="13"/><color rgb="FF1F4E79"/><name val="Calibri"/>'
               '<family val="2"/></font>')
_FONT_ITALIC = '<font><i/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
_FILL_INVOLVED = ('<fill><patternFill patternType="solid"><fgColor rgb="FFEDEDED"/>'
                  '<bgColor indexed="64"/></patternFill></fill>')
_TOP = '<alignment vertical="top"/>'
_WRAP = '<alignment vertical="top" wrapText="1"/>'
_DATE = 14  # Excel's built-in short date (shown in the user's locale)

#: The cell formats of the sector sheets, appended to the workbook's styles.
STYLES = {
    "title": CellStyle(font=_FONT_TITLE),
    "plain": CellStyle(font=_FONT_PLAIN),
    "header": CellStyle(font=_FONT_BOLD, alignment=_WRAP),
    "top": CellStyle(font=_FONT_PLAIN, alignment=_TOP),
    "wrap": CellStyle(font=_FONT_PLAIN, alignment=_WRAP),
    "date_top": CellStyle(font=_FONT_PLAIN, num_fmt_id=_DATE, alignment=_TOP),
    "date_wrap": CellStyle(font=_FONT_PLAIN, num_fmt_id=_DATE, alignment=_WRAP),
    "involved_top": CellStyle(font=_FONT_ITALIC, fill=_FILL_INVOLVED, alignment=_TOP),
    "involved_wrap": CellStyle(font=_FONT_ITALIC, fill=_FILL_INVOLVED, alignment=_WRAP),
}


def subtitle_column(title: str, layout: SheetLayout) -> int:
    """1-based column for the subtitle: the first shown column right of the title's text
    (a 13-pt bold title is about 1.3 width units a character)."""
    need = text_units(title, bold=True) * 13 / 11 + 1
    left = 0.0
    for j, (w, p) in enumerate(zip(layout.widths, layout.printed, strict=True), start=1):
        if j > 1 and p and left >= need:
            return j
        if p:
            left += w
    return len(layout.widths) + 1 if layout.widths else 2


def table_name(sigla: str, taken: set[str]) -> str:
    """``Settore_<Sigla>`` made a valid, unused (ignoring case) Excel Table name."""
    base = "Settore_" + (re.sub(r"[^0-9A-Za-z_]", "_", sigla) or "X")
    name, n = base, 2
    while name.casefold() in taken:
        name = f"{base}_{n}"
        n += 1
    return name


def sector_texts(frame: pd.DataFrame, sector: str, dirigente: object,
                 year: int | None, layout: SheetLayout) -> tuple[str, str]:
    """The title and subtitle of a sector sheet."""
    led, involved = role_counts(frame) if ROLE_COLUMN in frame else (len(frame), 0)
    title = f"{sector} – obiettivi {year or ''}".replace("  ", " ").strip()
    sub = f"Responsabile di {led}, coinvolto in {involved}"
    if dirigente:
        sub = f"Dirigente: {dirigente}. " + sub
    if not len(frame):
        sub += " — nessun obiettivo per questo settore"
    if layout.hidden:
        sub += ". " + hidden_note(layout.hidden)
    return title, sub


def _text_cell(ref: str, text: str, xf: int, app: PackageAppender) -> str:
    app.strings.refs += 1
    return f'<c r="{ref}" s="{xf}" t="s"><v>{app.strings.get(text)}</v></c>'


def sheet_chunks(frame: pd.DataFrame, *, table: str, sector: str, dirigente: object,
                 year: int | None, app: PackageAppender, xf: dict[str, int]
                 ) -> tuple[Iterator[bytes], str]:
    """The sector sheet's XML (chunks) and its table part's XML."""
    cols = [str(c) for c in frame.columns]
    columns = [frame.iloc[:, j].tolist() for j in range(len(cols))]
    layout = table_layout(cols, columns)
    title, sub = sector_texts(frame, sector, dirigente, year, layout)
    n_cols = max(len(cols), 1)
    last_col = col_letter(n_cols - 1)
    last_row = HEADER_ROW + max(len(frame), 1)
    sub_col = subtitle_column(title, layout)
    # the subtitle wraps inside the columns right of the title (merged): text running past
    # the last column would make "fit to page width" shrink the whole sheet
    sub_end = max(sub_col, n_cols)
    room = sum(w for w, p in zip(layout.widths[sub_col - 1:sub_end], layout.printed[sub_col - 1:sub_end],
                                 strict=False) if p)
    sub_height = lines_height(max(wrapped_lines(sub, room), 1)) if room else LINE_PT
    merge = (f'<mergeCells count="1"><mergeCell ref="{col_letter(sub_col - 1)}1:'
             f'{col_letter(sub_end - 1)}1"/></mergeCells>' if sub_end > sub_col else "")
    title_row = (f'<row r="1" ht="{max(sub_height, 18.0):g}" customHeight="1">'
                 f'{_text_cell("A1", title, xf["title"], app)}'
                 f'{_text_cell(f"{col_letter(sub_col - 1)}1", sub, xf["wrap"], app)}</row>')
    header_cells = "".join(_text_cell(f"{col_letter(j)}{HEADER_ROW}", c, xf["header"], app)
                           for j, c in enumerate(cols))
    header_row = (f'<row r="{HEADER_ROW}" ht="{layout.header_height:g}" customHeight="1">'
                  f"{header_cells}</row>")
    wrap = layout.wrap
    role_j = cols.index(ROLE_COLUMN) if ROLE_COLUMN in cols else None
    value_xfs = [({ROLE_INVOLVED: xf["involved_wrap" if wrap[j] else "involved_top"]}
                  if j == role_j else None) for j in range(len(cols))]
    chunks, refs = rows_stream(columns, HEADER_ROW,
                               [xf["wrap" if w else "top"] for w in wrap],
                               [xf["date_wrap" if w else "date_top"] for w in wrap], app.strings,
                               heights=layout.heights, value_xfs=value_xfs)
    app.strings.refs += refs
    hidden = any(not p for p in layout.printed)
    col_xml = "".join(
        f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"'
        + ('' if p else ' hidden="1" outlineLevel="1"') + "/>"
        for j, (w, p) in enumerate(zip(layout.widths, layout.printed, strict=True), start=1))
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
        '<pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last_col}{last_row}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{HEADER_ROW}" topLeftCell="A{HEADER_ROW + 1}" activePane="bottomLeft" '
        'state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="A{HEADER_ROW + 1}" '
        f'sqref="A{HEADER_ROW + 1}"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"' + (' outlineLevelCol="1"' if hidden else "")
        + "/>" + (f"<cols>{col_xml}</cols>" if col_xml else "") + "<sheetData>"
        + title_row + header_row)
    hf_title = xml_text(title.replace("&", "&&"))
    tail = (
        "</sheetData>" + merge +
        '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.25" '
        'footer="0.25"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        f'<headerFooter><oddHeader>&amp;L&amp;"Calibri,Bold"{hf_title}'
        "&amp;RPagina &amp;P di &amp;N</oddHeader></headerFooter>"
        '<tableParts count="1"><tablePart r:id="rIdT1"/></tableParts></worksheet>')
    ref = f"A{HEADER_ROW}:{last_col}{last_row}"
    table_cols = "".join(f'<tableColumn id="{j}" name="{xml_attr(c)}"/>'
                         for j, c in enumerate(cols or ["Colonna1"], start=1))
    table_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{MAIN_NS}" id="{{table_id}}" name="{table}" displayName="{table}" '
        f'ref="{ref}"><autoFilter ref="{ref}"/>'
        f'<tableColumns count="{len(cols) or 1}">{table_cols}</tableColumns>'
        f'<tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="0"/></table>')

    def generate() -> Iterator[bytes]:
        yield head.encode("utf-8")
        yield from chunks
        yield tail.encode("utf-8")

    return generate(), table_xml


def write_sector_package(source_path: str | os.PathLike, frames: dict[str, pd.DataFrame],
                         info: dict[str, tuple[object, object]], year: int | None,
                         out_path: str | os.PathLike, *, keep_vba: bool,
                         check_names: Callable[[list[str]], None] | None = None) -> None:
    """Write ``source_path`` plus one sheet per sector (``frames`` keyed by Sigla) to
    ``out_path`` atomically. ``info``: Sigla -> (sector name, dirigente).
    ``check_names(existing sheet names)`` may raise before anything is written.
    Raises ``package_append.UnsupportedPackage``, before writing anything, for packages
    it cannot edit in place."""
    app = PackageAppender(source_path, macros=keep_vba)
    try:
        if check_names is not None:
            check_names(app.sheet_names)
    except BaseException:
        app.abort()
        raise

    def _write(tmp: Path) -> None:
        app.target = tmp
        try:
            keys = list(STYLES)
            xf = dict(zip(keys, app.styles([STYLES[k] for k in keys]), strict=True))
            taken = {t.casefold() for t in (*app.table_names, *app.defined_names)}
            for sigla, frame in frames.items():
                name, dirigente = info.get(sigla, (sigla, None))
                table = table_name(sigla, taken)
                taken.add(table.casefold())
                chunks, table_xml = sheet_chunks(frame, table=table, sector=str(name),
                                                 dirigente=dirigente, year=year, app=app,
                                                 xf=xf)
                # the rows, plus the title, the header and the sheet's frame (< 1 MB)
                bound = rows_size_bound(len(frame) + HEADER_ROW, len(frame.columns) + 1)
                app.add_sheet(sigla, chunks, table_xml=table_xml,
                              print_titles=f"${HEADER_ROW}:${HEADER_ROW}",
                              size_bound=bound + (1 << 20))
        except BaseException:
            app.abort()
            raise
        app.close()

    write_atomic(out_path, _write)
