"""``settori`` in Excel: one sheet per sector with its objectives (written or replaced)."""

from __future__ import annotations

from typing import Any

from xl_albero.excel._core import valid_tree
from xl_albero.excel.sheets import find_sheet, is_generated, replace_sheet, write_rows
from xl_albero.sectors import sheet_safe


def sheet_name(book: Any, sigla: str) -> str:
    """The sector sheet's name: the Sigla, unless a user sheet already has it."""
    name = sheet_safe(sigla)
    existing = find_sheet(book, name)
    if existing is not None and not is_generated(book, existing.name):
        name = sheet_safe(f"{sigla} (settore)")
    return name


def run(book: Any, foglio: str | None = None, schema: str | None = None,
        forza: bool = False) -> dict[str, int]:
    """Write (or replace) a sheet per sector; return {sheet name: objectives}."""
    from xl_albero import sector_views

    tree = valid_tree(book, foglio=foglio, schema=schema, forza=forza)
    frames = sector_views.sector_frames(tree)
    written: dict[str, int] = {}
    for sigla, frame in frames.items():
        name = sheet_name(book, str(sigla))
        sheet = replace_sheet(book, name)
        rows = [[str(c) for c in frame.columns], *frame.itertuples(index=False, name=None)]
        write_rows(sheet, rows)
        sheet.autofit("c")
        written[name] = len(frame)
    return written
