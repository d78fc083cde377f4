"""Extra routes of the Albero add-in and the template globals (ribbon from the registry).

- ``GET /installa``: Italian page to download the manifest and read how to install it.
- ``GET /scarica/{name}``: a file generated on the server (the next cycle, the relazione).
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
async def scarica(name: str):
    path = downloads.find(name)
    if path is None:
        raise HTTPException(status_code=404, detail="File non trovato o scaduto: rigenerarlo "
                            "con il pulsante del componente aggiuntivo.")
    return FileResponse(path, filename=downloads.display_name(path),
                        media_type=downloads.media_type(path))
