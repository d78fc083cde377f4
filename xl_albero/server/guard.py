"""The outermost ASGI layer of ``albero server``: what every request passes first.

- **Cross-site requests** (``refusal``, pure): a command changes the user's workbook and
  may send mail, and authentication is off by default, so a web page from another site
  must not be able to make the user's browser call it. Every ``POST`` (and other unsafe
  method) must be ``Content-Type: application/json`` (415 otherwise: an HTML form or a
  "simple" ``fetch`` cannot send JSON without a CORS preflight, which the server
  refuses), and when the browser says where it comes from (``Origin``,
  ``Sec-Fetch-Site``) it must be the add-in's own origin: the server's address as the
  browser reached it (``Host``, or ``X-Forwarded-Host`` behind a reverse proxy),
  ``https://<hostname>``, or one of ``allowed_origins`` (403
  otherwise). The add-in's task pane, ribbon and functions run in pages served by this
  server (shared runtime), so they are same-origin; clients that are not browsers send
  no ``Origin``.
- **Body size** (``max_body_mb``): a larger ``Content-Length`` is refused at once, a
  chunked body as soon as it passes the limit: 413 with an Italian message.
- **No traceback**: an exception that escapes the app is logged as one line and, if no
  response was started, answered with an Italian 500.

Refusals are JSON ``{"detail": "..."}``, as every other error of the add-in, so the
Office.js client shows the Italian message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.exceptions import HTTPException

from xl_albero.server.jobs import one_line

logger = logging.getLogger("xl_albero.server")

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refusal(method: str, headers: Mapping[str, str], own_origin: str,
            trusted: Iterable[str] = ()) -> tuple[int, str] | None:
    """``(status, Italian message)`` when a request must be refused as cross-site."""
    if method.upper() not in UNSAFE:
        return None
    ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype != "application/json":
        return 415, ("Richiesta rifiutata: il server accetta solo richieste JSON "
                     "(Content-Type: application/json) inviate dal componente aggiuntivo "
                     "di Excel.")
    origin = headers.get("origin", "").strip().rstrip("/").lower()
    if origin and origin != "null":
        if origin == own_origin.lower() or origin in {t.lower() for t in trusted}:
            return None
        return 403, (f"Richiesta rifiutata: proviene da un altro sito ({origin[:100]}), "
                     "non dal componente aggiuntivo di Excel. Se è un indirizzo dell'ente, "
                     "aggiungerlo ad allowed_origins nelle impostazioni del server.")
    if headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site"):
        return 403, ("Richiesta rifiutata: proviene da un altro sito, non dal componente "
                     "aggiuntivo di Excel.")
    return None


def _headers(scope: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        out[k.decode("latin-1").lower()] = v.decode("latin-1")
    return out


def own_origin(scope: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    """The origin the browser used to reach this server (after proxy headers)."""
    scheme = scope.get("scheme", "http")
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("", None)
        host = f"{server[0]}:{server[1]}" if server[1] else server[0]
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    if default and host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}".lower()


def too_large(limit: int) -> str:
    return (f"La richiesta supera il limite di {limit / 1_048_576:.0f} MB del server: la "
            "cartella è troppo grande per essere inviata (l'ufficio informatico può alzare "
            "max_body_mb).")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large(limit))


def body_too_large(exc: BaseException) -> BodyTooLarge | None:
    """The ``BodyTooLarge`` behind ``exc`` (Starlette's middleware wrap it in groups)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc if isinstance(exc, BodyTooLarge) else None


async def _send_json(send: Any, status: int, detail: str,
                     extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: cross-site refusal, body size limit, one-line errors."""

    def __init__(self, app: Any, *, max_body: int, trusted: Iterable[str] = ()) -> None:
        self.app = app
        self.max_body = max_body
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        method = scope.get("method", "GET")
        path = scope.get("path", "")
        trusted = self.trusted
        forwarded = headers.get("x-forwarded-host", "").split(",", 1)[0].strip()
        if forwarded:  # behind a reverse proxy (a browser cannot set this header itself)
            trusted = (*trusted, own_origin(scope, {"host": forwarded}))
        refused = refusal(method, headers, own_origin(scope, headers), trusted)
        if refused:
            logger.warning("%s %s rifiutata (%s): %s", method, path[:200], refused[0],
                           refused[1].split(":", 1)[0])
            await _send_json(send, *refused)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            logger.warning("%s %s rifiutata (413): %s byte", method, path[:200], length)
            await _send_json(send, 413, too_large(self.max_body))
            return
        received = 0
        started = False

        async def counted() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def tracked(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception as exc:
            limit = body_too_large(exc)
            if limit is not None and not started:
                logger.warning("%s %s rifiutata (413): oltre %s byte", method, path[:200],
                               self.max_body)
                await _send_json(send, 413, str(limit.detail))
            elif not started:
                logger.error("%s %s: errore interno %s", method, path[:200], one_line(exc))
                await _send_json(send, 500, "Errore interno del server: richiesta non "
                                 "eseguita.")

