"""``albero server``: start the Excel add-in server (xlwings Server + uvicorn)."""

from __future__ import annotations

import importlib.util
import os

from xl_albero.app.ui import Ui
from xl_albero.errors import InputFileError


def run(args, ui: Ui) -> int:
    from xl_albero.server.settings import load_settings, xlwings_environ

    s = load_settings(host=getattr(args, "host", None), port=getattr(args, "port", None))
    # find_spec, not import: xlwings_server reads XLWINGS_PROJECT_DIR when imported
    if importlib.util.find_spec("uvicorn") is None or importlib.util.find_spec(
            "xlwings_server") is None:
        raise InputFileError("Il server richiede il pacchetto «xlwings-server»: installare "
                             "xl-albero[server].")
    os.environ.update(xlwings_environ(s))
    import uvicorn

    scheme = "https" if s.certfile else "http"
    ui.out(f"Albero Performance: server su {scheme}://{s.host}:{s.port} "
           f"(manifesto: {scheme}://{s.host}:{s.port}/installa).")
    if s.auth_providers:
        ui.out("Autenticazione attiva: " + ", ".join(s.auth_providers) + ".")
    else:
        ui.out("Autenticazione non attiva: chiunque raggiunga il server può usarlo.")
    uvicorn.run("xl_albero.server.app:main_app", host=s.host, port=s.port,
                ssl_certfile=s.certfile, ssl_keyfile=s.keyfile,
                log_level=s.log_level.lower(), proxy_headers=True)
    return 0
