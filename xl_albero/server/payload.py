"""Check the JSON Excel sends (the xlwings ``book`` payload) before touching it (pure).

A malformed request gets a ``PayloadError`` with an Italian message (HTTP 400), never
a server error: JSON nested deeper than a workbook payload can be, numbers that are not
finite (``Infinity``, ``NaN``, ``1e400``), text that is not valid Unicode (a lone UTF-16
surrogate such as ``"\\ud800"``), cells that are objects, defined names without a name.
"""

from __future__ import annotations

import json
import math
from typing import Any

from xl_albero.model import col_letter


class PayloadError(ValueError):
    """The request body is not a workbook payload; ``str()`` is an Italian message."""


_SHEET_LISTS = ("pictures", "shapes", "charts", "tables", "pivot_tables", "notes")


def _constant(name: str) -> float:
    raise PayloadError(f"Il JSON della richiesta contiene «{name}»: i numeri delle celle "
                       "devono essere finiti.")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise PayloadError(f"Il numero {text[:40]} della richiesta è troppo grande: Excel "
                           "non può contenerlo in una cella.")
    return value


def decode(body: bytes) -> Any:
    """``json.loads`` that only raises ``PayloadError`` (Italian), whatever the body."""
    if not body:
        raise PayloadError("Richiesta vuota: manca la cartella di lavoro (JSON inviato da Excel).")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"Il corpo della richiesta non è testo UTF-8 (byte {exc.start}).") \
            from None
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"Il corpo della richiesta non è JSON valido (riga {exc.lineno}, "
                           f"colonna {exc.colno}: {_ITALIAN.get(exc.msg, exc.msg)}).") from None
    except RecursionError:
        # the C decoder stops cleanly at the recursion limit (~1,000 levels); a workbook
        # payload is 6 levels deep
        raise PayloadError("Il JSON della richiesta è annidato troppo in profondità: non è "
                           "una cartella di lavoro inviata da Excel.") from None


_ITALIAN = {
    "Expecting value": "manca un valore",
    "Expecting property name enclosed in double quotes": "manca il nome di una chiave tra "
                                                         "virgolette",
    "Expecting ',' delimiter": "manca una virgola",
    "Expecting ':' delimiter": "mancano i due punti",
    "Extra data": "testo in più dopo la fine",
    "Unterminated string starting at": "testo non chiuso",
    "Invalid control character at": "carattere di controllo non ammesso",
    "Invalid \\escape": "sequenza di escape non valida",
}


def bad_text(value: str) -> int | None:
    """Position of the first lone UTF-16 surrogate in ``value`` (not valid Unicode)."""
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def check_cell(value: Any, where: str) -> None:
    """A cell is text, a finite number, a boolean or empty; raise ``PayloadError`` if not."""
    if isinstance(value, str):
        if bad_text(value) is not None:
            raise PayloadError(f"{where} contiene un carattere non valido (un surrogato "
                               "UTF-16 isolato, come «\\ud800»): correggere il testo della "
                               "cella.")
    elif isinstance(value, float):
        if not math.isfinite(value):  # only reachable when not decoded by ``decode``
            raise PayloadError(f"{where} contiene un numero non finito.")
    elif value is not None and not isinstance(value, (int, bool)):
        raise PayloadError(f"{where} contiene un {_kind(value)}, non un valore di cella.")


def _kind(value: Any) -> str:
    return "oggetto" if isinstance(value, dict) else "elenco" if isinstance(value, list) \
        else "valore di tipo sconosciuto"


def check_strings(value: Any, where: str) -> None:
    """Every text inside ``value`` (any JSON) is valid Unicode."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if bad_text(v) is not None:
                raise PayloadError(f"{where} contiene un carattere non valido (un surrogato "
                                   "UTF-16 isolato).")
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _check_names(names: Any, n_sheets: int) -> None:
    if not isinstance(names, list):
        raise PayloadError("«names» deve essere un elenco di nomi definiti.")
    for i, n in enumerate(names, start=1):
        if not isinstance(n, dict) or not isinstance(n.get("name"), str) or not n["name"]:
            raise PayloadError(f"Il nome definito n. {i} della richiesta non ha un nome "
                               "(«names» deve elencare oggetti con «name» e «refers_to»).")
        label = f"Il nome definito «{n['name'][:60]}»"
        check_strings(n, label)
        for key in ("refers_to", "address", "scope_sheet_name"):
            if not isinstance(n.setdefault(key, None), (str, type(None))):
                raise PayloadError(f"{label}: «{key}» deve essere un testo.")
        if not isinstance(n.setdefault("book_scope", n.get("scope_sheet_index") is None),
                          bool):
            raise PayloadError(f"{label}: «book_scope» deve essere vero o falso.")
        for key in ("sheet_index", "scope_sheet_index"):
            ix = n.setdefault(key, None)
            if ix is not None and (isinstance(ix, bool) or not isinstance(ix, int)
                                   or not 0 <= ix < n_sheets):
                raise PayloadError(f"{label}: «{key}» non indica un foglio della cartella.")
        if not n["book_scope"] and n["scope_sheet_index"] is None:
            raise PayloadError(f"{label}: un nome del foglio deve indicare il foglio "
                               "(«scope_sheet_index»).")


def parse(body: bytes) -> dict[str, Any]:
    """Decode and check a payload; fill the optional lists older clients omit."""
    data = decode(body)
    if not isinstance(data, dict):
        raise PayloadError("Il JSON della richiesta deve essere un oggetto con «book» e «sheets».")
    for key, kind in (("version", str), ("book", dict), ("sheets", list)):
        if not isinstance(data.get(key), kind):
            raise PayloadError(f"Nella richiesta manca «{key}» o non è del tipo atteso: non "
                               "sembra inviata dal componente aggiuntivo di Excel.")
    data.setdefault("client", "Office.js")
    if data["client"] != "Office.js":
        # the remote engine only fully supports Office.js (pivot tables, alerts)
        raise PayloadError("Il server serve solo il componente aggiuntivo di Excel "
                           "(«client»: «Office.js»).")
    book = data["book"]
    if not isinstance(book.get("name"), str):
        raise PayloadError("Nella richiesta manca il nome della cartella di lavoro (book.name).")
    check_strings(book, "La descrizione della cartella (book)")
    if not data["sheets"]:
        raise PayloadError("La cartella di lavoro inviata non ha fogli.")
    active = book.setdefault("active_sheet_index", 0)
    if isinstance(active, bool) or not isinstance(active, int) \
            or not 0 <= active < len(data["sheets"]):
        raise PayloadError("book.active_sheet_index deve essere il numero di un foglio "
                           "della cartella.")
    book.setdefault("selection", None)
    if not isinstance(book["selection"], (str, type(None))):
        raise PayloadError("book.selection deve essere un indirizzo di cella.")
    _check_names(data.setdefault("names", []), len(data["sheets"]))
    for i, sheet in enumerate(data["sheets"], start=1):
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str):
            raise PayloadError(f"Il foglio n. {i} della richiesta non ha un nome.")
        if bad_text(sheet["name"]) is not None:
            raise PayloadError(f"Il nome del foglio n. {i} contiene un carattere non valido "
                               "(un surrogato UTF-16 isolato).")
        values = sheet.get("values")
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise PayloadError(f"I valori del foglio «{sheet['name']}» devono essere una "
                               "tabella (elenco di righe).")
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if not (value is None or type(value) in (str, int, float, bool)) or \
                        isinstance(value, str) and not value.isascii() or \
                        isinstance(value, float) and not math.isfinite(value):
                    check_cell(value, f"La cella {col_letter(c)}{r + 1} del foglio "
                                      f"«{sheet['name']}»")
        for key in _SHEET_LISTS:
            if not isinstance(sheet.setdefault(key, []), list):
                raise PayloadError(f"«{key}» del foglio «{sheet['name']}» deve essere un elenco.")
            check_strings(sheet[key], f"«{key}» del foglio «{sheet['name']}»")
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
    check_strings(args, "Le opzioni del comando")
    data["args"] = args
    return data
