"""``settori`` in Excel: one sheet per sector with its objectives (written or replaced).

The registry is checked as by the CLI (``excel._core.checked_tree``): Siglas that collide,
have characters not allowed in sheet or file names or are too long refuse the command
with the Italian list of problems; missing Siglas are derived and reported.
"""

from __future__ import annotations

from typing import Any

from xl_albero.excel._core import checked_tree
from xl_albero.excel.sheets import find_sheet, is_generated, replace_sheet, write_rows
from xl_albero.sector_registry import sheet_safe


def sheet_name(book: Any, sigla: str) -> str:
    """The sector sheet's name: the Sigla, unless a user sheet already has it."""
    name = sheet_safe(sigla)
    existing = find_sheet(book, name)
    if existing is not None and not is_generated(book, existing.name):
        name = sheet_safe(f"{sigla} (settore)")
    return name


def run(book: Any, foglio: str | None = None, schema: str | None = None,
        forza: bool = False) -> dict[str, Any]:
    """Write (or replace) a sheet per sector.

    Returns ``{"fogli": {sheet name: objectives}, "avvisi": [notices]}``.
    """
    from xl_albero import per_sector

    tree, registry, notices = checked_tree(book, foglio=foglio, schema=schema, forza=forza)
    frames = per_sector.sector_frames(tree, registry)
    written: dict[str, int] = {}
    for sigla, frame in frames.items():
        name = sheet_name(book, str(sigla))
        sheet = replace_sheet(book, name)
        rows = [[str(c) for c in frame.columns], *frame.itertuples(index=False, name=None)]
        write_rows(sheet, rows)
        sheet.autofit("c")
        written[name] = len(frame)
    return {"fogli": written, "avvisi": notices}
