"""``nuovo_ciclo`` in Excel: the next year's workbook, offered as a download.

The current tree is never altered: the rolled-over workbook is written on the server
(``io.rollover_workbook``, in the downloads folder) and the open workbook only receives
a ``Nuovo ciclo`` sheet with the counts, the items to review and the download link.
"""

from __future__ import annotations

from typing import Any

from xl_albero import findings as F
from xl_albero.excel.context import ExcelContext
from xl_albero.excel.sheet_writer import download_sheet, write_rows

SHEET = "Nuovo ciclo"


def run(book: Any, ctx: ExcelContext, anno: int, estendi_periodo: str | None = None,
        foglio: str | None = None, schema: str | None = None) -> dict:
    """Renders ``usecases.nuovo_ciclo``: the workbook for download, the summary sheet."""
    from xl_albero.io.rollover_workbook import write_rollover_workbook
    from xl_albero.rollover import COUNT_LABELS
    from xl_albero.usecases.nuovo_ciclo import NuovoCicloOptions, nuovo_ciclo

    ro = nuovo_ciclo(ctx.source(book), NuovoCicloOptions(
        anno=anno, estendi_periodo=estendi_periodo, foglio=foglio, schema=schema)).rollover
    downloads = ctx.files
    stem = book.name.rsplit(".", 1)[0] if "." in book.name else book.name
    path = write_rollover_workbook(ro, downloads.new_path(f"{stem} {anno}.xlsx"))
    url = downloads.public_url(path)

    sheet = download_sheet(book, SHEET, f"Nuovo ciclo {ro.old_year} \u2192 {ro.year}", url,
                           f"Scarica la cartella {downloads.display_name(path)}",
                           "Scarica la cartella del nuovo ciclo")
    rows: list[list[Any]] = [["Voce", "Numero"]]
    rows += [[label, int(ro.counts.get(key, 0))] for key, label in COUNT_LABELS.items()]
    write_rows(sheet, rows, top=4)
    review = F.to_records(ro.review)
    if review:
        top = 4 + len(rows) + 1
        write_rows(sheet, [["Da rivedere", "Cella", "Messaggio"],
                           *[[r["foglio"], r["cella"], r["messaggio"]] for r in review]],
                   top=top)
    sheet.autofit("c")
    sheet.activate()
    return {"file": downloads.display_name(path), "url": url, "conteggi": dict(ro.counts),
            "da_rivedere": len(review)}
