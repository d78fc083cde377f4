"""The ASGI app of ``albero server``: xlwings Server with the Albero project.

Importing this module imports xlwings Server (PRO, PolyForm Noncommercial); only
``albero server`` (and uvicorn) import it. The environment must already point
``XLWINGS_PROJECT_DIR`` at ``project/`` (``app.server.run`` does it; when imported
directly the settings are loaded here).

On top of xlwings Server's own ``/xlwings/custom-scripts-call/{script}`` this installs a
route that checks, in order: authentication (401/403 from the configured provider),
the script name (404 with the list of commands), then hands the body to a worker
process (``server.pool``, 503 with ``Retry-After`` when every worker is busy and the
queue is full) where ``server.jobs`` checks the payload (400, Italian message), the
arguments (400), and turns the user errors the core raises (``AlberoError``) into 422
with their Italian message: a user-causable problem never becomes a 500. A command
that succeeds ends with an ``alert`` action (Excel shows a message box with the short
Italian outcome, ``excel.outcome``), also returned as ``"esito"``. Custom functions
(``/xlwings/custom-functions-call``) go the same way (``jobs.run_function``).

``main_app`` (what uvicorn serves) is xlwings Server's app wrapped in ``server.guard``:
cross-site refusal, body size limit, one-line errors.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re

from xl_albero.server import settings as _settings

if os.environ.get("XLWINGS_PROJECT_DIR") != str(_settings.PROJECT_DIR):  # pragma: no cover
    os.environ.update(_settings.xlwings_environ(_settings.load_settings()))

from fastapi import APIRouter, HTTPException, Request  # noqa: E402
from fastapi.responses import JSONResponse, Response  # noqa: E402
from xlwings_server import dependencies as dep  # noqa: E402
from xlwings_server.config import settings as xw_settings  # noqa: E402
from xlwings_server.main import app  # noqa: E402
from xlwings_server.main import main_app as xlwings_app  # noqa: E402

from xl_albero.server import jobs as _jobs  # noqa: E402
from xl_albero.server import scripts as _scripts  # noqa: E402
from xl_albero.server.guard import Guard, body_too_large  # noqa: E402
from xl_albero.server.pool import Busy, WorkerDied, WorkerPool  # noqa: E402

logger = logging.getLogger("xl_albero.server")
router = APIRouter()
SETTINGS = _settings.load_settings()
POOL = WorkerPool(workers=SETTINGS.workers, queue=SETTINGS.queue,
                  small_request_kb=SETTINGS.small_request_kb)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _busy(exc: Busy) -> Response:
    logger.warning("Richiesta rifiutata (503): server occupato.")
    return JSONResponse({"detail": str(exc)}, status_code=503,
                        headers={"Retry-After": str(exc.retry_after)})


async def _body(request: Request) -> bytes | Response:
    """The request body, or a 503 at once when the pool could not take it anyway."""
    length = request.headers.get("content-length", "")
    try:
        POOL.admit(int(length) if length.isdigit() else 0)
    except Busy as exc:
        return _busy(exc)
    return await request.body()


async def _run(size: int, fn, *args) -> Response:
    try:
        result = await POOL.submit(size, fn, *args)
    except Busy as exc:
        return _busy(exc)
    except WorkerDied:
        return JSONResponse({"detail": _jobs.INTERNAL}, status_code=500)
    level = (logging.INFO if result.status < 400 else logging.WARNING if result.status < 500
             else logging.ERROR)
    logger.log(level, "%s", _CONTROL.sub(" ", result.log)[:500])
    return Response(result.body, status_code=result.status, media_type="application/json")


def _base_url(request: Request) -> str:
    return (f"https://{xw_settings.hostname}" if xw_settings.hostname
            else str(request.base_url).rstrip("/")) + xw_settings.app_path


@router.post("/xlwings/custom-scripts-call/{script_name}")
async def custom_scripts_call(script_name: str, request: Request, current_user: dep.User):
    try:
        _scripts.command(script_name)
    except _scripts.UnknownScript as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    body = await _body(request)
    if isinstance(body, Response):
        return body
    return await _run(len(body), _jobs.run_script, script_name, body, _base_url(request),
                      current_user.name)


@router.post("/xlwings/custom-functions-call")
async def custom_functions_call(request: Request, current_user: dep.User):
    body = await _body(request)
    if isinstance(body, Response):
        return body
    return await _run(len(body), _jobs.run_function, body, current_user.name)


async def _internal_error(request: Request, exc: Exception) -> Response:
    limit = body_too_large(exc)
    if limit is not None:
        logger.warning("%s %s rifiutata (413): corpo troppo grande", request.method,
                       request.url.path[:200])
        return JSONResponse({"detail": limit.detail}, status_code=413)
    logger.error("%s %s: errore interno %s", request.method, request.url.path[:200],
                 _jobs.one_line(exc))
    return JSONResponse({"detail": _jobs.INTERNAL}, status_code=500)


def _install(router: APIRouter) -> None:
    """Put our routes before xlwings Server's ones (first match wins)."""
    prefix = app.router.routes[:]
    app.include_router(router, prefix=os.environ.get("XLWINGS_APP_PATH", ""))
    ours = app.router.routes[len(prefix):]
    app.router.routes[:] = ours + prefix
    app.exception_handlers[Exception] = _internal_error
    previous = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        POOL.warm()
        try:
            async with previous(a) as state:
                yield state
        finally:
            POOL.shutdown()

    app.router.lifespan_context = lifespan


_install(router)


def _trusted() -> tuple[str, ...]:
    own = (f"https://{SETTINGS.hostname}".lower(),) if SETTINGS.hostname else ()
    return own + SETTINGS.allowed_origins


main_app = Guard(xlwings_app, max_body=int(SETTINGS.max_body_mb * 1_048_576),
                 trusted=_trusted())

__all__ = ["app", "main_app"]
