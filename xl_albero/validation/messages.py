"""Render findings from the message catalogue (``schemas/messaggi.yaml``)."""

from __future__ import annotations

import string

from xl_albero import findings as F
from xl_albero.validation.schema import load_messages


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _fmt(template: str, values: dict[str, object]) -> str:
    return string.Formatter().vformat(template, (), _Safe(values)).strip()


def make(code: str, *, sheet: str, row: int | None, column: str, cell: str,
         catalogue: dict[str, dict[str, str]] | None = None, **values: object) -> F.Finding:
    """A finding for ``code`` with the catalogue's severity, message and suggestion.

    Loops making many findings pass ``catalogue=load_messages()`` once: looking the
    catalogue up (path and mtime check) costs far more than rendering one finding.
    """
    cat = load_messages() if catalogue is None else catalogue
    entry = cat.get(code) or cat.get("CONTROLLO", {})
    vals = {"colonna": column, **{k: ("" if v is None else v) for k, v in values.items()}}
    if code not in cat:
        vals.setdefault("dettaglio", code.lower())
    return F.Finding(
        foglio=sheet, riga=row, colonna=column, cella=cell,
        gravita=entry.get("gravita", F.ERRORE), codice=code,
        messaggio=_fmt(entry.get("messaggio", code), vals),
        suggerimento=_fmt(entry.get("suggerimento", ""), vals),
    )
