"""Add worksheets to an existing workbook package without rewriting what is there.

The source ``.xlsx`` is a zip of XML parts. Every part of the user's workbook that needs
no change (its sheets, drawings, charts, images, comments, tables, pivot caches, VBA,
custom XML...) is copied into the new file as it is: the zip entry's compressed bytes
are copied raw, so the user's sheets are byte-for-byte the same parts. Only the parts
that list sheets and shared resources are rewritten, each by *appending* to it, so every
existing index and reference stays valid:

* ``[Content_Types].xml``: one ``Override`` per new part;
* the workbook part (``xl/workbook.xml``): one ``<sheet>`` per new sheet, and print titles
  appended to ``<definedNames>``;
* its relationships: one per new sheet (and the shared strings, if the source had none);
* ``styles.xml``: the fonts, fills and cell formats of the new sheets appended;
* ``sharedStrings.xml``: the strings of the new sheets appended after the existing ones.

New sheets are streamed into the zip one at a time (``add_sheet``), so memory holds one
sheet's XML at a time. Packages this module does not understand (Strict OOXML, prefixed
XML, missing parts) raise ``UnsupportedPackage`` before anything is written; callers fall
back to a full round trip.
"""

from __future__ import annotations

import itertools
import os
import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xl_albero.io.xml_rows import (
    _Strings,
    items_pieces,
    items_size_bound,
    part_info,
    write_streamed,
    xml_text,
)

#: Bytes of a part read at a time; the last ``_TAIL`` bytes of the shared strings are held
#: back while streaming it (the closing tag, and white space after it, are there).
_READ_PIECE = 1 << 22
_TAIL = 4096


def part_pieces(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """Part ``name`` of an open package, ``_READ_PIECE`` bytes at a time (a big tree's
    parts are hundreds of MB)."""
    with zf.open(name) as fh:
        while piece := fh.read(_READ_PIECE):
            yield piece


def _count_items(pieces: Iterable[bytes]) -> int:
    """``<si>`` items (``<si>``, ``<si ...>``, ``<si/>``) in a part read in pieces, also
    when a tag is cut between two pieces."""
    n = 0
    carry = b""
    for piece in pieces:
        buf = carry + piece
        cut = max(len(buf) - 4, 0)  # tags starting before here are complete: counted now
        n += sum(buf.count(t, 0, cut + len(t) - 1) for t in (b"<si>", b"<si ", b"<si/>"))
        carry = buf[cut:]
    return n + sum(carry.count(t) for t in (b"<si>", b"<si ", b"<si/>"))
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RT = REL_NS
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MAIN_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


class UnsupportedPackage(Exception):
    """The package has a shape this module does not edit in place."""


def xml_attr(v: str) -> str:
    """Text escaped for an XML attribute value in double quotes."""
    return xml_text(v).replace('"', "&quot;")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse(data: bytes, what: str) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnsupportedPackage(f"{what}: {exc}") from exc


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


def _rels_path(part: str) -> str:
    d, name = posixpath.split(part)
    return posixpath.join(d, "_rels", name + ".rels")


def _unprefixed(text: str, root: str) -> None:
    """Refuse XML whose root element carries a namespace prefix (rare producers)."""
    m = re.search(r"<([A-Za-z_][\w.-]*:)?" + root + r"[\s>/]", text)
    if m is None or m.group(1):
        raise UnsupportedPackage(f"elemento <{root}> con prefisso o mancante")


def _insert_before_close(text: str, tag: str, addition: str) -> str:
    """``addition`` inserted before ``</tag>`` (the last one)."""
    i = text.rfind(f"</{tag}>")
    if i < 0:
        raise UnsupportedPackage(f"</{tag}> non trovato")
    return text[:i] + addition + text[i:]


def _set_count(text: str, tag: str, count: int) -> str:
    """The ``count`` attribute of the first ``<tag ...>`` set to ``count``."""
    m = re.search(r"<" + tag + r"\b([^>]*)>", text)
    if m is None:
        raise UnsupportedPackage(f"<{tag}> non trovato")
    attrs = m.group(1)
    if attrs.endswith("/"):
        raise UnsupportedPackage(f"<{tag}/> vuoto")
    if re.search(r'\bcount="\d*"', attrs):
        attrs = re.sub(r'\bcount="\d*"', f'count="{count}"', attrs, count=1)
    else:
        attrs = f' count="{count}"' + attrs
    return text[:m.start()] + f"<{tag}{attrs}>" + text[m.end():]


# --- raw zip copy -------------------------------------------------------------------------
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


def _strip_zip64(extra: bytes) -> bytes:
    out, i = b"", 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i:i + 4])
        if tag != 1:
            out += extra[i:i + 4 + size]
        i += 4 + size
    return out


def copy_raw(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy one entry's compressed bytes from ``zin`` to ``zout`` (no recompression)."""
    fp = zin.fp
    assert fp is not None and zout.fp is not None
    fp.seek(info.header_offset)
    header = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
    fp.seek(info.header_offset + _LOCAL_HEADER.size + header[-2] + header[-1])
    data = fp.read(info.compress_size)
    new = zipfile.ZipInfo(info.filename, info.date_time)
    for attr in ("compress_type", "comment", "create_system", "create_version",
                 "extract_version", "volume", "internal_attr", "external_attr", "CRC",
                 "compress_size", "file_size"):
        setattr(new, attr, getattr(info, attr))
    new.flag_bits = info.flag_bits & ~0x08  # sizes are in the header: no data descriptor
    new.extra = _strip_zip64(info.extra)
    new.header_offset = zout.fp.tell()
    zout.fp.write(new.FileHeader())
    zout.fp.write(data)
    zout.filelist.append(new)
    zout.NameToInfo[new.filename] = new
    zout.start_dir = zout.fp.tell()
    zout._didModify = True  # noqa: SLF001 - zipfile has no public raw-copy API


# --- styles -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CellStyle:
    """A cell format to append: font/fill given as XML (``None`` = the workbook default)."""

    font: str | None = None
    fill: str | None = None
    num_fmt_id: int = 0
    alignment: str = ""  # e.g. '<alignment wrapText="1" vertical="top"/>'


def _append_styles(xml: str, styles: list[CellStyle]) -> tuple[str, list[int]]:
    """``xml`` (styles part) with ``styles`` appended; their cellXfs indexes."""
    root = _parse(xml.encode("utf-8"), "styles")
    if not root.tag.startswith("{" + MAIN_NS + "}"):
        raise UnsupportedPackage("styles: spazio dei nomi non transitional")
    _unprefixed(xml, "styleSheet")
    counts = {}
    for name in ("fonts", "fills", "cellXfs"):
        el = root.find(f"{{{MAIN_NS}}}{name}")
        if el is None:
            raise UnsupportedPackage(f"styles: manca <{name}>")
        counts[name] = len(el)
    fonts = list(dict.fromkeys(s.font for s in styles if s.font))
    fills = list(dict.fromkeys(s.fill for s in styles if s.fill))
    xfs = []
    for s in styles:
        font_id = counts["fonts"] + fonts.index(s.font) if s.font else 0
        fill_id = counts["fills"] + fills.index(s.fill) if s.fill else 0
        attrs = (f'numFmtId="{s.num_fmt_id}" fontId="{font_id}" fillId="{fill_id}" '
                 f'borderId="0" xfId="0"')
        if s.num_fmt_id:
            attrs += ' applyNumberFormat="1"'
        if s.font:
            attrs += ' applyFont="1"'
        if s.fill:
            attrs += ' applyFill="1"'
        if s.alignment:
            attrs += ' applyAlignment="1"'
        xfs.append(f"<xf {attrs}>{s.alignment}</xf>" if s.alignment else f"<xf {attrs}/>")
    if fonts:
        xml = _set_count(_insert_before_close(xml, "fonts", "".join(fonts)), "fonts",
                         counts["fonts"] + len(fonts))
    if fills:
        xml = _set_count(_insert_before_close(xml, "fills", "".join(fills)), "fills",
                         counts["fills"] + len(fills))
    xml = _set_count(_insert_before_close(xml, "cellXfs", "".join(xfs)), "cellXfs",
                     counts["cellXfs"] + len(xfs))
    return xml, list(range(counts["cellXfs"], counts["cellXfs"] + len(xfs)))


# --- the appender ---------------------------------------------------------------------------
@dataclass
class _NewSheet:
    name: str
    part: str
    rel_id: str
    sheet_id: int
    table_part: str | None
    print_titles: str | None


@dataclass
class _Plan:
    sheets: list[_NewSheet] = field(default_factory=list)


class PackageAppender:
    """Append worksheets to the workbook package at ``source`` and write it to ``target``.

    Use: set ``target``, ``styles(...)`` once, then for each new sheet ``add_sheet``
    (streamed into the output as it is added; strings go through ``strings``), then
    ``close()`` (or ``abort()``).
    Raises ``UnsupportedPackage`` from the constructor for packages it cannot edit.
    """

    def __init__(self, source: str | os.PathLike, *, macros: bool) -> None:
        self.source = Path(source)
        self._zin = zipfile.ZipFile(self.source)
        try:
            self._read_structure()
        except BaseException:
            self._zin.close()
            raise
        self.macros = macros and self.has_vba
        self.strings = _Strings(None)
        self.strings.base = self._sst_count
        self._xfs: list[int] = []
        self._new: list[_NewSheet] = []
        self._zout: zipfile.ZipFile | None = None
        self.target: Path | None = None  # set before the first ``add_sheet``

    # ---- reading the structure
    def _read(self, name: str) -> bytes:
        try:
            return self._zin.read(name)
        except KeyError as exc:
            raise UnsupportedPackage(f"parte mancante: {name}") from exc

    def _pieces(self, name: str) -> Iterator[bytes]:
        """Part ``name`` a few MB at a time."""
        if name not in self.names:
            raise UnsupportedPackage(f"parte mancante: {name}")
        return part_pieces(self._zin, name)

    def _read_structure(self) -> None:
        self.names = {i.filename for i in self._zin.infolist()}
        root_rels = _parse(self._read("_rels/.rels"), "_rels/.rels")
        main = [r.get("Target", "") for r in root_rels
                if (r.get("Type") or "").endswith("/officeDocument")]
        if not main:
            raise UnsupportedPackage("nessuna parte principale")
        self.wb_part = _resolve("", main[0])
        self.wb_dir = posixpath.dirname(self.wb_part)
        self.wb_rels_part = _rels_path(self.wb_part)
        self.ct_xml = self._read("[Content_Types].xml").decode("utf-8")
        _unprefixed(self.ct_xml, "Types")
        self.wb_xml = self._read(self.wb_part).decode("utf-8")
        wb = _parse(self.wb_xml.encode("utf-8"), "workbook")
        if wb.tag != f"{{{MAIN_NS}}}workbook":
            raise UnsupportedPackage("workbook: formato Strict o sconosciuto")
        _unprefixed(self.wb_xml, "workbook")
        sheets = wb.find(f"{{{MAIN_NS}}}sheets")
        if sheets is None or not len(sheets):
            raise UnsupportedPackage("workbook: nessun foglio")
        self.sheet_names = [s.get("name", "") for s in sheets]
        self.sheet_ids = [int(s.get("sheetId") or 0) for s in sheets]
        dn = wb.find(f"{{{MAIN_NS}}}definedNames")
        self.defined_names = [d.get("name", "") for d in dn] if dn is not None else []
        self.wb_rels_xml = self._read(self.wb_rels_part).decode("utf-8")
        _unprefixed(self.wb_rels_xml, "Relationships")
        rels = _parse(self.wb_rels_xml.encode("utf-8"), "workbook rels")
        self.rel_ids = {r.get("Id", "") for r in rels}
        by_type: dict[str, str] = {}
        for r in rels:
            typ = (r.get("Type") or "").rpartition("/")[2]
            if r.get("TargetMode") != "External":
                by_type.setdefault(typ, _resolve(self.wb_dir, r.get("Target", "")))
        if "styles" not in by_type:
            raise UnsupportedPackage("manca la parte degli stili")
        self.styles_part = by_type["styles"]
        self.sst_part = by_type.get("sharedStrings")
        self.has_vba = "vbaProject" in by_type
        self._sst_count = 0
        self._sst_data: bytes | None = None  # a new part's text (the source's is streamed)
        if self.sst_part is not None:
            # a big tree's texts are hundreds of MB: read a piece at a time, never kept
            pieces = self._pieces(self.sst_part)
            head = b""
            for piece in pieces:  # the root element is at the start
                head += piece
                if len(head) >= 4096:
                    break
            _unprefixed(head[:4096].decode("utf-8", "replace"), "sst")
            self._sst_count = _count_items(itertools.chain([head], pieces))
        self.table_names: set[str] = set()
        self.table_ids: set[int] = set()
        for name in self.names:
            if name.startswith(posixpath.join(self.wb_dir, "tables/")) and name.endswith(".xml"):
                head = self._zin.read(name)[:2000].decode("utf-8", "replace")
                for attr in ("name", "displayName"):
                    m = re.search(r'<(?:\w+:)?table\b[^>]*?\s' + attr + r'="([^"]*)"', head)
                    if m:
                        self.table_names.add(m.group(1))
                m = re.search(r'<(?:\w+:)?table\b[^>]*?\sid="(\d+)"', head)
                if m:
                    self.table_ids.add(int(m.group(1)))

    # ---- writing
    def styles(self, styles: list[CellStyle]) -> list[int]:
        """Append cell formats to the styles part; their style indexes (``s="..."``)."""
        xml = self._read(self.styles_part).decode("utf-8")
        self._styles_xml, self._xfs = _append_styles(xml, styles)
        return self._xfs

    def _free(self, pattern: str) -> str:
        n = 1
        while pattern.format(n) in self.names:
            n += 1
        self.names.add(pattern.format(n))
        return pattern.format(n)

    def _start(self) -> zipfile.ZipFile:
        if self._zout is not None:
            return self._zout
        if self.target is None:
            raise ValueError("PackageAppender: target non impostato")
        zout = zipfile.ZipFile(self.target, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._zout = zout
        self._rewritten = {"[Content_Types].xml", self.wb_part, self.wb_rels_part,
                           self.styles_part}
        if self.sst_part:
            self._rewritten.add(self.sst_part)
        drop = set()
        if self.has_vba and not self.macros:
            drop = {n for n in self.names if posixpath.basename(n).startswith("vbaProject")}
        for info in self._zin.infolist():
            if info.filename in self._rewritten or info.filename in drop:
                continue
            copy_raw(self._zin, zout, info)
        return zout

    def add_sheet(self, name: str, chunks: Iterable[bytes], *, table_xml: str | None = None,
                  print_titles: str | None = None, size_bound: int | None = None) -> None:
        """Stream a new worksheet: ``chunks`` are its XML (UTF-8) in order. ``table_xml``:
        one Excel Table (its ``id`` written as ``{table_id}``); the sheet XML must then
        end with ``<tableParts count="1"><tablePart r:id="rIdT1"/></tableParts>``.
        ``print_titles``: the rows repeated on each printed page (``$2:$2``).
        ``size_bound``: a bound of the part's size (``None``: unknown, ZIP64 headers)."""
        zout = self._start()
        part = self._free(posixpath.join(self.wb_dir, "worksheets", "sheet{}.xml"))
        rid = self._free_rel()
        sheet_id = max([*self.sheet_ids, *(s.sheet_id for s in self._new)]) + 1
        table_part = None
        write_streamed(zout, part_info(part), chunks, size_bound)
        if table_xml is not None:
            table_part = self._free(posixpath.join(self.wb_dir, "tables", "table{}.xml"))
            tid = max(self.table_ids, default=0) + 1
            self.table_ids.add(tid)
            zout.writestr(table_part, table_xml.replace("{table_id}", str(tid)),
                          compresslevel=1)
            rel_target = posixpath.relpath(table_part, posixpath.dirname(part))
            zout.writestr(_rels_path(part), (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rIdT1" '
                f'Type="{RT}/table" Target="{rel_target}"/></Relationships>'))
        self._new.append(_NewSheet(name, part, rid, sheet_id, table_part, print_titles))

    def _free_rel(self) -> str:
        n = 1
        while f"rIdAlb{n}" in self.rel_ids:
            n += 1
        self.rel_ids.add(f"rIdAlb{n}")
        return f"rIdAlb{n}"

    def close(self) -> None:
        """Write the rewritten parts and close the output."""
        zout = self._start()
        try:
            self._finish(zout)
        finally:
            zout.close()
            self._zin.close()

    def abort(self) -> None:
        if self._zout is not None:
            self._zout.close()
        self._zin.close()

    def _finish(self, zout: zipfile.ZipFile) -> None:
        ct = self.ct_xml
        overrides = "".join(
            f'<Override PartName="/{s.part}" ContentType="{CT_SHEET}"/>'
            + (f'<Override PartName="/{s.table_part}" ContentType="{CT_TABLE}"/>'
               if s.table_part else "") for s in self._new)
        rels = "".join(f'<Relationship Id="{s.rel_id}" Type="{RT}/worksheet" '
                       f'Target="{posixpath.relpath(s.part, self.wb_dir)}"/>'
                       for s in self._new)
        added = self.strings.added
        if self.sst_part is None and added:
            self.sst_part = self._free(posixpath.join(self.wb_dir, "sharedStrings.xml"))
            self._sst_data = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                              f'<sst xmlns="{MAIN_NS}" count="0" uniqueCount="0"></sst>'
                              ).encode()
            overrides += f'<Override PartName="/{self.sst_part}" ContentType="{CT_SST}"/>'
            rels += (f'<Relationship Id="{self._free_rel()}" Type="{RT}/sharedStrings" '
                     f'Target="{posixpath.relpath(self.sst_part, self.wb_dir)}"/>')
        wb_ct = CT_MAIN_MACRO if self.macros else CT_MAIN
        if not self.macros and self.has_vba:  # macros dropped: no VBA part, plain type
            ct = re.sub(r'<Default Extension="bin"[^>]*vbaProject[^>]*/>', "", ct)
            ct = re.sub(r'<Override PartName="/[^"]*vbaProject[^"]*"[^>]*/>', "", ct)
            rels_xml = re.sub(r'<Relationship [^>]*Type="' + re.escape(_VBA_REL) + r'"[^>]*/>',
                              "", self.wb_rels_xml)
        else:
            rels_xml = self.wb_rels_xml
        ct = re.sub(r'(<Override PartName="/' + re.escape(self.wb_part)
                    + r'" ContentType=")[^"]*(")', lambda m: m.group(1) + wb_ct + m.group(2),
                    ct, count=1)
        zout.writestr("[Content_Types].xml", _insert_before_close(ct, "Types", overrides))
        zout.writestr(self.wb_rels_part, _insert_before_close(rels_xml, "Relationships", rels))
        zout.writestr(self.wb_part, self._workbook_xml())
        zout.writestr(self.styles_part, getattr(self, "_styles_xml", None)
                      or self._read(self.styles_part).decode("utf-8"))
        if self.sst_part is not None:
            source = (self._zin.getinfo(self.sst_part).file_size
                      if self._sst_data is None else len(self._sst_data))
            write_streamed(zout, part_info(self.sst_part), self._sst(added),
                           source + items_size_bound(added))

    def _sst(self, added: list[str]) -> Iterator[bytes]:
        """The shared strings part with ``added`` appended, in pieces: the source part is
        streamed from the package (never held whole), the new items are encoded a few
        thousand at a time."""
        assert self.sst_part is not None
        pieces = iter([self._sst_data]) if self._sst_data is not None else self._pieces(
            self.sst_part)
        head = b""
        m = None
        for piece in pieces:  # the root tag: within the first piece but for odd producers
            head += piece
            m = re.search(rb"<sst\b[^>]*>", head)
            if m is not None or len(head) > 1 << 24:
                break
        if m is None:
            raise UnsupportedPackage("<sst> non trovato")
        tag = m.group(0).decode("utf-8")
        total = self.strings.base + len(added)
        refs = self.strings.refs
        old_refs = re.search(r'\scount="(\d+)"', tag)
        refs += int(old_refs.group(1)) if old_refs else self.strings.base
        for attr, value in (("count", refs), ("uniqueCount", total)):
            if re.search(r"\s" + attr + r'="\d*"', tag):
                tag = re.sub(r"(\s" + attr + r')="\d*"', rf'\1="{value}"', tag, count=1)
            else:
                tag = tag[:-1] + f' {attr}="{value}">'
        yield head[:m.start()]
        yield tag.encode("utf-8")
        # the source's items, held back by a few bytes to find the closing tag at the end
        rest = head[m.end():]
        for piece in pieces:
            rest += piece
            if len(rest) > _READ_PIECE:
                yield rest[:-_TAIL]
                rest = rest[-_TAIL:]
        close = rest.rfind(b"</sst>")
        if close < 0:
            raise UnsupportedPackage("</sst> non trovato")
        yield rest[:close]
        yield from items_pieces(added)
        yield rest[close:]

    def _workbook_xml(self) -> str:
        xml = self.wb_xml
        m = re.search(r"<workbook\b[^>]*>", xml)
        assert m is not None
        pm = re.search(r'xmlns:([\w.-]+)="' + re.escape(REL_NS) + '"', m.group(0))
        r, decl = (pm.group(1), "") if pm else ("r", f' xmlns:r="{REL_NS}"')
        sheets = "".join(f'<sheet name="{xml_attr(s.name)}" sheetId="{s.sheet_id}"{decl} '
                         f'{r}:id="{s.rel_id}"/>' for s in self._new)
        xml = _insert_before_close(xml, "sheets", sheets)
        first = len(self.sheet_names)
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{first + k}">'
            f"{xml_text(quote_sheet(s.name))}!{s.print_titles}</definedName>"
            for k, s in enumerate(self._new) if s.print_titles)
        if not names:
            return xml
        if "</definedNames>" in xml:
            return _insert_before_close(xml, "definedNames", names)
        # <definedNames> follows sheets, functionGroups and externalReferences
        ends = [mm.end() for mm in re.finditer(
            r"</sheets>|<functionGroups\b[^>]*/>|</functionGroups>|</externalReferences>", xml)]
        at = max(ends)
        return xml[:at] + f"<definedNames>{names}</definedNames>" + xml[at:]


def quote_sheet(name: str) -> str:
    """A sheet name as formulas quote it: ``'Sheet name'`` (quotes doubled)."""
    return "'" + name.replace("'", "''") + "'"
