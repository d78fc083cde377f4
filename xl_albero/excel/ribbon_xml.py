"""The ``customUI14.xml`` of the classic desktop add-in, derived from the registry (pure).

``macros/customUI14.xml`` is this module's output (``macros/generate_customui.py``
writes it; a test checks the committed file is up to date). One large button per ribbon
command of :mod:`xl_albero.commands`, grouped by purpose, each calling the VBA callback
``Albero_<name>`` of ``macros/AlberoRibbon.bas``; plus an *Informazioni* button.
Non-ASCII characters are written as character references (``&#224;``), so the file
survives any editor or code page on its way into the ``.xlam``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from xl_albero.commands import Command, ribbon_commands

NS = "http://schemas.microsoft.com/office/2009/07/customui"
#: Relationship type of ``customUI/customUI14.xml`` in ``_rels/.rels`` (Office 2010+).
REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
TAB_ID = "tabAlbero"
TAB_LABEL = "Albero Performance"

#: Ribbon groups by purpose: (id, Italian label, command names).
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("grpControllo", "Controllo", ("valida",)),
    ("grpProspetti", "Prospetti", ("settori", "riepilogo")),
    ("grpCiclo", "Ciclo annuale", ("nuovo_ciclo",)),
    ("grpRendiconto", "Rendicontazione", ("relazione",)),
    ("grpInvio", "Invio", ("invia",)),
)
OTHER_GROUP = ("grpAltro", "Altri comandi")

#: Built-in Office icon (``imageMso``) for each registry icon name.
IMAGE_MSO: dict[str, str] = {
    "valida": "DataValidation",
    "settori": "TableInsert",
    "riepilogo": "PivotTableInsert",
    "nuovo_ciclo": "DateAndTimeInsert",
    "invia": "FileSendAsAttachment",
    "relazione": "ExportWord",
    "raccogli": "ImportExcel",
}
DEFAULT_IMAGE_MSO = "MacroPlay"

ABOUT_ID = "btnInformazioni"
ABOUT_CALLBACK = "Albero_Informazioni"
ABOUT_LABEL = "Informazioni"
ABOUT_TIP = "Versione di xl-albero e dove trovare la guida"


@dataclass(frozen=True)
class RibbonButton:
    id: str
    label: str
    screentip: str
    supertip: str
    image_mso: str
    on_action: str


def button_id(cmd: Command) -> str:
    return f"btn_{cmd.name}"


def callback_name(cmd: Command) -> str:
    """Name of the VBA ``Sub`` in ``AlberoRibbon.bas`` that runs ``cmd``."""
    return f"Albero_{cmd.name}"


def command_button(cmd: Command) -> RibbonButton:
    return RibbonButton(id=button_id(cmd), label=cmd.label, screentip=cmd.label,
                        supertip=cmd.tooltip,
                        image_mso=IMAGE_MSO.get(cmd.icon, DEFAULT_IMAGE_MSO),
                        on_action=callback_name(cmd))


ABOUT = RibbonButton(id=ABOUT_ID, label=ABOUT_LABEL, screentip=ABOUT_LABEL,
                     supertip=ABOUT_TIP, image_mso="Info", on_action=ABOUT_CALLBACK)


def groups(commands: tuple[Command, ...] | None = None
           ) -> list[tuple[str, str, list[RibbonButton]]]:
    """Groups with their buttons, in ribbon order; unplaced commands go to *Altri comandi*."""
    cmds = ribbon_commands() if commands is None else commands
    by_name = {c.name: c for c in cmds}
    placed: set[str] = set()
    out: list[tuple[str, str, list[RibbonButton]]] = []
    for gid, label, names in GROUPS:
        buttons = [command_button(by_name[n]) for n in names if n in by_name]
        placed.update(n for n in names if n in by_name)
        if buttons:
            out.append((gid, label, buttons))
    rest = [command_button(c) for c in cmds if c.name not in placed]
    if rest:
        out.append((*OTHER_GROUP, rest))
    out.append(("grpInformazioni", ABOUT_LABEL, [ABOUT]))
    return out


def customui_xml(commands: tuple[Command, ...] | None = None) -> str:
    """The ``customUI14.xml`` text (ASCII only, UTF-8 declared)."""
    ET.register_namespace("", NS)
    q = f"{{{NS}}}"
    root = ET.Element(q + "customUI")
    tabs = ET.SubElement(ET.SubElement(root, q + "ribbon"), q + "tabs")
    tab = ET.SubElement(tabs, q + "tab", {"id": TAB_ID, "label": TAB_LABEL,
                                          "insertAfterMso": "TabHome"})
    for gid, label, buttons in groups(commands):
        group = ET.SubElement(tab, q + "group", {"id": gid, "label": label})
        for b in buttons:
            ET.SubElement(group, q + "button", {
                "id": b.id, "label": b.label, "size": "large", "imageMso": b.image_mso,
                "screentip": b.screentip, "supertip": b.supertip, "onAction": b.on_action,
            })
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    body = body.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n"
