"""``settori`` in Excel: renders ``usecases.sectors`` as one sheet per sector (written or
replaced). A refusal (tree with errori, unusable Siglas) is shown by ``excel.runner``."""

from __future__ import annotations

from typing import Any

from xl_albero.excel.context import ExcelContext
from xl_albero.excel.sheet_writer import find_sheet, is_generated, replace_sheet, write_rows
from xl_albero.sector_registry import sheet_safe


def sheet_name(book: Any, sigla: str) -> str:
    """The sector sheet's name: the Sigla, unless a user sheet already has it."""
    name = sheet_safe(sigla)
    existing = find_sheet(book, name)
    if existing is not None and not is_generated(book, existing.name):
        name = sheet_safe(f"{sigla} (settore)")
    return name


def sector_rows(frame: Any) -> list[list[Any]]:
    """Header + rows of a sector sheet, as written (the same rows as the CLI's sheet)."""
    return [[str(c) for c in frame.columns], *frame.itertuples(index=False, name=None)]


def run(book: Any, ctx: ExcelContext, forza: bool = False, foglio: str | None = None,
        schema: str | None = None) -> dict[str, Any]:
    """Write (or replace) a sheet per sector.

    Returns ``{"fogli": {sheet name: objectives}, "avvisi": [notices]}``.
    """
    from xl_albero.usecases.sectors import SectorOptions, sectors

    result = sectors(ctx.source(book), SectorOptions(foglio=foglio, schema=schema, forza=forza))
    written: dict[str, int] = {}
    for sigla, frame in result.frames.items():
        name = sheet_name(book, str(sigla))
        sheet = replace_sheet(book, name)
        write_rows(sheet, sector_rows(frame))
        sheet.autofit("c")
        written[name] = len(frame)
    return {"fogli": written, "avvisi": result.notices}
