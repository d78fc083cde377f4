"""Find formula and error cells in a worksheet's XML without parsing the whole sheet.

python-calamine returns cached values only and turns Excel error values into empty
cells, so the reader asks this module which cells hold a formula or an error. The scan
looks for the few byte patterns that matter and walks back to the enclosing ``<c>``:
a sheet without formulas or errors costs one ``bytes.find`` pass.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

_F_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERR_ATTR = re.compile(rb'\st="e"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_F_TEXT = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>([^<]*)</(?:\w+:)?f>)")


def col_index(letters: bytes | str) -> int:
    """Excel column letters -> 0-based index."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip part path of its XML."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_NS_PKG}}}Relationship")}
    out: dict[str, str] = {}
    for sh in wb.iter(f"{{{_NS_MAIN}}}sheet"):
        target = targets.get(sh.get(f"{{{_NS_REL}}}id"), "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        out[sh.get("name", "")] = path
    return out


def _enclosing_cell(data: bytes, pos: int) -> tuple[int, int] | None:
    start = max(data.rfind(b"<c ", 0, pos), data.rfind(b":c ", 0, pos))
    if start < 0:
        return None
    m = _CELL_REF.match(data, start if data[start:start + 1] == b"<" else data.rfind(b"<", 0, start))
    if not m:
        return None
    return int(m.group(2)) - 1, col_index(m.group(1))


def scan_sheet_xml(data: bytes) -> tuple[dict[tuple[int, int], str],
                                          dict[tuple[int, int], str]]:
    """Return (formula cells -> formula text, error cells -> error text), 0-based (row, col).

    The formula text is ``=`` plus the formula as stored (empty for a shared formula's
    followers, whose text lives in the first cell).
    """
    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    if b"<f" not in data and b":f" not in data and b't="e"' not in data:
        return formulas, errors  # the common case: one memchr-speed pass per pattern
    for m in _F_TAG.finditer(data):
        cell = _enclosing_cell(data, m.start())
        if cell:
            ft = _F_TEXT.match(data, m.start())
            text = ft.group(1) if ft and ft.group(1) else b""
            formulas[cell] = "=" + _unescape(text.decode("utf-8", "replace"))
    for m in _ERR_ATTR.finditer(data):
        cell = _enclosing_cell(data, m.start() + 1)
        if not cell:
            continue
        end = data.find(b"</c>", m.end())
        v = _VALUE.search(data, m.end(), end if end > 0 else len(data))
        errors[cell] = v.group(1).decode("utf-8", "replace") if v else "#ERRORE"
    return formulas, errors


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


#: Byte patterns that may mean a cell text has stray white space (leading/trailing spaces
#: are stored with xml:space="preserve"; newlines, tabs, no-break spaces, double spaces).
_SPACE_MARKS = (b'xml:space="preserve"', b"  ", b"\n", b"\r", b"\t", b"&#10;", b"&#13;",
                b"&#9;", b"\xc2\xa0", b"&#160;", b"_x000A_", b"_x000D_", b"_x0009_")


def _body_start(xml: bytes) -> int:
    """Offset just after the XML declaration (whose line break is not cell text)."""
    if xml.startswith(b"<?xml"):
        end = xml.find(b"?>")
        if end > 0:
            start = end + 2
            while xml[start:start + 1] in (b"\r", b"\n"):
                start += 1
            return start
    return 0


def may_have_stray_spaces(shared: bytes, sheet: bytes) -> bool:
    """False when the XML proves no cell text has stray white space (the common case).

    Texts live in the shared strings part, or inline in the sheet (``inlineStr``); the
    sheet XML is searched only when it has inline strings. ``bytes.find`` from an offset
    (no copies) keeps this at memory speed.
    """
    parts = [shared] + ([sheet] if b"inlineStr" in sheet else [])
    for part in parts:
        start = _body_start(part)
        if any(part.find(mark, start) >= 0 for mark in _SPACE_MARKS):
            return True
    return False


@dataclass(frozen=True)
class SheetScan:
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    #: True when no text of the sheet can hold stray white space (so no check is needed).
    plain_text: bool = False


def scan_workbook(path: str, sheet_names: list[str]) -> dict[str, SheetScan]:
    """Formula cells, error cells and a white-space hint for the named sheets of a file."""
    out: dict[str, SheetScan] = {}
    with zipfile.ZipFile(path) as zf:
        parts = sheet_parts(zf)
        names = set(zf.namelist())
        shared = zf.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
        for name in sheet_names:
            part = parts.get(name)
            if part is None or part not in names:
                out[name] = SheetScan()
                continue
            data = zf.read(part)
            formulas, errors = scan_sheet_xml(data)
            out[name] = SheetScan(formulas, errors,
                                  plain_text=not may_have_stray_spaces(shared, data))
    return out
