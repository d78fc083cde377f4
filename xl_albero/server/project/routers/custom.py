"""Extra routes of the Albero add-in and the template globals (ribbon from the registry).

- ``GET /installa``: Italian page to download the manifest and read how to install it.
- ``GET /scarica/{name}?scade=…&firma=…``: a file generated on the server (the next
  cycle, the relazione), through the signed, expiring link (``server.downloads``).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from xlwings_server.config import settings
from xlwings_server.templates import TemplateResponse, templates

from xl_albero.server import downloads, ribbon
from xl_albero.server.icons import icon_file

templates.env.globals["albero"] = {
    "tab": ribbon.TAB_LABEL,
    "group": ribbon.GROUP_LABEL,
    "buttons": ribbon.buttons(),
    "taskpane": {"label": ribbon.TASKPANE_LABEL, "tooltip": ribbon.TASKPANE_TOOLTIP,
                 "icon": ribbon.TASKPANE_ICON},
    "sizes": ribbon.RIBBON_SIZES,
    "icon_file": icon_file,
    "client_config": ribbon.client_config(),
}

router = APIRouter(prefix=settings.app_path)


@router.get("/installa")
async def installa(request: Request):
    return TemplateResponse(request=request, name="installa.html")


@router.get("/scarica/{name}")
async def scarica(name: str, scade: str | None = None, firma: str | None = None):
    """A generated workbook, only through the signed, expiring link the command gave."""
    problem = downloads.check_link(name, scade, firma)
    if problem == "firma":
        raise HTTPException(status_code=403, detail="Collegamento non valido: usare il "
                            "collegamento creato dal componente aggiuntivo (foglio «Nuovo "
                            "ciclo» o «Relazione»).")
    path = downloads.find(name)
    if problem == "scaduto" or path is None:
        raise HTTPException(status_code=410, detail="File scaduto o non più disponibile: "
                            "rigenerarlo con il pulsante del componente aggiuntivo.")
    return FileResponse(path, filename=downloads.display_name(path),
                        media_type=downloads.media_type(path),
                        headers={"Cache-Control": "private, no-store"})
