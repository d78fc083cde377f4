"""``invia`` in Excel: draft or send each sector's workbook from the server.

The sector workbooks, the ``.eml`` drafts and the send log live on the server in
``<downloads>/invio_<anno>`` (not downloadable: only ``token--name.xlsx`` files are), so a
later click with ``riprendi`` continues from the same log. Mail settings come from the
server's environment / ``albero.toml`` (``xl_albero.mail.config``), never from the workbook.
The open workbook receives a sheet ``Invio ai settori`` with the outcome of every sector.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from xl_albero.excel._core import valid_tree
from xl_albero.excel.sheets import replace_sheet, write_rows

SHEET = "Invio ai settori"
HEADERS = ("Settore", "Sigla", "Destinatari", "Esito", "Motivo", "Oggetto", "Allegato")


def folder_for(year: int | None) -> Path:
    from xl_albero.server import downloads

    return downloads.folder() / (f"invio_{year}" if year else "invio")


def run(book: Any, invia: bool = False, riprendi: bool = False,
        foglio: str | None = None, schema: str | None = None, forza: bool = False) -> dict:
    from xl_albero.mail import campaign as R
    from xl_albero.mail.config import MailConfigError, load_settings
    from xl_albero.mail.template import load_template

    # the albero.toml of the folder the server was started from is the admin's own choice
    own = Path.cwd() / "albero.toml"
    settings = load_settings(os.environ, own if own.is_file() else None, search_dirs=())
    if not settings.sender:
        raise MailConfigError("Manca l'indirizzo del mittente: sul server impostare "
                              "ALBERO_MITTENTE oppure 'mittente' in [invio] di albero.toml.")
    if invia:
        settings.require_smtp()
    template = load_template(settings.template)
    tree = valid_tree(book, foglio=foglio, schema=schema, forza=forza)
    folder = folder_for(tree.year)
    if invia:
        R.check_resume(folder, riprendi)
    root, plan = R.export_and_prepare(tree, settings, folder, template=template)
    if invia:
        result = R.send_all(plan, settings, root, resume=riprendi)
    else:
        # the server's drafts are its own working copies (not downloadable): replaced
        result = R.write_drafts(plan, root, resume=riprendi, overwrite=not riprendi)

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
