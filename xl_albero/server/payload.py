"""Check the JSON Excel sends (the xlwings ``book`` payload) before touching it (pure).

A malformed request gets a ``PayloadError`` with an Italian message (HTTP 400), never
a server error.
"""

from __future__ import annotations

import json
from typing import Any


class PayloadError(ValueError):
    """The request body is not a workbook payload; ``str()`` is an Italian message."""


_SHEET_LISTS = ("pictures", "shapes", "charts", "tables", "pivot_tables", "notes")


def parse(body: bytes) -> dict[str, Any]:
    """Decode and check a payload; fill the optional lists older clients omit."""
    if not body:
        raise PayloadError("Richiesta vuota: manca la cartella di lavoro (JSON inviato da Excel).")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"Il corpo della richiesta non è JSON valido: {exc}.") from exc
    if not isinstance(data, dict):
        raise PayloadError("Il JSON della richiesta deve essere un oggetto con «book» e «sheets».")
    for key, kind in (("version", str), ("book", dict), ("sheets", list)):
        if not isinstance(data.get(key), kind):
            raise PayloadError(f"Nella richiesta manca «{key}» o non è del tipo atteso: non "
                               "sembra inviata dal componente aggiuntivo di Excel.")
    data.setdefault("client", "Office.js")
    book = data["book"]
    if not isinstance(book.get("name"), str):
        raise PayloadError("Nella richiesta manca il nome della cartella di lavoro (book.name).")
    if not data["sheets"]:
        raise PayloadError("La cartella di lavoro inviata non ha fogli.")
    if not isinstance(book.get("active_sheet_index", 0), int):
        raise PayloadError("book.active_sheet_index deve essere un numero intero.")
    book.setdefault("active_sheet_index", 0)
    book.setdefault("selection", None)
    names = data.setdefault("names", [])
    if not isinstance(names, list) or not all(isinstance(n, dict) for n in names):
        raise PayloadError("«names» deve essere un elenco di nomi definiti.")
    for i, sheet in enumerate(data["sheets"], start=1):
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str):
            raise PayloadError(f"Il foglio n. {i} della richiesta non ha un nome.")
        values = sheet.get("values")
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise PayloadError(f"I valori del foglio «{sheet['name']}» devono essere una "
                               "tabella (elenco di righe).")
        for key in _SHEET_LISTS:
            if not isinstance(sheet.setdefault(key, []), list):
                raise PayloadError(f"«{key}» del foglio «{sheet['name']}» deve essere un elenco.")
        sheet.setdefault("visibility", "Visible")
        merged = sheet.get("merged_areas")
        if merged is not None and (not isinstance(merged, list)
                                   or not all(isinstance(a, str) for a in merged)):
            raise PayloadError(f"«merged_areas» del foglio «{sheet['name']}» deve essere un "
                               "elenco di indirizzi (es. \"A3:A10\").")
    return _finish(data)


def merged_areas(data: dict[str, Any]) -> dict[str, list[str]] | None:
    """Sheet name -> merged area addresses the add-in sent (``merged_areas`` of each
    sheet), removed from the payload; ``None`` when the client sent none (an older task
    pane or xlwings' own ``runPython``)."""
    out: dict[str, list[str]] = {}
    sent = False
    for sheet in data.get("sheets", []):
        areas = sheet.pop("merged_areas", None)
        if areas is not None:
            sent = True
            out[str(sheet["name"])] = list(areas)
    return out if sent else None


def _finish(data: dict[str, Any]) -> dict[str, Any]:
    args = data.pop("args", [])
    if not isinstance(args, list):
        raise PayloadError("«args» deve essere un elenco JSON.")
    data["args"] = args
    return data
