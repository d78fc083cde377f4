"""Fast writing of big tables: XlsxWriter writes the structure, the rows are streamed XML.

XlsxWriter writes everything around the data (sheets, Excel Tables, styles, widths,
frozen panes, print setup, protection, data validation, charts, formulas), which it
does with proven OOXML. Writing the data rows cell by cell through XlsxWriter costs about
5 µs per cell (~25 s for the 4.3 M cells of a 100,000-objective new cycle), so the rows of
tables are instead generated here as ``<row>`` XML in one pass over column lists and
spliced into the sheet part XlsxWriter produced, before ``</sheetData>``. Strings go to
the shared string table after XlsxWriter's own; cells carry the XlsxWriter formats of
their columns, so locking and wrapping are exactly what the column formats say.

This module is the low-level half: ``io.table_writer`` is the one table writer
(``write_table``: formats, widths, Excel Table, frozen header) and its workbooks
(``io.table_writer.new_workbook``) hand their table rows to a ``Bulk`` and call ``finish``
when closed. Nothing may be written by XlsxWriter below a table's header row on the same
sheet (``Bulk.check`` refuses it).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import filterfalse
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl_albero.model import col_letter

# control characters (\r too: XML readers turn it into \n) use Excel's _xHHHH_ escape
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x")
_EPOCH = dt.datetime(1899, 12, 30)
#: Excel's limit on the text of a cell (UTF-16 code units), as XlsxWriter enforces it.
MAX_TEXT = 32767
SST_PART = "xl/sharedStrings.xml"


def _escape_illegal(m: re.Match[str]) -> str:
    s = m.group(0)
    if s.startswith("_x"):
        return "_x005F" + s  # a literal _xHHHH_ must not be read as an escape
    return f"_x{ord(s):04X}_"


#: Characters XML 1.0 cannot carry at all (any part).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NOT_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def safe_text(v: str, *, cell: bool = False) -> str:
    """The one rule for text that reaches an XML part we write.

    ``cell=True`` (cell text, for a writer that escapes ``&<>`` itself): control
    characters become Excel's ``_xHHHH_`` escapes (Excel shows them back), a literal
    ``_xHHHH_`` is protected as ``_x005F_xHHHH_``, and the text is cut to Excel's 32,767
    characters. ``cell=False`` (sheet, table and defined names, headers and footers,
    document properties, where Excel decodes no escape): characters XML cannot carry
    are removed. ``xml_text`` adds the entity escaping for our own streamed rows."""
    if cell:
        return fit_text(_ILLEGAL.sub(_escape_illegal, v)) if _ILLEGAL.search(v) else fit_text(v)
    return _NOT_XML.sub("", v) if _NOT_XML.search(v) else v


def clean_part(data: bytes) -> bytes:
    """An XML part with the characters XML cannot carry removed (``safe_text`` on the
    bytes XlsxWriter wrote: its headers/footers, names and properties are not escaped)."""
    return _NOT_XML_BYTES.sub(b"", data) if _NOT_XML_BYTES.search(data) else data


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


def fit_text(v: str) -> str:
    """``v`` cut to Excel's cell limit of 32,767 UTF-16 units (what XlsxWriter does)."""
    if len(v) <= MAX_TEXT // 2 or len(v.encode("utf-16-le")) // 2 <= MAX_TEXT:
        return v
    units = v.encode("utf-16-le")[: 2 * MAX_TEXT]
    return units.decode("utf-16-le", errors="ignore")


def excel_serial(v: dt.date | dt.datetime) -> float:
    if not isinstance(v, dt.datetime):
        v = dt.datetime(v.year, v.month, v.day)
    if v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    delta = v - _EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def xf_index(fmt: Format) -> int:
    """The style index of an XlsxWriter format (assigned on first use)."""
    return int(fmt._get_xf_index())  # noqa: SLF001 - XlsxWriter has no public accessor


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

    @property
    def n_rows(self) -> int:
        return len(self.values[0]) if self.values else 0


class Bulk:
    """The table rows of one workbook, written by ``finish`` after XlsxWriter closed it."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._pending: list[_Pending] = []

    def __bool__(self) -> bool:
        return bool(self._pending)

    def add(self, ws: Worksheet, values: list[list[object]], *, first_row: int,
            table_name: str, formats: list[Format], date_formats: list[Format],
            blanks: list[bool], heights: Sequence[float | None] | None = None) -> None:
        """Rows (column-major ``values``) of table ``table_name`` from 0-based ``first_row``;
        cells of column ``j`` get ``formats[j]`` (``date_formats[j]`` for dates).
        ``heights``: an explicit height in points (or ``None``) per row."""
        if any(p.ws is ws for p in self._pending):
            raise ValueError(f"il foglio «{ws.name}» ha già una tabella")
        n = len(values[0]) if values else 0
        if heights is not None and len(heights) != n:
            raise ValueError(f"{len(heights)} altezze per {n} righe della tabella {table_name}")
        # XlsxWriter gives a format its style index when first used; asking for it here
        # registers the date formats too (equal formats share one index).
        self._pending.append(_Pending(ws, values, first_row, table_name,
                                      [xf_index(f) for f in formats],
                                      [xf_index(f) for f in date_formats], blanks,
                                      heights))

    def check(self) -> None:
        """Before XlsxWriter closes: nothing of its own in the rows the tables will fill."""
        for p in self._pending:
            taken = [r for r in (*p.ws.table, *p.ws.row_info, *p.ws.comments)
                     if r >= p.first_row and (r in p.ws.row_info or r in p.ws.comments
                                              or p.ws.table.get(r))]
            if taken:
                raise ValueError(f"foglio «{p.ws.name}»: riga {min(taken) + 1} scritta sotto "
                                 f"l'intestazione della tabella {p.table_name}")

    def finish(self, structure: io.BytesIO | str | os.PathLike,
               target: str | os.PathLike | io.BytesIO) -> Path | io.BytesIO:
        """Copy the package at ``structure`` to ``target`` with the rows injected."""
        if isinstance(structure, io.BytesIO):
            structure.seek(0)
        with zipfile.ZipFile(structure) as zin:
            parts = [(info, zin.read(info.filename)) for info in zin.infolist()]
        # worksheet parts are numbered over worksheets only (chartsheets apart)
        numbers = {id(ws): k for k, ws in enumerate(
            (s for s in self.wb.worksheets() if not s.is_chartsheet), start=1)}
        by_part = {f"xl/worksheets/sheet{numbers[id(p.ws)]}.xml": p for p in self._pending}
        names = {info.filename for info, _ in parts}
        sst_xml = next((d for i, d in parts if i.filename == SST_PART), None)
        sst = _Strings(sst_xml.decode("utf-8") if sst_xml is not None else None)
        tables = {p.table_name: p for p in self._pending}
        # rows made ahead of their part (in package order, as the strings are numbered):
        # all of them when there is no shared string table (refused before writing
        # anything if the rows need one), else those after it, made when it is reached
        ahead: dict[str, Iterator[bytes]] = {}
        if SST_PART not in names:
            ahead = {i.filename: _splice(d, by_part[i.filename], sst)
                     for i, d in parts if i.filename in by_part}
            if sst.added:
                raise ValueError("la cartella di lavoro non ha la tabella delle stringhe")
        # the parts are compressed and written by a thread (zlib and the file system
        # release the GIL) while the next parts are made here, in package order
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout, \
                _PartWriter(zout) as writer:
            for k, (info, data) in enumerate(parts):
                name = info.filename
                bound = None
                chunks: bytes | Iterator[bytes]
                if name in by_part:
                    chunks = ahead.pop(name) if name in ahead else _splice(
                        data, by_part[name], sst)
                    p = by_part[name]
                    bound = len(data) + rows_size_bound(p.n_rows, len(p.values))
                elif name == SST_PART:
                    ahead = {i.filename: _splice(d, by_part[i.filename], sst)
                             for i, d in parts[k + 1:] if i.filename in by_part}
                    chunks = sst.xml_pieces()
                    bound = len(data) + items_size_bound(sst.added)
                elif name.startswith("xl/tables/"):
                    chunks = clean_part(_fix_table_ref(data.decode("utf-8"), tables)
                                        .encode("utf-8"))
                else:
                    chunks = clean_part(data) if name.endswith((".xml", ".rels")) else data
                writer.write(info, chunks, bound)
        return target if isinstance(target, io.BytesIO) else Path(target)


class _PartWriter:
    """Writes parts into a zip in a background thread, in the order given."""

    def __init__(self, zout: zipfile.ZipFile) -> None:
        self._zout = zout
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-parts")
        self._written: list[Future[None]] = []

    def __enter__(self) -> _PartWriter:
        return self

    def write(self, info: zipfile.ZipInfo, chunks: bytes | Iterator[bytes],
              size_bound: int | None = None) -> None:
        for done in self._written:  # a failed write (full disk) stops the work at once
            if done.done():
                done.result()
        self._written = [f for f in self._written if not f.done()]
        self._written.append(self._pool.submit(_write_part, self._zout, info, chunks,
                                               size_bound))

    def __exit__(self, kind: object, *_: object) -> None:
        # on failure (or a signal) drop what is not written yet; wait for the part being
        # written either way, so nothing touches the file once this returns
        self._pool.shutdown(wait=True, cancel_futures=kind is not None)
        if kind is None:
            for f in self._written:
                f.result()


def _write_part(zout: zipfile.ZipFile, info: zipfile.ZipInfo, chunks: bytes | Iterator[bytes],
                size_bound: int | None = None) -> None:
    """A part whole (``bytes``) or made while it is written (its size known at the end)."""
    out = part_info(info.filename, info.date_time)
    if isinstance(chunks, bytes):
        zout.writestr(out, chunks)
    else:
        write_streamed(zout, out, chunks, size_bound)


def part_info(name: str, date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
              ) -> zipfile.ZipInfo:
    """A package part's zip entry: deflated at level 1 (what ``writestr(compresslevel=1)``
    sets; speed over a few % of size)."""
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # noqa: SLF001 - the attribute writestr's compresslevel sets
    return info


#: Upper bounds of a row's and a cell's XML as ``rows_stream`` writes them (``<row r="...
#: ht=... customHeight="1">``; ``<c r="XFD1048576" s="..." t="s"><v>...</v></c>``, numbers
#: at most 24 characters): a part's size bound says whether it may need ZIP64.
ROW_XML_BOUND = 96
CELL_XML_BOUND = 128


def rows_size_bound(n_rows: int, n_cols: int) -> int:
    return n_rows * (ROW_XML_BOUND + n_cols * CELL_XML_BOUND)


def items_size_bound(texts: list[str]) -> int:
    """A bound of ``_items_xml(texts)``'s UTF-8 size (escapes at most 6 bytes a character,
    a character at most 4 bytes: 6 covers both)."""
    return 6 * sum(map(len, texts)) + 48 * len(texts)


def write_streamed(zout: zipfile.ZipFile, info: zipfile.ZipInfo, pieces: Iterable[bytes],
                   size_bound: int | None) -> None:
    """Write a part made while it is written. Its ZIP headers take the ZIP64 form only
    when ``size_bound`` (or no bound) says it may pass the 2-GB limit of a plain entry:
    small parts keep the plain headers Excel and every other reader expect (Excel is
    known to be picky about ZIP64 headers in packages)."""
    zip64 = size_bound is None or size_bound >= zipfile.ZIP64_LIMIT
    with zout.open(info, "w", force_zip64=zip64) as fh:
        for piece in pieces:
            fh.write(piece)


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

    def ids(self, values: list[str]) -> list[int]:
        """The index of each of the distinct ``values``, adding the new ones in order."""
        index = self.index
        new = list(filterfalse(index.__contains__, values))
        if new:
            start = self.base + len(self.added)
            index.update(zip(new, range(start, start + len(new)), strict=True))
            self.added.extend(new)
        return list(map(index.__getitem__, values))

    def xml_pieces(self) -> Iterator[bytes]:
        """The part (UTF-8) in pieces, its new items encoded a few thousand at a time when
        read (the strings of a big tree are hundreds of MB as one text)."""
        head, sep, tail = self._xml.rpartition("</sst>")
        head = re.sub(r'count="\d+" uniqueCount="\d+"',
                      f'count="{self.refs}" uniqueCount="{self.base + len(self.added)}"',
                      head, count=1)
        yield head.encode("utf-8")
        yield from items_pieces(self.added)
        yield (sep + tail).encode("utf-8")


#: New shared strings encoded per piece of a shared strings part.
SST_ITEMS_PER_PIECE = 4096


def items_pieces(texts: list[str]) -> Iterator[bytes]:
    """``<si>`` items for ``texts`` (UTF-8), a few thousand at a time, so that a big
    tree's strings never exist as one text."""
    for start in range(0, len(texts), SST_ITEMS_PER_PIECE):
        yield _items_xml(texts[start:start + SST_ITEMS_PER_PIECE]).encode("utf-8")


_SI_OPEN = "<si><t>"
_SI_OPEN_PRESERVE = '<si><t xml:space="preserve">'
_SI_CLOSE = "</t></si>"


def _items_xml(texts: list[str]) -> str:
    """``<si>`` items for ``texts``, escaped in one pass over their concatenation.

    Like XlsxWriter, only texts with leading or trailing white space get
    ``xml:space="preserve"`` (the reader's white-space hint, ``io.xmlscan``, relies on
    its absence to skip the white-space pass on clean workbooks)."""
    if not texts:
        return ""
    joined = "".join(texts)
    # a separator absent from the texts, not special, and not a hex digit (so that no
    # "_xHHHH_" escape can form across two texts)
    sep = next(c for c in map(chr, range(0xE000, 0xF900)) if c not in joined)
    escaped = xml_text(sep.join(texts)).split(sep)
    n = len(escaped)
    pieces = [_SI_OPEN, "", _SI_CLOSE] * n
    pieces[1::3] = escaped
    # white space first or last <=> strip() changes the text (the same white space)
    lengths = np.fromiter(map(len, escaped), dtype=np.int64, count=n)
    stripped = np.fromiter(map(len, map(str.strip, escaped)), dtype=np.int64, count=n)
    for i in np.flatnonzero(stripped != lengths).tolist():
        pieces[3 * i] = _SI_OPEN_PRESERVE
    return "".join(pieces)


def _fix_table_ref(xml: str, tables: dict[str, _Pending]) -> str:
    m = re.search(r'<table [^>]*\bname="([^"]+)"', xml)
    p = tables.get(m.group(1)) if m else None
    if p is None:
        return xml
    ref = (f"{col_letter(0)}{p.first_row}:{col_letter(max(len(p.values) - 1, 0))}"
           f"{p.first_row + max(len(p.values[0]) if p.values else 0, 1)}")
    return re.sub(r'(<(?:table|autoFilter) [^>]*?\bref=")[^"]+"', lambda mm: mm.group(1) + ref
                  + '"', xml)


def _splice(xml: bytes, p: _Pending, sst: _Strings) -> Iterator[bytes]:
    """The sheet part ``xml`` with the rows of ``p``, as chunks to write in order."""
    chunks, refs = rows_stream(p.values, p.first_row, p.xfs, p.date_xfs, sst, p.blanks,
                               p.heights)
    sst.refs += refs
    if b"<sheetData/>" in xml:
        head, _, tail = xml.partition(b"<sheetData/>")
        head, tail = head + b"<sheetData>", b"</sheetData>" + tail
    else:
        head, sep, tail = xml.rpartition(b"</sheetData>")
        if not sep:
            raise ValueError("sheetData non trovato")
        tail = sep + tail
    if p.n_rows:
        head = _DIMENSION.sub(lambda m: _dimension(m, p), head.decode("utf-8"),
                              count=1).encode("utf-8")
    return itertools.chain([head], chunks, [tail])


_DIMENSION = re.compile(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _dimension(m: re.Match[str], p: _Pending) -> str:
    """The used range XlsxWriter wrote, grown to the last row and column of the table."""
    first = f"{m.group(1)}{m.group(2)}"
    last_col = max(_col_index(m.group(3) or m.group(1)), len(p.values) - 1)
    last_row = max(int(m.group(4) or m.group(2)), p.first_row + p.n_rows)
    return f'<dimension ref="{first}:{col_letter(last_col)}{last_row}"/>'


def _tail(v: object, s: str, ds: str, sst: _Strings) -> tuple[str | None, bool]:
    """What follows ``<c r="A1"`` for value ``v`` (None: no cell) and whether it is a
    shared-string reference."""
    t = type(v)
    if t is str:
        return (f'{s} t="s"><v>{sst.get(fit_text(v))}</v></c>', True) if v else (None, False)
    if t is float:
        if math.isnan(v) or math.isinf(v):
            return None, False
        return f'{s}><v>{v!r}</v></c>', False
    if t is int:
        return f'{s}><v>{v}</v></c>', False
    if v is None or v is pd.NA or v is pd.NaT:
        return None, False
    if t is bool:
        return f'{s} t="b"><v>{int(v)}</v></c>', False
    if isinstance(v, (dt.datetime, dt.date)):
        return f'{ds}><v>{excel_serial(v)!r}</v></c>', False
    if hasattr(v, "item"):  # numpy scalar
        return _tail(v.item(), s, ds, sst)
    if isinstance(v, str):  # a str subclass
        return _tail(str(v), s, ds, sst)
    return f'{s} t="s"><v>{sst.get(fit_text(str(v)))}</v></c>', True


_TEXT_KINDS = {str, type(None), float}


def _column_tails(values: list[object], s: str, date_xf: int, sst: _Strings,
                  blank: bool = False, value_xfs: dict[object, int] | None = None,
                  ) -> tuple[np.ndarray, int]:
    """What follows ``<c r="A1"`` in each cell of one column ("": no cell), as an object
    array, and the number of shared-string references among them. ``s``: the column's
    style attribute; ``value_xfs``: a style of its own for cells holding one of these
    (text) values."""
    if value_xfs:
        return _styled_by_value(values, s, date_xf, sst, blank, value_xfs)
    ds = f' s="{date_xf}"'
    kinds = set(map(type, values))
    homogeneous = kinds <= _TEXT_KINDS or kinds <= {int}
    if float in kinds and kinds <= _TEXT_KINDS:  # floats among texts: only NaN qualifies
        homogeneous = all(v != v for v in values if type(v) is float)
    if homogeneous:
        # one tail per distinct value, in order of appearance; None and NaN: no cell
        seen = dict.fromkeys(values)
        distinct = [v for v in seen if v is not None and v == v]
        if kinds <= {int}:
            tails = [f'{s}><v>{u}</v></c>' for u in distinct]
        else:
            empty = distinct.index("") if "" in seen else -1
            if max(map(len, distinct), default=0) > MAX_TEXT // 2:  # cut (may repeat)
                ids = [sst.get(fit_text(u)) if u else -1 for u in distinct]
            elif empty < 0:
                ids = sst.ids(distinct)
            else:
                ids = sst.ids(distinct[:empty] + distinct[empty + 1:])
                ids.insert(empty, -1)
            tails = [f'{s} t="s"><v>{i}</v></c>' for i in ids]
            if empty >= 0:
                tails[empty] = ""
        tail_of = dict(zip(distinct, tails, strict=True))
        if len(distinct) < len(seen):
            tail_of.update((v, "") for v in seen if v is None or v != v)
        found = list(map(tail_of.__getitem__, values))
        refs = 0 if kinds <= {int} else len(found) - found.count("")
        cell_tails = np.empty(len(found), dtype=object)
        cell_tails[:] = found
    else:
        made = [_tail(v, s, ds, sst) for v in values]
        cell_tails = np.empty(len(made), dtype=object)
        cell_tails[:] = [t or "" for t, _ in made]
        refs = sum(1 for _, is_ref in made if is_ref)
    if blank:  # an empty cell keeps its style (every reader sees it unlocked)
        cell_tails[cell_tails == ""] = f"{s}/>"
    return cell_tails, refs


def _styled_by_value(values: list[object], s: str, date_xf: int, sst: _Strings,
                     blank: bool, value_xfs: dict[object, int]) -> tuple[np.ndarray, int]:
    """``_column_tails`` for a column whose cells are styled by their value."""
    groups: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        xf = value_xfs.get(v) if isinstance(v, str) else None
        groups.setdefault(f' s="{xf}"' if xf is not None else s, []).append(i)
    out = np.empty(len(values), dtype=object)
    refs = 0
    for key, idx in groups.items():  # (style 0 is no style, but a group of its own)
        style = key if key != ' s="0"' else ""
        tails, k = _column_tails([values[i] for i in idx], style, date_xf, sst, blank)
        refs += k
        out[idx] = tails
    return out, refs


#: Rows encoded per chunk of a sheet part.
ROWS_PER_CHUNK = 10_000


def rows_stream(columns: list[list[object]], first_row: int, xfs: list[int],
                date_xfs: list[int], sst: _Strings, blanks: list[bool] | None = None,
                heights: Sequence[float | None] | None = None,
                value_xfs: Sequence[dict[object, int] | None] | None = None,
                ) -> tuple[Iterator[bytes], int]:
    """``<row>`` elements (UTF-8, in chunks) for column-major ``columns`` starting at
    0-based ``first_row``, and the number of shared-string references they make.
    ``heights``: an explicit height in points (or ``None``) per row. ``value_xfs``: per
    column, styles for cells holding given text values (or ``None``).

    Every cell's text is numbered in ``sst`` before this returns; the chunks are made as
    they are read, so a sheet's XML (hundreds of MB for a big tree) never exists whole.

    A row is ``<row r="N">``, then per cell ``<c r="`` + column letter, ``N"`` and the
    cell's tail, then ``</row>``: the pieces are laid out in a table of strings (one
    row of the table per sheet row) and joined once per chunk."""
    if not columns or not columns[0]:
        return iter(()), 0
    n = len(columns[0])
    rownums = [str(first_row + 1 + i) for i in range(n)]
    quoted = np.empty(n, dtype=object)
    quoted[:] = [f'{r}"' for r in rownums]
    cells: list[tuple[str, np.ndarray, np.ndarray | None]] = []
    refs = 0
    for j, col in enumerate(columns):
        xf = xfs[j]
        tails, k = _column_tails(col, f' s="{xf}"' if xf else "", date_xfs[j], sst,
                                 bool(blanks and blanks[j]),
                                 value_xfs[j] if value_xfs else None)
        refs += k
        absent = tails == ""
        if absent.all():
            continue  # no cell in this column
        cells.append((f'<c r="{col_letter(j)}', tails, absent if absent.any() else None))
    opens = np.empty(n, dtype=object)
    if heights is None:
        opens[:] = [f'<row r="{r}">' for r in rownums]
    else:
        opens[:] = [f'<row r="{r}" ht="{h:g}" customHeight="1">' if h else f'<row r="{r}">'
                    for r, h in zip(rownums, heights, strict=True)]
    return _encoded(n, opens, quoted, cells), refs


def _encoded(n: int, opens: np.ndarray, quoted: np.ndarray,
             cells: list[tuple[str, np.ndarray, np.ndarray | None]]) -> Iterator[bytes]:
    """The rows' XML, ``ROWS_PER_CHUNK`` rows at a time, made as they are written."""
    width = 2 + 3 * len(cells)
    for a in range(0, n, ROWS_PER_CHUNK):
        b = min(a + ROWS_PER_CHUNK, n)
        block = np.empty((b - a, width), dtype=object)
        block[:, 0] = opens[a:b]
        block[:, -1] = "</row>"
        for k, (pre, tails, absent) in enumerate(cells):
            block[:, 1 + 3 * k] = pre
            block[:, 2 + 3 * k] = quoted[a:b]
            block[:, 3 + 3 * k] = tails[a:b]
            if absent is not None:  # no cell: none of its pieces
                gone = absent[a:b]
                block[gone, 1 + 3 * k] = ""
                block[gone, 2 + 3 * k] = ""
        yield "".join(block.ravel().tolist()).encode("utf-8")
