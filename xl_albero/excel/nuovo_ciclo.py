"""``nuovo_ciclo`` in Excel: the next year's workbook, offered as a download.

The current tree is never altered: the rolled-over workbook is written on the server
(``io.rollover_workbook``, in the downloads folder) and the open workbook only receives
a ``Nuovo ciclo`` sheet with the counts, the items to review and the download link.
"""

from __future__ import annotations

from typing import Any

from xl_albero import findings as F
from xl_albero.excel.book_io import tree_from_book
from xl_albero.excel.sheets import replace_sheet, write_rows

SHEET = "Nuovo ciclo"


def run(book: Any, anno: int, estendi_periodo: str | None = None,
        foglio: str | None = None, schema: str | None = None) -> dict:
    from xl_albero.io.rollover_workbook import write_rollover_workbook
    from xl_albero.rollover import (
        COUNT_LABELS,
        check_extension,
        check_target_year,
        plan_year,
        roll_over,
    )
    from xl_albero.server import downloads
    from xl_albero.validation import require_valid

    tree = tree_from_book(book, sheet=foglio)
    old_year = plan_year(tree)
    check_target_year(old_year, anno)
    if estendi_periodo:
        check_extension(estendi_periodo, anno)
    require_valid(tree, schema=schema)
    ro = roll_over(tree, anno, extend_period=estendi_periodo)
    stem = book.name.rsplit(".", 1)[0] if "." in book.name else book.name
    path = write_rollover_workbook(ro, downloads.new_path(f"{stem} {anno}.xlsx"))
    url = downloads.public_url(path)

    sheet = replace_sheet(book, SHEET)
    sheet.range((1, 1)).value = f"Nuovo ciclo {ro.old_year} \u2192 {ro.year}"
    sheet.range((1, 1)).font.bold = True
    sheet.range((2, 1)).add_hyperlink(url, f"Scarica la cartella {downloads.display_name(path)}",
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
