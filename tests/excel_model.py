"""A small model of an Excel workbook for the add-in tests.

``payload_from_xlsx`` builds the JSON the Office.js add-in sends (values anchored at A1,
``""`` for empty cells, dates as ISO strings), ``WorkbookModel.apply`` applies the
actions xlwings Server returns the way Excel would (a leading apostrophe keeps text as
text, ``=`` makes a formula), and ``payload`` sends the model back for a second run.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import xlwings as xw

IGNORED = {
    "setFontProperty", "setSheetAutofit", "setAutofit", "setColumnWidth", "setWrapText",
    "freezePaneAtRange", "setNumberFormat", "setRowHeight", "setBorderProperty",
    "setHorizontalAlignment", "setVerticalAlignment",
}


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)  # 0-based
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    links: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    pivots: list[dict] = field(default_factory=list)
    charts: list[list] = field(default_factory=list)  # args of each ``addChart``
    visible: bool = True
    merged: list[str] = field(default_factory=list)  # "A3:A10", as the add-in's JS sends

    def grid(self) -> list[list[object]]:
        if not self.cells:
            return [[""]]
        nr = max(r for r, _ in self.cells) + 1
        nc = max(c for _, c in self.cells) + 1
        out = [["" for _ in range(nc)] for _ in range(nr)]
        for (r, c), v in self.cells.items():
            out[r][c] = v.text if isinstance(v, Formula) else v
        return out

    def rows(self) -> list[list[object]]:
        """Values as a grid with None for empty cells."""
        return [[None if v == "" else v for v in row] for row in self.grid()]


def _ref(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", cell)
    assert m, cell
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def block(address: str) -> tuple[int, int, int, int]:
    """``$A$1:$C$9`` -> 0-based (top, left, bottom, right)."""
    a, _, b = address.partition(":")
    r0, c0 = _ref(a)
    r1, c1 = _ref(b or a)
    return r0, c0, r1, c1


class WorkbookModel:
    def __init__(self, name: str, sheets: list[Sheet], names: list[dict] | None = None):
        self.name = name
        self.sheets = sheets
        self.names = names or []  # {"name", "refers_to", "scope": sheet name or None}
        self.active = 0
        self.selection: tuple[str, int, int] | None = None
        self.log: list[str] = []
        self.alerts: list[list] = []  # args of each ``alert`` action: prompt, title, ...

    # -- building ------------------------------------------------------------------
    @classmethod
    def from_xlsx(cls, path: Path) -> WorkbookModel:
        wb = openpyxl.load_workbook(path, data_only=True)
        sheets = []
        for ws in wb.worksheets:
            sh = Sheet(ws.title)
            for row in ws.iter_rows():
                for c in row:
                    if c.value is not None and c.value != "":
                        sh.cells[(c.row - 1, c.column - 1)] = c.value
            sh.merged = [str(r.coord) for r in ws.merged_cells.ranges]
            sheets.append(sh)
        return cls(path.name, sheets)

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    def names_of(self) -> list[str]:
        return [s.name for s in self.sheets]

    def payload(self, args: list | None = None, *, merged: bool = True) -> dict:
        """The JSON the add-in sends; ``merged``: with each sheet's ``merged_areas`` (as
        ``static/js/ribbon.js`` adds them), else as xlwings' own ``runPython`` (values
        only)."""
        sheets = []
        for s in self.sheets:
            values = [[(v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
                       for v in row] for row in s.grid()]
            sheets.append({
                "name": s.name, "visibility": "Visible" if s.visible else "Hidden", "show_gridlines": True,
                "print_area": None, "notes": [], "notes_supported": True,
                "used_range_address": None if not s.cells else
                f"$A$1:${_letter(len(values[0]) - 1)}${len(values)}",
                "used_range_row_count": len(values), "used_range_column_count": len(values[0]),
                "values": values, "pictures": [], "shapes": [], "charts": [], "tables": [],
                "pivot_tables": [{"name": p["name"], "field_names": [], "rows": p["rows"],
                                  "columns": p["columns"], "filters": [], "values": [],
                                  "layout": "Compact", "show_row_grand_totals": True,
                                  "show_column_grand_totals": True} for p in s.pivots],
            })
            if merged:
                sheets[-1]["merged_areas"] = list(s.merged)
        names = []
        for n in self.names:
            scope = n["scope"]
            names.append({"name": n["name"] if scope is None else f"'{scope}'!{n['name']}",
                          "refers_to": n["refers_to"], "type": "Boolean",
                          "sheet_index": None, "address": None,
                          "scope_sheet_name": scope,
                          "scope_sheet_index": None if scope is None else
                          self.names_of().index(scope),
                          "book_scope": scope is None})
        out = {"client": "Office.js", "version": xw.__version__,
               "book": {"name": self.name, "active_sheet_index": self.active,
                        "selection": "A1", "calculation": "Automatic"},
               "names": names, "sheets": sheets}
        if args is not None:
            out["args"] = args
        return out

    # -- applying actions ------------------------------------------------------------
    def apply(self, response: dict) -> None:
        for action in response["actions"]:
            func = action["func"]
            self.log.append(func)
            pos = action.get("sheet_position")
            sheet = self.sheets[pos] if pos is not None and pos < len(self.sheets) else None
            r0, c0 = action.get("start_row"), action.get("start_column")
            args = action.get("args") or []
            if func == "addSheet":
                assert args[1] not in self.names_of(), f"sheet {args[1]} exists"
                self.sheets.insert(args[0], Sheet(args[1]))
            elif func == "sheetDelete":
                self.names = [n for n in self.names if n["scope"] != sheet.name]
                self.sheets.remove(sheet)
            elif func == "setValues":
                for i, row in enumerate(action["values"]):
                    for j, v in enumerate(row):
                        key = (r0 + i, c0 + j)
                        if v is None or v == "":
                            sheet.cells.pop(key, None)
                        elif isinstance(v, str) and v.startswith("'"):
                            sheet.cells[key] = v[1:]
                        elif isinstance(v, str) and v.startswith("="):
                            sheet.cells[key] = Formula(v)
                        else:
                            sheet.cells[key] = v
            elif func == "setRangeColor":
                for i in range(action["row_count"]):
                    for j in range(action["column_count"]):
                        if args[0] is None:
                            sheet.fills.pop((r0 + i, c0 + j), None)
                        else:
                            sheet.fills[(r0 + i, c0 + j)] = args[0]
            elif func == "addHyperlink":
                sheet.links[(r0, c0)] = (args[0], args[1])
            elif func == "namesAdd":
                self.names.append({"name": args[0], "refers_to": args[1],
                                   "scope": None if sheet is None else sheet.name})
            elif func == "activateSheet":
                self.active = args[0]
            elif func == "rangeSelect":
                self.selection = (sheet.name, r0, c0)
            elif func == "addPivotTable":
                name, kind, source, dest = args
                assert all(p["name"] != name for s in self.sheets for p in s.pivots)
                sheet.pivots.append({"name": name, "kind": kind, "source": source,
                                     "destination": dest, "rows": [], "columns": [],
                                     "values": []})
            elif func in ("addPivotField", "addPivotValueField"):
                pivot = next(p for p in sheet.pivots if p["name"] == action["pivot_name"])
                if func == "addPivotField":
                    pivot[args[1]].append(args[2])
                else:
                    pivot["values"].append({"field": args[1], "function": args[2],
                                            "name": args[3]})
            elif func == "addChart":
                sheet.charts.append(list(args))
            elif func == "alert":
                self.log.append(f"alert:{args[0]}")
                self.alerts.append(list(args))
            elif func == "setSheetVisibility":
                sheet.visible = action["args"] == "Visible"
            elif func in IGNORED:
                pass
            else:
                raise AssertionError(f"azione non modellata: {func}")

    # -- what Excel would show -------------------------------------------------------
    def pivot_figures(self, pivot: dict) -> dict[tuple, float]:
        """The cells of a PivotTable as Excel computes them from its source range:
        ``(row item, column item) -> value`` with grand totals (``Totale``); without a
        column field the column is the value's function name. Blank items are
        ``(vuoto)``; ``count`` counts non-empty cells, ``sum`` adds numbers."""
        sheet_name, _, address = pivot["source"].rpartition("!")
        sheet = self.sheet(sheet_name.strip("'"))
        top, left, bottom, right = block(address)
        head = [sheet.cells.get((top, c)) for c in range(left, right + 1)]
        records = [{h: sheet.cells.get((r, left + j)) for j, h in enumerate(head)}
                   for r in range(top + 1, bottom + 1)]
        [value] = pivot["values"]
        function = str(value["function"]).lower()
        [row_field] = pivot["rows"]
        col_field = pivot["columns"][0] if pivot["columns"] else None
        out: dict[tuple, float] = {}

        def item(v: object) -> object:
            return "(vuoto)" if v is None or v == "" else v

        for rec in records:
            v = rec[value["field"]]
            if function == "count":
                add = 0.0 if v is None or v == "" else 1.0
            else:
                add = float(v) if isinstance(v, (int, float)) else 0.0
            r = item(rec[row_field])
            c = item(rec[col_field]) if col_field else function
            cols = [c, "Totale"] if col_field else [c]
            for rr in (r, "Totale"):
                for cc in cols:
                    out[(rr, cc)] = out.get((rr, cc), 0.0) + add
        return {k: v for k, v in out.items() if v}


def _letter(index: int) -> str:
    from xl_albero.model import col_letter

    return col_letter(index)
