"""The work of one add-in request, run inside a worker process (``server.pool``).

Each job takes the raw request body (bytes) and returns a ``Result``: the HTTP status,
the JSON body already encoded (so the event loop never parses or serialises a 60,000-row
workbook) and one log line. Every problem a client can cause becomes a 4xx with an
Italian message: a malformed payload (400, ``payload``), bad options (400), a user error
from the core (``AlberoError``, 422). Anything else is a bug: 500 with an Italian
message and one log line naming the exception and where it happened (no traceback in
the log unless the log level is DEBUG).

This module does not import xlwings Server (FastAPI): the workers only need xlwings'
remote engine and the project.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("xl_albero.server")


@dataclass(frozen=True)
class Result:
    status: int
    body: bytes
    log: str = ""


INTERNAL = ("Errore interno del server: il comando non è stato eseguito e la cartella non è "
            "stata modificata. Se si ripete, avvisare l'ufficio informatico (l'orario è nel "
            "registro del server).")


def _detail(status: int, message: str, log: str = "") -> Result:
    return Result(status, _encode({"detail": message}), log)


def _encode(content: Any) -> bytes:
    # as Starlette's JSONResponse, but text with a lone surrogate is escaped, not an error
    try:
        return json.dumps(content, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode()


def one_line(exc: BaseException) -> str:
    """``Type: message (file:line)``: an exception as one log line."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
    text = str(exc).replace("\n", " ")[:300]
    return f"{type(exc).__name__}: {text}{where}"


def _bug(what: str, exc: BaseException) -> Result:
    logger.debug("%s", what, exc_info=exc)
    return _detail(500, INTERNAL, f"{what}: errore interno {one_line(exc)}")


def init_worker(parent: int | None = None) -> None:
    """Worker start: private files (umask 077), the heavy imports done once, and a watch
    on the server: a worker never outlives it (killed, crashed, or not waiting for its
    workers), it exits within a second."""
    os.umask(0o077)
    if parent is not None:
        import threading

        threading.Thread(target=_watch, args=(parent,), daemon=True,
                         name="albero-watch-server").start()
    logging.basicConfig(level=os.environ.get("XLWINGS_LOG_LEVEL", "INFO").upper())
    import xlwings  # noqa: F401

    from xl_albero.excel import outcome  # noqa: F401
    from xl_albero.server import scripts  # noqa: F401


def _watch(parent: int) -> None:
    import time

    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def ping() -> int:
    return os.getpid()


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def run_script(script_name: str, body: bytes, base_url: str, user: str) -> Result:
    """A ribbon command on the workbook the add-in sent (``body``)."""
    try:
        return _run_script(script_name, body, base_url, user)
    except Exception as exc:  # a bug: one line in the log, an Italian 500
        return _bug(f"comando {script_name}", exc)
    finally:
        _tighten()


def _tighten() -> None:
    from xl_albero.errors import AlberoError
    from xl_albero.server import downloads

    try:
        downloads.tighten()
    except (OSError, AlberoError) as exc:  # the command's own answer still goes out
        logger.warning("Cartella degli scaricamenti: %s", one_line(exc))


def _run_script(script_name: str, body: bytes, base_url: str, user: str) -> Result:
    import xlwings as xw

    from xl_albero.excel import outcome as _outcome
    from xl_albero.server import downloads as _downloads
    from xl_albero.server import payload as _payload
    from xl_albero.server import scripts as _scripts

    try:
        data = _payload.parse(body)
    except _payload.PayloadError as exc:
        return _detail(400, str(exc), f"comando {script_name}: richiesta rifiutata (400): {exc}")
    args = data.pop("args")
    merged = _payload.merged_areas(data)  # sent by the add-in's JavaScript (docs/addin.md)
    try:
        _scripts.coerce_args(_scripts.command(script_name), list(args))
    except _scripts.BadArguments as exc:
        return _detail(400, str(exc), f"comando {script_name}: opzioni rifiutate (400): {exc}")
    try:
        book = xw.Book(json=data)
    except (xw.XlwingsError, KeyError, TypeError, ValueError, IndexError) as exc:
        msg = f"La cartella di lavoro inviata non è leggibile: {exc}"
        return _detail(400, msg, f"comando {script_name}: richiesta rifiutata (400): {exc}")
    _downloads.BASE_URL.set(base_url)
    try:
        outcome = _scripts.run(script_name, book, args, merged=merged)
        esito = _outcome.show(book, outcome.message, ok=outcome.ok)
        out = dict(book.json())
        out["esito"] = esito
        out["ok"] = outcome.ok
        if not outcome.ok:
            # a refusal: 422 with the Italian message (naming the task-pane control, never a
            # CLI flag); the actions travel with it: the findings on «Validazione», their
            # cells coloured, the failure alert
            out["detail"] = esito
            return Result(422, _encode(_jsonable(out)),
                          f"comando {script_name}: rifiutato (422): {outcome.message}")
        out["albero"] = _jsonable(outcome.result)
        return Result(200, _encode(out), f"comando {script_name} eseguito per {user}")
    finally:
        book.close()


_FUNCTIONS: Any = None


def _functions_module() -> Any:
    """The project's ``custom_functions`` (loaded by path: no ``sys.path`` games)."""
    global _FUNCTIONS
    if _FUNCTIONS is None:
        import importlib.util

        from xl_albero.server.settings import PROJECT_DIR

        spec = importlib.util.spec_from_file_location(
            "albero_custom_functions", PROJECT_DIR / "custom_functions" / "__init__.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _FUNCTIONS = module
    return _FUNCTIONS


def _check_function_call(data: Any, module: Any) -> tuple[str, Any]:
    """Raise ``PayloadError`` unless ``data`` calls one of our functions with fit args."""
    import inspect

    from xl_albero.server.payload import PayloadError, check_cell, check_strings

    if not isinstance(data, dict) or not isinstance(data.get("func_name"), str) or \
            not isinstance(data.get("args"), list):
        raise PayloadError("Richiesta di funzione non valida: servono «func_name» e «args».")
    check_strings(data, "La richiesta di funzione")
    func = getattr(module, data["func_name"], None)
    if not hasattr(func, "__xlfunc__"):
        raise LookupError(f"Funzione «{data['func_name'][:60]}» sconosciuta.")
    label = f"ALBERO.{func.__xlfunc__.get('name', data['func_name']).upper()}"
    params = [p for p in inspect.signature(func).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in params if p.default is p.empty)
    args = data["args"]
    # Excel sends omitted optional arguments as null
    given = len(args)
    while given and args[given - 1] is None:
        given -= 1
    if len(args) > len(params):
        raise PayloadError(f"{label} accetta al massimo {len(params)} argomenti, ricevuti "
                           f"{len(args)}.")
    if given < required:
        names = ", ".join(p.name for p in params[:required])
        raise PayloadError(f"{label} richiede {required} argomenti ({names}), ricevuti "
                           f"{given}.")
    for i, arg in enumerate(args, start=1):
        where = f"L'argomento n. {i} di {label}"
        if arg is None:
            if i <= required:
                raise PayloadError(f"{where} ({params[i - 1].name}) manca.")
            continue
        rows = arg if isinstance(arg, list) else [[arg]]
        if not rows or not all(isinstance(r, list) and r for r in rows) or \
                len({len(r) for r in rows}) != 1:
            raise PayloadError(f"{where} non è un valore né un intervallo di celle "
                               "(righe non vuote, tutte della stessa lunghezza).")
        for row in rows:
            for value in row:
                if isinstance(value, dict):
                    # Excel's error / entity values: {"type": "Error", "basicValue": "#N/A"}
                    if not isinstance(value.get("type"), str) or \
                            "basicValue" not in value:
                        raise PayloadError(f"{where} contiene un oggetto, non un valore o un "
                                           "intervallo di celle.")
                    check_cell(value["basicValue"], where)
                else:
                    check_cell(value, where)
    data.setdefault("client", "Office.js")
    data.setdefault("runtime", "1.4")
    data.setdefault("culture_info_name", "it-IT")
    data.setdefault("date_format", None)
    return label, func


def run_function(body: bytes, user: str) -> Result:
    """A custom function call (``=ALBERO.…``)."""
    name = "?"
    try:
        import asyncio

        import xlwings as xw
        import xlwings.server

        from xl_albero.server.payload import PayloadError, decode

        module = _functions_module()
        try:
            data = decode(body)
            if isinstance(data, dict) and isinstance(data.get("func_name"), str):
                name = data["func_name"][:60]
            name, _func = _check_function_call(data, module)
        except PayloadError as exc:
            return _detail(400, str(exc), f"funzione {name}: richiesta rifiutata (400): {exc}")
        except LookupError as exc:
            return _detail(404, str(exc), f"funzione: {exc}")
        data.setdefault("version", xw.__version__)
        try:
            rv = asyncio.run(xlwings.server.custom_functions_call(data, module, None,
                                                                  typehint_to_value={}))
        except xw.XlwingsError as exc:
            return _detail(400, str(exc), f"funzione {name}: rifiutata (400): {exc}")
        return Result(200, _encode({"result": rv}), f"funzione {name} eseguita per {user}")
    except Exception as exc:
        return _bug(f"funzione {name}", exc)
