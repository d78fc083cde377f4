"""Custom functions of the ``ALBERO`` namespace (thin wrappers, Italian names).

- ``=ALBERO.OBIETTIVI(Albero!A1:N300; "POLIZIA LOCALE"; [area])``
- ``=ALBERO.SIGLA(Settori!A1:D30; "POLIZIA LOCALE")``
- ``=ALBERO.RILIEVI(Albero!A1:N300)`` (dynamic array)
"""

from __future__ import annotations

import functools

import xlwings as xw
from xlwings.server import arg, func

from xl_albero.errors import AlberoError
from xl_albero.excel import functions as _f


def _italian_errors(f):
    """Turn user errors into ``XlwingsError``: HTTP 400 with the message, no retries."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except AlberoError as exc:
            raise xw.XlwingsError(str(exc)) from None

    return wrapper


@func(name="OBIETTIVI")
@_italian_errors
@arg("range_albero", ndim=2, doc="L'albero, compresa la riga delle intestazioni")
@arg("settore", doc="Nome del settore responsabile")
@arg("area", doc="(facoltativo) Area strategica: nome o numero")
def obiettivi(range_albero, settore: str, area=None) -> int:
    """Numero di obiettivi operativi di un settore (facoltativamente in un'area)."""
    return _f.count_objectives(range_albero, settore, area)


@func(name="SIGLA")
@_italian_errors
@arg("range_settori", ndim=2, doc="L'elenco dei settori, compresa la riga delle intestazioni")
@arg("settore", doc="Nome del settore")
def sigla(range_settori, settore: str) -> str:
    """Sigla di un settore."""
    return _f.sigla(range_settori, settore)


@func(name="RILIEVI")
@_italian_errors
@arg("range_albero", ndim=2, doc="L'albero dal foglio A1, compresa la riga delle intestazioni")
def rilievi(range_albero):
    """Rilievi della validazione dell'albero (matrice dinamica)."""
    return _f.findings_array(range_albero)
