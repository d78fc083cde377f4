"""``invia`` in Excel: send (or draft) each sector's workbook from the server."""

from __future__ import annotations

from typing import Any

from xl_albero.excel._core import core


def run(book: Any, invia: bool = False, riprendi: bool = False,
        foglio: str | None = None, schema: str | None = None, forza: bool = False) -> dict:
    core("xl_albero.mail", "Invia ai settori")
    raise NotImplementedError  # replaced when feat/mail lands
