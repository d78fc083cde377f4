"""``relazione`` in Excel: the Relazione sulla performance (Word), offered as a download.

The open workbook is measured as ``albero relazione`` measures a file; the ``.docx`` is
written on the server (``server.downloads``; beside the workbook on the desktop add-in)
and the workbook only receives a ``Relazione`` sheet with the download link and the
headline figures. The workbook itself is never altered otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from xl_albero.excel._core import checked_tree
from xl_albero.excel.sheets import replace_sheet, write_rows

SHEET = "Relazione"


def run(book: Any, comune: str | None = None, foglio: str | None = None,
        schema: str | None = None, forza: bool = False) -> dict:
    from xl_albero.io.relazione_docx import write_relazione
    from xl_albero.measure import require_measured
    from xl_albero.relazione import charts_data, report_data
    from xl_albero.server import downloads

    tree, _registry, notices = checked_tree(book, foglio=foglio, schema=schema, forza=forza)
    m = require_measured(tree)
    data = report_data(tree, m, comune=comune, today=dt.date.today())
    stem = book.name.rsplit(".", 1)[0] if "." in book.name else book.name
    path = write_relazione(data, charts_data(m),
                           downloads.new_path(f"{stem} relazione {data['anno']}.docx"))
    url = downloads.public_url(path)

    sheet = replace_sheet(book, SHEET)
    sheet.range((1, 1)).value = f"Relazione sulla performance {data['anno']}"
    sheet.range((1, 1)).font.bold = True
    sheet.range((2, 1)).add_hyperlink(url, f"Scarica il documento {downloads.display_name(path)}",
                                      "Scarica la relazione (Word)")
    rows: list[list[Any]] = [
        ["Voce", "Valore"],
        ["Grado di raggiungimento complessivo", data["complessivo"]],
        ["Obiettivi operativi", data["n_obiettivi"]],
        ["Rilevati", data["n_rilevati"]],
        ["Non rilevati", data["n_non_rilevati"]],
        ["Non raggiunti", data["n_non_raggiunti"]],
        *[[f"Area {a['codice']} {a['titolo']}", a["grado"]] for a in data["sintesi_aree"]],
    ]
    write_rows(sheet, rows, top=4)
    sheet.range((4 + len(rows) + 1, 1)).value = (
        "Da completare nel documento a cura dell'ufficio: contesto, risorse, bilancio di "
        "genere, estremi di approvazione e validazione.")
    sheet.autofit("c")
    sheet.activate()
    return {"file": downloads.display_name(path), "url": url,
            "complessivo": data["complessivo"], "obiettivi": data["n_obiettivi"],
            "non_raggiunti": data["n_non_raggiunti"], "avvisi": notices}
