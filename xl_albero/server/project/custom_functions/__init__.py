"""Custom functions of the ``ALBERO`` namespace (thin wrappers, Italian names).

- ``=ALBERO.OBIETTIVI(Albero!A1:N300; "POLIZIA LOCALE"; [area])``
- ``=ALBERO.SIGLA(Settori!A1:D30; "POLIZIA LOCALE")``
- ``=ALBERO.RILIEVI(Albero!A1:N300)`` (dynamic array)
"""

from __future__ import annotations

from xlwings.server import arg, func

from xl_albero.excel import functions as _f


@func(name="OBIETTIVI")
@arg("range_albero", ndim=2, doc="L'albero, compresa la riga delle intestazioni")
@arg("settore", doc="Nome del settore responsabile")
@arg("area", doc="(facoltativo) Area strategica: nome o numero")
def obiettivi(range_albero, settore: str, area=None) -> int:
    """Numero di obiettivi operativi di un settore (facoltativamente in un'area)."""
    return _f.count_objectives(range_albero, settore, area)


@func(name="SIGLA")
@arg("range_settori", ndim=2, doc="L'elenco dei settori, compresa la riga delle intestazioni")
@arg("settore", doc="Nome del settore")
def sigla(range_settori, settore: str) -> str:
    """Sigla di un settore."""
    return _f.sigla(range_settori, settore)


@func(name="RILIEVI")
@arg("range_albero", ndim=2, doc="L'albero dal foglio A1, compresa la riga delle intestazioni")
def rilievi(range_albero):
    """Rilievi della validazione dell'albero (matrice dinamica)."""
    return _f.findings_array(range_albero)
