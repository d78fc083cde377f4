"""Find formula and error cells in a worksheet's XML without parsing the whole sheet.

python-calamine returns cached values only and turns Excel error values into empty
cells, so the reader asks this module which cells hold a formula or an error. The scan
looks for the few byte patterns that matter and walks back to the enclosing ``<c>``:
a sheet without formulas or errors costs one ``bytes.find`` pass.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
#: ISO 29500 Strict ("Strict Open XML" in Excel's Save As) spells the namespaces so.
_NS_MAIN_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_NS_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"

FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
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
    sheets = [*wb.iter(f"{{{_NS_MAIN}}}sheet"), *wb.iter(f"{{{_NS_MAIN_STRICT}}}sheet")]
    for sh in sheets:
        rid = sh.get(f"{{{_NS_REL}}}id") or sh.get(f"{{{_NS_REL_STRICT}}}id")
        target = targets.get(rid, "")
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


@dataclass(frozen=True)
class SheetMarks:
    """What kinds of cells a sheet's XML may hold (False: surely none)."""

    formulas: bool
    errors: bool
    #: inline strings or formula results (``t="inlineStr"``, ``t="str"``): texts that live
    #: in the sheet XML rather than in the shared strings
    inline_texts: bool


def sheet_marks(data: bytes) -> SheetMarks:
    """``SheetMarks`` in a few memchr-speed passes (``:f`` only in prefixed XML)."""
    prefixed = _NS_PREFIX.search(data[:4096]) is not None
    return SheetMarks(formulas=b"<f" in data or (prefixed and b":f" in data),
                      errors=b't="e"' in data,
                      inline_texts=b"inlineStr" in data or b't="str"' in data)


#: A prefixed root element (``<x:worksheet``): tags may then be ``<x:f>``.
_NS_PREFIX = re.compile(rb"<\w+:worksheet")


def scan_sheet_xml(data: bytes, marks: SheetMarks | None = None,
                   ) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """Return (formula cells -> formula text, error cells -> error text), 0-based (row, col).

    The formula text is ``=`` plus the formula as stored (empty for a shared formula's
    followers, whose text lives in the first cell).
    """
    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    marks = sheet_marks(data) if marks is None else marks
    if not marks.formulas and not marks.errors:
        return formulas, errors  # the common case: a few memchr-speed passes
    if _CELL_WITHOUT_REF.search(data):  # legal OOXML: cells placed by their order
        return _scan_positional(data)
    for m in FORMULA_TAG.finditer(data):
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


#: A ``<c>`` start tag without an ``r`` attribute.
_CELL_WITHOUT_REF = re.compile(rb'<(?:\w+:)?c(?:>|/>|\s(?![^>]*\br=)[^>]*>)')


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _scan_positional(data: bytes) -> tuple[dict[tuple[int, int], str],
                                           dict[tuple[int, int], str]]:
    """Formula and error cells of a sheet whose cells (or rows) may lack ``r=``: a full
    streaming parse, each cell placed after the previous one as Excel does."""
    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    row, col = -1, -1
    for event, el in ET.iterparse(io.BytesIO(data), events=("start", "end")):
        name = _local(el.tag)
        if event == "start":
            if name == "row":
                r = el.get("r")
                row, col = (int(r) - 1 if r and r.isdigit() else row + 1), -1
            elif name == "c":
                ref = el.get("r")
                m = _REF_TEXT.fullmatch(ref or "")
                if m:
                    col, row = col_index(m.group(1)), int(m.group(2)) - 1
                else:
                    col += 1
            continue
        if name != "c":
            continue
        f = next((x for x in el if _local(x.tag) == "f"), None)
        if f is not None:
            formulas[(row, col)] = "=" + (f.text or "")
        if el.get("t") == "e":
            v = next((x for x in el if _local(x.tag) == "v"), None)
            errors[(row, col)] = (v.text or "#ERRORE") if v is not None else "#ERRORE"
        el.clear()
    return formulas, errors


_REF_TEXT = re.compile(r"([A-Z]{1,3})(\d{1,7})")
def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


#: Byte patterns that may mean a cell text has stray white space (leading/trailing spaces
#: are stored with xml:space="preserve"; newlines, tabs, no-break spaces, double spaces).
_SPACE_MARKS = (b'xml:space="preserve"', b"  ", b"\n", b"\r", b"\t", b"&#10;", b"&#13;",
                b"&#9;", b"\xc2\xa0", b"&#160;", b"_x000A_", b"_x000D_", b"_x0009_")


# the same marks, grouped for speed (``may_have_stray_spaces``): the line blanks in one
# translate pass, character references and ``_xHHHH_`` escapes behind their rare prefix
_ALL_BUT_LINE_BLANKS = bytes(b for b in range(256) if b not in b"\n\r\t")
_PLAIN_MARKS = (b'xml:space="preserve"', b"  ", b"\xc2\xa0")
_MARKS_BY_PREFIX = ((b"&#", (b"&#10;", b"&#13;", b"&#9;", b"&#160;")),
                    (b"_x000", (b"_x000A_", b"_x000D_", b"_x0009_")))
assert {*_PLAIN_MARKS, *(m for _, ms in _MARKS_BY_PREFIX for m in ms), b"\n", b"\r",
        b"\t"} == set(_SPACE_MARKS)


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


def may_have_stray_spaces(shared: bytes, sheet: bytes, inline: bool | None = None) -> bool:
    """False when the XML proves no cell text has stray white space (the common case).

    Texts live in the shared strings part, or inline in the sheet (``inlineStr``); the
    sheet XML is searched only when it has inline strings. ``bytes.find`` from an offset
    (no copies) keeps this at memory speed.
    """
    inline = b"inlineStr" in sheet if inline is None else inline
    parts = [shared] + ([sheet] if inline else [])
    for part in parts:
        start = _body_start(part)
        # \n \r \t after the declaration: one pass, no copy of the part
        if len(part.translate(None, _ALL_BUT_LINE_BLANKS)) > len(
                part[:start].translate(None, _ALL_BUT_LINE_BLANKS)):
            return True
        if any(part.find(mark, start) >= 0 for mark in _PLAIN_MARKS):
            return True
        for prefix, marks in _MARKS_BY_PREFIX:  # rare prefixes: one pass each
            if part.find(prefix, start) >= 0 and any(part.find(m, start) >= 0 for m in marks):
                return True
    return False


#: A text longer than Excel's 32,767 characters needs at least that many bytes between
#: tags (bytes >= characters in UTF-8, escapes included): one fast regex pass.
_LONG_TEXT = re.compile(rb">[^<]{32768}")


def may_have_long_text(shared: bytes, sheet: bytes, inline: bool | None = None) -> bool:
    """False when no cell text of the sheet can exceed Excel's 32,767 characters."""
    inline = b"inlineStr" in sheet if inline is None else inline
    parts = [shared] + ([sheet] if inline else [])
    return any(len(p) > 32767 and _LONG_TEXT.search(p) for p in parts)


#: UTF-8 lead bytes of characters above U+00FF (U+0000-U+00FF take bytes below 0xC4).
_BEYOND_LATIN1 = bytes(range(0xC4))


def nfc_text(shared: bytes, sheet: bytes, marks: SheetMarks | None = None) -> bool:
    """True when every text of the sheet is surely in NFC (composed accents), so the
    reader may skip normalising cell by cell: Latin-1 text always is (one C pass finds
    no character above U+00FF); other text when the whole part is NFC (one C check, and no
    character reference that could spell a decomposed accent)."""
    marks = sheet_marks(sheet) if marks is None else marks
    # texts in the sheet itself: inline strings, formula results, formula texts
    parts = [shared] + ([sheet] if marks.inline_texts or marks.formulas else [])
    for part in parts:
        if b"&#" in part:  # a character reference may spell a decomposed accent
            return False
        if not part.translate(None, _BEYOND_LATIN1):
            continue  # Latin-1 only
        if not all(_nfc_bytes(chunk) for chunk in _chunks_at_tags(part)):
            return False
    return True


def _nfc_bytes(chunk: bytes) -> bool:
    try:
        return unicodedata.is_normalized("NFC", chunk.decode("utf-8"))
    except UnicodeDecodeError:
        return False


#: Text decoded a few MB at a time (a whole shared-strings part of a 1M-row tree would
#: take hundreds of MB as a Python string).
_NFC_CHUNK = 4 << 20


def _chunks_at_tags(part: bytes) -> Iterator[bytes]:
    """``part`` in pieces of about ``_NFC_CHUNK`` bytes, each cut just before a ``<``: a
    starter character that composes with nothing, so each piece is NFC on its own exactly
    when the whole is."""
    start = 0
    while start < len(part):
        cut = part.find(b"<", start + _NFC_CHUNK) if len(part) - start > _NFC_CHUNK else -1
        end = len(part) if cut < 0 else cut
        yield part[start:end]
        start = end


@dataclass(frozen=True)
class SheetScan:
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    #: True when no text of the sheet can hold stray white space (so no check is needed).
    plain_text: bool = False
    #: True when some text may be longer than Excel's 32,767 characters.
    long_text: bool = False
    #: True when every text is surely in NFC (no normalisation pass is needed).
    nfc_text: bool = False
    #: True when the whole sheet was scanned: ``formulas`` holds every formula it has.
    complete: bool = False


class WorkbookXml:
    """The zip of a checked workbook, opened once: sheet parts by name, shared strings."""

    def __init__(self, path: str | os.PathLike) -> None:
        self._zf = zipfile.ZipFile(path)
        try:
            self.parts = sheet_parts(self._zf)
        except (KeyError, ET.ParseError):
            self.parts = {}
        self._names = set(self._zf.namelist())

    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> WorkbookXml:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def package(self) -> zipfile.ZipFile:
        """The open package (for parts other than sheets: styles...)."""
        return self._zf

    @property
    def external_links(self) -> list[str]:
        """Parts holding links to other workbooks (``xl/externalLinks/...``)."""
        return sorted(n for n in self._names if n.startswith("xl/externalLinks/")
                      and n.endswith(".xml"))

    def sheet(self, name: str) -> bytes | None:
        part = self.parts.get(name)
        return self._zf.read(part) if part is not None and part in self._names else None

    @property
    def shared(self) -> bytes:
        """The shared strings part, read afresh each time: kept, it would hold hundreds of
        MB (a big tree's texts) for as long as the workbook is open; a file's tree sheet
        is scanned once."""
        return (self._zf.read("xl/sharedStrings.xml")
                if "xl/sharedStrings.xml" in self._names else b"")


def scan_data(data: bytes | None, shared: bytes) -> SheetScan:
    """Formula cells, error cells and the white-space hint of one sheet's XML."""
    if data is None:
        return SheetScan()
    marks = sheet_marks(data)
    inline = marks.inline_texts
    formulas, errors = scan_sheet_xml(data, marks)
    return SheetScan(formulas, errors,
                     plain_text=not may_have_stray_spaces(shared, data, inline),
                     long_text=may_have_long_text(shared, data, inline),
                     nfc_text=nfc_text(shared, data, marks), complete=True)
