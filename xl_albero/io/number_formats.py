"""Cells that show their number as a percentage (file edge).

Typing ``50%`` in Excel (or LibreOffice) stores **0.5** and gives the cell a percent
format; calamine returns the stored 0.5. Where a column means a percentage on a 0–100
scale (``Avanzamento %``, ``Peso``), the value the user saw and meant is 50: the readers
use these helpers to find the percent-formatted cells and read them as shown.

* ``percent_styles(zf)``: the cell style indexes (``s="…"``) whose number format is a
  percentage (built-in formats 9 ``0%`` and 10 ``0.00%``, or a custom code with ``%``
  outside quotes and brackets);
* ``percent_cells(sheet_xml, styles)``: the 0-based (row, column) grid cells of a sheet
  that use one of them. Both cost nothing measurable when no percent style is used.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree import ElementTree as ET

from xl_albero.io.xmlscan import col_index

#: Excel's built-in percent formats: 9 = ``0%``, 10 = ``0.00%``.
_BUILTIN_PERCENT = frozenset({9, 10})
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\s")
_REF = re.compile(rb'\sr\s*=\s*["\']([A-Z]{1,3})(\d{1,7})["\']')


def is_percent_code(code: str) -> bool:
    """True when a number format code shows a percentage (``0.0%``, ``#,##0 %``), not when
    ``%`` is literal text in quotes or a bracketed section."""
    return "%" in _QUOTED.sub("", code)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _styles_part(zf: zipfile.ZipFile) -> str | None:
    names = set(zf.namelist())
    try:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        rels = None
    if rels is not None:
        for r in rels:
            if r.get("Type", "").endswith("/styles"):
                target = r.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join("xl", target))
                if path in names:
                    return path
    return "xl/styles.xml" if "xl/styles.xml" in names else None


def percent_styles(zf: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell styles (``cellXfs``) with a percent number format."""
    part = _styles_part(zf)
    if part is None:
        return frozenset()
    try:
        root = ET.fromstring(zf.read(part))
    except (KeyError, ET.ParseError):
        return frozenset()
    percent_ids = set(_BUILTIN_PERCENT)
    for el in root.iter():
        if _local(el.tag) == "numFmt" and is_percent_code(el.get("formatCode", "")):
            try:
                percent_ids.add(int(el.get("numFmtId", "")))
            except ValueError:
                continue
    out: set[int] = set()
    for el in root:
        if _local(el.tag) != "cellXfs":
            continue
        for i, xf in enumerate(x for x in el if _local(x.tag) == "xf"):
            try:
                if int(xf.get("numFmtId", "0")) in percent_ids:
                    out.add(i)
            except ValueError:
                continue
    return frozenset(out)


def percent_cells(sheet_xml: bytes, styles: frozenset[int]) -> frozenset[tuple[int, int]]:
    """0-based (row, column) of the cells whose style is one of ``styles`` (work in
    proportion to those cells: each ``s="…"`` is found at C speed, then its tag read)."""
    out: set[tuple[int, int]] = set()
    for i in sorted(styles):
        mark = f' s="{i}"'.encode()
        pos = sheet_xml.find(mark)
        while pos >= 0:
            start = sheet_xml.rfind(b"<", 0, pos)
            end = sheet_xml.find(b">", pos)
            tag = sheet_xml[start:end + 1]
            if _CELL_TAG.match(tag):
                r = _REF.search(tag)
                if r is not None:
                    out.add((int(r.group(2)) - 1, col_index(r.group(1))))
            pos = sheet_xml.find(mark, pos + len(mark))
    return frozenset(out)
