"""Auth provider ``token``: a shared secret (``ALBERO_SERVER_TOKEN``) in ``Authorization``.

The task pane asks for the access code once and stores it in the browser storage of the
add-in; every script and function call sends it. ``Bearer <code>`` is accepted too.
"""

from __future__ import annotations

import os
import secrets

from fastapi import status
from fastapi.exceptions import HTTPException
from xlwings_server.models import User


async def validate_token(token_string: str) -> User:
    expected = os.environ.get("ALBERO_SERVER_TOKEN", "")
    given = (token_string or "").strip()
    if given.lower().startswith("bearer "):
        given = given[7:].strip()
    if expected and given and secrets.compare_digest(given.encode(), expected.encode()):
        return User(id="token", name="utente con codice di accesso")
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=("Codice di accesso mancante o errato: inserirlo nel pannello «Albero "
                "Performance» (Impostazioni)."),
    )
