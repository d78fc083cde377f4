"""The ASGI app of ``albero server``: xlwings Server with the Albero project.

Importing this module imports xlwings Server (PRO, PolyForm Noncommercial); only
``albero server`` (and uvicorn) import it. The environment must already point
``XLWINGS_PROJECT_DIR`` at ``project/`` (``app.server.run`` does it; when imported
directly the settings are loaded here).

On top of xlwings Server's own ``/xlwings/custom-scripts-call/{script}`` this installs a
route that checks, in order: authentication (401/403 from the configured provider),
the script name (404 with the list of commands), the payload (400, Italian message),
the arguments (400), and turns the user errors the core raises (``AlberoError``) into
422 with their Italian message: a user-causable problem never becomes a 500. A command
that succeeds ends with an ``alert`` action (Excel shows a message box with the short
Italian outcome, ``excel.outcome``), also returned as ``"esito"``.
"""

from __future__ import annotations

import json
import logging
import os

from xl_albero.server import settings as _settings

if os.environ.get("XLWINGS_PROJECT_DIR") != str(_settings.PROJECT_DIR):  # pragma: no cover
    os.environ.update(_settings.xlwings_environ(_settings.load_settings()))

import xlwings as xw  # noqa: E402
from fastapi import APIRouter, HTTPException, Request  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from xlwings_server import dependencies as dep  # noqa: E402
from xlwings_server.main import app, main_app  # noqa: E402

from xl_albero.excel import outcome as _outcome  # noqa: E402
from xl_albero.server import downloads as _downloads  # noqa: E402
from xl_albero.server import payload as _payload  # noqa: E402
from xl_albero.server import scripts as _scripts  # noqa: E402

logger = logging.getLogger("xl_albero.server")
router = APIRouter()


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@router.post("/xlwings/custom-scripts-call/{script_name}")
async def custom_scripts_call(script_name: str, request: Request, current_user: dep.User):
    try:
        _scripts.command(script_name)
    except _scripts.UnknownScript as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    try:
        data = _payload.parse(await request.body())
    except _payload.PayloadError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    args = data.pop("args")
    merged = _payload.merged_areas(data)
    try:
        _scripts.coerce_args(_scripts.command(script_name), list(args))
    except _scripts.BadArguments as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    try:
        book = xw.Book(json=data)
    except (xw.XlwingsError, KeyError, TypeError, ValueError) as exc:
        raise HTTPException(status_code=400, detail="La cartella di lavoro inviata non è "
                            f"leggibile: {exc}") from None
    from xlwings_server.config import settings as xw_settings

    base = (f"https://{xw_settings.hostname}" if xw_settings.hostname
            else str(request.base_url)) + xw_settings.app_path
    _downloads.BASE_URL.set(base)
    try:
        logger.info("Script %s called by %s", script_name, current_user.name)
        result = _scripts.run(script_name, book, args, merged=merged)
        esito = _outcome.show(book, result.message, ok=result.ok)
        out = dict(book.json())
        out["esito"] = esito
        out["ok"] = result.ok
        if not result.ok:
            # a refusal: 422 with the Italian message; the actions (findings on the
            # «Validazione» sheet, coloured cells, the alert) travel with it
            out["detail"] = esito
            return JSONResponse(status_code=422, content=_jsonable(out))
        out["albero"] = _jsonable(result.result)
        return out
    finally:
        book.close()


@router.post("/xlwings/custom-functions-call")
async def custom_functions_call(request: Request, current_user: dep.User,
                                redis_client: dep.RedisClient):
    from xlwings_server.routers import xlwings as xw_router

    try:
        data = json.loads(await request.body() or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(status_code=400, detail="Il corpo della richiesta non è JSON "
                            f"valido: {exc}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("func_name"), str) or \
            not isinstance(data.get("args"), list):
        raise HTTPException(status_code=400, detail="Richiesta di funzione non valida: "
                            "servono «func_name» e «args».")
    data.setdefault("client", "Office.js")
    data.setdefault("version", xw.__version__)
    data.setdefault("runtime", "1.4")
    data.setdefault("culture_info_name", "it-IT")
    data.setdefault("date_format", None)
    func = getattr(xw_router.custom_functions, data["func_name"], None)
    if not hasattr(func, "__xlfunc__"):
        raise HTTPException(status_code=404, detail=f"Funzione «{data['func_name']}» "
                            "sconosciuta.")
    return await xw_router.custom_functions_call(current_user, redis_client, data)


def _install(router: APIRouter) -> None:
    """Put our routes before xlwings Server's ones (first match wins)."""
    prefix = app.router.routes[:]
    app.include_router(router, prefix=os.environ.get("XLWINGS_APP_PATH", ""))
    ours = app.router.routes[len(prefix):]
    app.router.routes[:] = ours + prefix


_install(router)

__all__ = ["app", "main_app"]
