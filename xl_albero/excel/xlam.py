"""Put the ribbon (``customUI14.xml``) into an ``.xlam`` file: the step the Office RibbonX
Editor does, without installing it.

An ``.xlam`` is a ZIP package. The ribbon is the part ``customUI/customUI14.xml`` plus a
relationship of type :data:`~xl_albero.excel.ribbon_xml.REL_TYPE` in ``_rels/.rels``.
:func:`add_customui` copies every other part byte for byte, drops any previous ribbon
(everything under ``customUI/``, e.g. the *MyAddin* tab of ``xlwings quickstart --addin
--ribbon``) and writes a new file atomically; the source file is never modified.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from xl_albero.errors import InputFileError
from xl_albero.excel.ribbon_xml import REL_TYPE
from xl_albero.io.atomic import check_output, write_atomic

PART = "customUI/customUI14.xml"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
#: Relationship types of ribbon parts (Office 2007 and 2010+), replaced by ours.
UI_REL_TYPES = (
    "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    REL_TYPE,
)
REL_ID = "rIdAlberoRibbon"


def _rels_with_ribbon(rels_xml: bytes) -> tuple[bytes, set[str]]:
    """``_rels/.rels`` with our ribbon relationship; also the old ribbon part names."""
    ET.register_namespace("", REL_NS)
    root = ET.fromstring(rels_xml)
    old: set[str] = set()
    for rel in list(root):
        if rel.get("Type") in UI_REL_TYPES:
            old.add(rel.get("Target", "").lstrip("/"))
            root.remove(rel)
    ids = {rel.get("Id") for rel in root}
    rid = REL_ID
    while rid in ids:
        rid += "_"
    ET.SubElement(root, f"{{{REL_NS}}}Relationship",
                  {"Id": rid, "Type": REL_TYPE, "Target": PART})
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode(), old


def _content_types(ct_xml: bytes, dropped: set[str]) -> bytes:
    """``[Content_Types].xml`` declaring ``.xml`` parts, without overrides of dropped parts."""
    ET.register_namespace("", CT_NS)
    root = ET.fromstring(ct_xml)
    for node in list(root):
        if node.tag == f"{{{CT_NS}}}Override" and node.get("PartName", "").lstrip("/") in dropped:
            root.remove(node)
    has_xml = any(node.tag == f"{{{CT_NS}}}Default" and node.get("Extension", "").lower() == "xml"
                  for node in root)
    if not has_xml:
        ET.SubElement(root, f"{{{CT_NS}}}Override",
                      {"PartName": "/" + PART, "ContentType": "application/xml"})
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode()


def add_customui(source: str | os.PathLike, output: str | os.PathLike, xml_text: str, *,
                 overwrite: bool = False) -> Path:
    """Write ``output``: the add-in ``source`` with ``xml_text`` as its ribbon."""
    src = Path(source)
    out = check_output(output, sources=(src,), overwrite=overwrite)
    if not src.is_file():
        raise InputFileError(f"Il file «{src}» non esiste.")
    if src.suffix.lower() not in (".xlam", ".xlsm"):
        raise InputFileError(f"«{src.name}» non è un componente aggiuntivo .xlam (né un .xlsm).")
    try:
        with zipfile.ZipFile(src) as zin:
            names = zin.namelist()
            if "_rels/.rels" not in names or "[Content_Types].xml" not in names:
                raise InputFileError(f"«{src.name}» non è una cartella di Excel valida.")
            if "xl/vbaProject.bin" not in names:
                raise InputFileError(
                    f"«{src.name}» non contiene macro: importare prima il modulo "
                    "AlberoRibbon.bas e il modulo xlwings, poi salvare come .xlam.")
            rels, old = _rels_with_ribbon(zin.read("_rels/.rels"))
            # the whole previous ribbon goes: its parts, their images and relationships
            dropped = old | {PART} | {n for n in names if n.startswith("customUI/")}
            ctypes = _content_types(zin.read("[Content_Types].xml"), dropped)
            parts = [(info, zin.read(info)) for info in zin.infolist()
                     if info.filename not in dropped
                     and info.filename not in ("_rels/.rels", "[Content_Types].xml")]
    except (zipfile.BadZipFile, ET.ParseError) as exc:
        raise InputFileError(f"«{src.name}» è danneggiato o non è un file di Excel.") from exc

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            zout.writestr("[Content_Types].xml", ctypes)
            zout.writestr("_rels/.rels", rels)
            for info, data in parts:
                zout.writestr(info, data)
            zout.writestr(PART, xml_text.encode("utf-8"))

    return write_atomic(out, write)
