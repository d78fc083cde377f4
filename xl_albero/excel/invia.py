"""``invia`` in Excel: send (or draft) each sector's workbook from the server.

Not available yet: the mail core (``xl_albero.mail``, branch feat/mail) has not landed.
The script answers with a clear Italian message (HTTP 422) instead of faking a result.
"""

from __future__ import annotations

from typing import Any

from xl_albero.excel._core import NotAvailable


def run(book: Any, invia: bool = False, riprendi: bool = False,
        foglio: str | None = None, schema: str | None = None, forza: bool = False) -> dict:
    raise NotAvailable("«Invia ai settori» non è ancora disponibile in questa versione del "
                       "componente aggiuntivo: usare il comando da terminale quando sarà "
                       "pronto.")
