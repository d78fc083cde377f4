"""``relazione`` in Excel: the Relazione sulla performance (Word), offered as a download.

Renders ``usecases.relazione`` on the open workbook: the ``.docx`` is written where the
context's file delivery puts generated files (the server's downloads folder; beside the
workbook on the desktop add-in) and the workbook only receives a ``Relazione`` sheet with
the download link and the headline figures. The workbook is never altered otherwise.
"""

from __future__ import annotations

from typing import Any

from xl_albero.excel.context import ExcelContext
from xl_albero.excel.sheet_writer import download_sheet, write_rows

SHEET = "Relazione"


def run(book: Any, ctx: ExcelContext, comune: str | None = None, forza: bool = False,
        foglio: str | None = None, schema: str | None = None) -> dict:
    from xl_albero.io.relazione_docx import write_relazione
    from xl_albero.usecases.relazione import RelazioneOptions, relazione

    result = relazione(ctx.source(book), RelazioneOptions(comune=comune, forza=forza,
                                                          foglio=foglio, schema=schema))
    data = result.data
    files = ctx.files
    stem = book.name.rsplit(".", 1)[0] if "." in book.name else book.name
    path = write_relazione(data, result.charts,
                           files.new_path(f"{stem} relazione {data['anno']}.docx"))
    url = files.public_url(path)

    sheet = download_sheet(book, SHEET, f"Relazione sulla performance {data['anno']}", url,
                           f"Scarica il documento {files.display_name(path)}",
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
    return {"file": files.display_name(path), "url": url,
            "complessivo": data["complessivo"], "obiettivi": data["n_obiettivi"],
            "non_raggiunti": data["n_non_raggiunti"], "avvisi": result.notices}
