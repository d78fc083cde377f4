"""Fast writing of big tables: XlsxWriter for the structure, streamed XML for the rows.

XlsxWriter writes everything around the data (sheets, Excel Tables, styles, widths,
frozen panes, print setup, protection, data validation, charts, formulas), which it
does with proven OOXML. Writing the data rows cell by cell through XlsxWriter costs about
5 µs per cell (~8 s for 100,000 objectives), so the rows of the big tables are instead
generated here as ``<row>`` XML in one pass over column lists and spliced into the sheet
part XlsxWriter produced, before ``</sheetData>``. Cells use inline strings (no shared
string table to build) and the XlsxWriter formats of their columns, so locking and
wrapping are exactly what the column formats say.

Use::

    buf = io.BytesIO()
    wb = structure_workbook(buf)          # an XlsxWriter workbook writing into memory
    bulk = Bulk(wb)
    bulk.table(ws, df, table_name="T")    # like io.writer.write_table, rows deferred
    wb.close()
    bulk.finish(buf, final_tmp)           # copy the package, injecting the rows

Nothing may be written by XlsxWriter below a bulk table's header row on the same sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl_albero.io.writer import WORKBOOK_OPTIONS, WRAP_COLUMNS, guess_width
from xl_albero.model import col_letter

# control characters (\r too: XML readers turn it into \n) use Excel's _xHHHH_ escape
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x")
_EPOCH = dt.datetime(1899, 12, 30)


def _escape_illegal(m: re.Match[str]) -> str:
    s = m.group(0)
    if s.startswith("_x"):
        return "_x005F" + s  # a literal _xHHHH_ must not be read as an escape
    return f"_x{ord(s):04X}_"


def xml_text(v: str) -> str:
    """Escape text for a ``<t>`` element (Excel's ``_xHHHH_`` for control characters)."""
    if not _SPECIAL.search(v):
        return v
    if "&" in v:
        v = v.replace("&", "&amp;")
    if "<" in v:
        v = v.replace("<", "&lt;")
    if ">" in v:
        v = v.replace(">", "&gt;")
    return _ILLEGAL.sub(_escape_illegal, v)
    return v


def excel_serial(v: dt.date | dt.datetime) -> float:
    if not isinstance(v, dt.datetime):
        v = dt.datetime(v.year, v.month, v.day)
    if v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    delta = v - _EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def structure_workbook(target: io.BytesIO | str | os.PathLike) -> Workbook:
    """An XlsxWriter workbook with the safe options of ``io.writer`` (in memory)."""
    dest = target if isinstance(target, io.BytesIO) else str(target)
    return xlsxwriter.Workbook(dest, {**WORKBOOK_OPTIONS, "in_memory": True})


@dataclass
class _Pending:
    ws: Worksheet
    values: list[list[object]]  # column-major
    first_row: int  # 0-based index of the first data row
    table_name: str
    xfs: list[int]
    date_xfs: list[int]
    blanks: list[bool]  # write empty cells with their style (unlocked columns)
    heights: Sequence[float | None] | None = None  # explicit row heights (points)


class Bulk:
    """Collects big tables while XlsxWriter writes the rest; ``finish`` injects the rows."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._pending: list[_Pending] = []

    def table(self, ws: Worksheet, df: pd.DataFrame, *, table_name: str,
              style: str = "Table Style Medium 2", first_row: int = 0,
              widths: dict[str, float] | None = None, wrap: set[str] | None = None,
              locked: Sequence[str] | None = None, freeze: bool = True,
              heights: Sequence[float | None] | None = None,
              header_height: float | None = None,
              hidden: Collection[str] = ()) -> None:
        """Declare ``df`` as an Excel Table at ``first_row`` (header), rows written later.

        Same options as ``io.writer.write_table``: column widths, wrapping, and when
        ``locked`` is given only those columns stay locked under sheet protection (the
        others are unlocked and tinted, ready to fill in). ``heights``: one height in
        points (or ``None``) per data row; ``header_height``: the header row's height;
        ``hidden``: columns hidden in a collapsible group (not printed, still there).
        """
        cols = [str(c) for c in df.columns]
        wrap = WRAP_COLUMNS if wrap is None else wrap
        widths = widths or {}
        formats, date_formats = [], []
        for j, c in enumerate(cols):
            props: dict[str, object] = {"valign": "top"}
            if c in wrap:
                props["text_wrap"] = True
            if locked is not None and c not in locked:
                props["locked"] = False
                props["bg_color"] = "#FFF9E6"
            fmt = self.wb.add_format(props)
            dfmt = self.wb.add_format({**props, "num_format": "dd/mm/yyyy"})
            formats.append(fmt)
            date_formats.append(dfmt)
            options = {"hidden": True, "level": 1} if c in hidden else None
            ws.set_column(j, j, widths.get(c) or guess_width(c, df.iloc[:, j]), fmt, options)
        header = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        # The table is declared over one row (XlsxWriter checks every cell of the range,
        # which is slow); ``finish`` writes the real range into the table part.
        last_row = first_row + 1
        ws.add_table(first_row, 0, last_row, max(len(cols) - 1, 0), {
            "name": table_name, "style": style, "autofilter": True,
            "columns": [{"header": c, "header_format": header} for c in cols],
        })
        if freeze:
            ws.freeze_panes(first_row + 1, 0)
        if header_height:
            ws.set_row(first_row, header_height)
        values = [df.iloc[:, j].tolist() for j in range(len(cols))]
        # XlsxWriter gives a format its style index when first used; asking for it here
        # registers the date formats too (equal formats share one index).
        self._pending.append(_Pending(ws, values, first_row + 1, table_name,
                                      [_xf(f) for f in formats], [_xf(f) for f in date_formats],
                                      [locked is not None and c not in locked for c in cols],
                                      heights))

    # -- after wb.close() ------------------------------------------------------------
    def finish(self, structure: io.BytesIO | str | os.PathLike,
               target: str | os.PathLike) -> Path:
        """Copy the package at ``structure`` to ``target`` with the rows injected."""
        by_part = {f"xl/worksheets/sheet{p.ws.index + 1}.xml": p for p in self._pending}
        if isinstance(structure, io.BytesIO):
            structure.seek(0)
        with zipfile.ZipFile(structure) as zin:
            parts = [(info, zin.read(info.filename)) for info in zin.infolist()]
        names = {info.filename for info, _ in parts}
        sst_xml = next((d for i, d in parts if i.filename == SST_PART), None)
        sst = _Strings(sst_xml.decode("utf-8") if sst_xml is not None else None)
        tables = {p.table_name: p for p in self._pending}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            out_parts = []
            for info, data in parts:
                pending = by_part.get(info.filename)
                if pending is not None:
                    data = _splice(data.decode("utf-8"), pending, sst).encode("utf-8")
                elif info.filename.startswith("xl/tables/"):
                    data = _fix_table_ref(data.decode("utf-8"), tables).encode("utf-8")
                out_parts.append((info, data))
            for info, data in out_parts:
                if info.filename == SST_PART:
                    data = sst.xml().encode("utf-8")
                out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                out.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(out, data, compresslevel=1)
            if SST_PART not in names and sst.added:
                raise ValueError("la cartella di lavoro non ha la tabella delle stringhe")
        return Path(target)


SST_PART = "xl/sharedStrings.xml"


class _Strings:
    """The shared string table: XlsxWriter's strings, then those of the bulk rows."""

    def __init__(self, xml: str | None) -> None:
        self._xml = xml or ""
        m = re.search(r'uniqueCount="(\d+)"', self._xml)
        c = re.search(r'count="(\d+)"', self._xml)
        self.base = int(m.group(1)) if m else 0
        self.refs = int(c.group(1)) if c else 0
        self.index: dict[str, int] = {}
        self.added: list[str] = []

    def get(self, v: str) -> int:
        i = self.index.get(v)
        if i is None:
            i = self.index[v] = self.base + len(self.added)
            self.added.append(v)
        return i

    def xml(self) -> str:
        head, sep, tail = self._xml.rpartition("</sst>")
        new = "".join(f'<si><t xml:space="preserve">{xml_text(v)}</t></si>' for v in self.added)
        head = re.sub(r'count="\d+" uniqueCount="\d+"',
                      f'count="{self.refs}" uniqueCount="{self.base + len(self.added)}"',
                      head, count=1)
        return head + new + sep + tail


def _fix_table_ref(xml: str, tables: dict[str, _Pending]) -> str:
    m = re.search(r'<table [^>]*\bname="([^"]+)"', xml)
    p = tables.get(m.group(1)) if m else None
    if p is None:
        return xml
    ref = (f"{col_letter(0)}{p.first_row}:{col_letter(max(len(p.values) - 1, 0))}"
           f"{p.first_row + max(len(p.values[0]) if p.values else 0, 1)}")
    return re.sub(r'(<(?:table|autoFilter) [^>]*?\bref=")[^"]+"', lambda mm: mm.group(1) + ref
                  + '"', xml)


def _xf(fmt: Format) -> int:
    return int(fmt._get_xf_index())  # noqa: SLF001 - XlsxWriter has no public accessor


def _splice(xml: str, p: _Pending, sst: _Strings) -> str:
    rows, refs = rows_xml(p.values, p.first_row, p.xfs, p.date_xfs, sst, p.blanks,
                          p.heights)
    sst.refs += refs
    if "<sheetData/>" in xml:
        xml = xml.replace("<sheetData/>", f"<sheetData>{rows}</sheetData>", 1)
    else:
        head, sep, tail = xml.rpartition("</sheetData>")
        if not sep:
            raise ValueError("sheetData non trovato")
        xml = head + rows + sep + tail
    n = len(p.values[0]) if p.values else 0
    if n and p.values:
        last = f"{col_letter(len(p.values) - 1)}{p.first_row + n}"
        xml = re.sub(r'<dimension ref="([A-Z]+\d+)(?::[A-Z]+\d+)?"/>',
                     lambda m: f'<dimension ref="{m.group(1)}:{last}"/>', xml, count=1)
    return xml


def _column_cells(values: list[object], letter: str, rownums: list[str], xf: int,
                  date_xf: int, sst: _Strings, blank: bool = False) -> tuple[list[str], int]:
    s = f' s="{xf}"' if xf else ""
    ds = f' s="{date_xf}"'
    pre = f'<c r="{letter}'
    if blank:  # an empty cell keeps its style (every reader sees it unlocked)
        out, refs = _column_cells(values, letter, rownums, xf, date_xf, sst)
        return [c or f'{pre}{r}"{s}/>' for c, r in zip(out, rownums, strict=True)], refs
    out: list[str] = []
    append = out.append
    texts: dict[str, str] = {}  # closing part of the cell, per distinct string
    refs = 0
    for v, r in zip(values, rownums, strict=True):
        t = type(v)
        if t is str:
            if v:
                tail = texts.get(v)
                if tail is None:
                    tail = texts[v] = f'{s} t="s"><v>{sst.get(v)}</v></c>'
                append(f'{pre}{r}"{tail}')
                refs += 1
            else:
                append("")
        elif t is float:
            append("" if math.isnan(v) or math.isinf(v) else f'{pre}{r}"{s}><v>{v!r}</v></c>')
        elif t is int:
            append(f'{pre}{r}"{s}><v>{v}</v></c>')
        elif v is None or v is pd.NA or v is pd.NaT:
            append("")
        elif t is bool:
            append(f'{pre}{r}"{s} t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, (dt.datetime, dt.date)):
            append(f'{pre}{r}"{ds}><v>{excel_serial(v)!r}</v></c>')
        elif hasattr(v, "item"):  # numpy scalar
            cells, k = _column_cells([v.item()], letter, [r], xf, date_xf, sst)
            out.extend(cells)
            refs += k
        else:
            append(f'{pre}{r}"{s} t="s"><v>{sst.get(str(v))}</v></c>')
            refs += 1
    return out, refs


def rows_xml(columns: list[list[object]], first_row: int, xfs: list[int],
             date_xfs: list[int], sst: _Strings, blanks: list[bool] | None = None,
             heights: Sequence[float | None] | None = None) -> tuple[str, int]:
    """``<row>`` elements for column-major ``columns`` starting at 0-based ``first_row``,
    and the number of shared-string references they make. ``heights``: an explicit
    height in points (or ``None``) per row."""
    if not columns or not columns[0]:
        return "", 0
    n = len(columns[0])
    rownums = [str(first_row + 1 + i) for i in range(n)]
    cells, refs = [], 0
    for j, col in enumerate(columns):
        c, k = _column_cells(col, col_letter(j), rownums, xfs[j], date_xfs[j], sst,
                             bool(blanks and blanks[j]))
        cells.append(c)
        refs += k
    if heights is None:
        opens = [f'<row r="{r}">' for r in rownums]
    else:
        opens = [f'<row r="{r}" ht="{h:g}" customHeight="1">' if h else f'<row r="{r}">'
                 for r, h in zip(rownums, heights, strict=True)]
    closes = ["</row>"] * n
    return "".join(map("".join, zip(opens, *cells, closes, strict=True))), refs
