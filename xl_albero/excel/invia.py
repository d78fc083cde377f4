"""``invia`` in Excel: renders ``usecases.invia`` (drafts or sending, from the server).

The sector workbooks, the ``.eml`` drafts and the send log live in ``invio_<anno>`` of
the files folder (on the server: not downloadable, only ``token--name.xlsx`` files are),
so a later click with «riprendi» continues from the same log. Mail settings come from the
environment / ``albero.toml`` (``xl_albero.mail.config``), never from the workbook. The
open workbook receives a sheet ``Invio ai settori`` with the outcome of every sector.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from xl_albero.excel.context import ExcelContext
from xl_albero.excel.sheet_writer import replace_sheet, write_rows

SHEET = "Invio ai settori"
HEADERS = ("Settore", "Sigla", "Destinatari", "Esito", "Motivo", "Oggetto", "Allegato")


def run(book: Any, ctx: ExcelContext, invia: bool = False, riprendi: bool = False,
        forza: bool = False, foglio: str | None = None, schema: str | None = None) -> dict:
    from xl_albero.mail.campaign import Campaign
    from xl_albero.mail.config import load_settings
    from xl_albero.usecases.invia import InviaOptions
    from xl_albero.usecases.invia import invia as send

    # the albero.toml of the folder the server was started from is the admin's own choice
    own = Path.cwd() / "albero.toml"
    settings = load_settings(os.environ, own if own.is_file() else None, search_dirs=())
    base = ctx.files.folder()
    # the server's drafts are its own working copies (not downloadable): replaced
    mailer = Campaign(settings, lambda year: base / (f"invio_{year}" if year else "invio"))
    result = send(ctx.source(book), InviaOptions(invia=invia, riprendi=riprendi,
                                                 foglio=foglio, schema=schema, forza=forza),
                  mailer).outcome

    sheet = replace_sheet(book, SHEET)
    title = "Invio ai settori" if invia else "Invio ai settori — prova (bozze, nulla inviato)"
    sheet.range((1, 1)).value = title
    sheet.range((1, 1)).font.bold = True
    rows: list[list[Any]] = [list(HEADERS)]
    for o in result.outcomes:
        rows.append([o.sector, o.sigla, "; ".join(o.recipients), o.outcome, o.reason or None,
                     o.subject or None, o.attachment or None])
    write_rows(sheet, rows, top=3)
    if result.aborted:
        sheet.range((len(rows) + 4, 1)).value = f"Invio interrotto: {result.aborted}"
    sheet.autofit("c")
    sheet.activate()
    return {"modalita": "invio" if invia else "bozze", "completo": result.complete,
            "conteggi": dict(result.counts), "interrotto": result.aborted or None,
            "settori": [{"settore": o.sector, "sigla": o.sigla, "esito": o.outcome,
                         "motivo": o.reason} for o in result.outcomes]}
