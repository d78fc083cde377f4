"""``nuovo_ciclo`` in Excel: the next year's workbook, offered as a download.

The current tree is never altered: the rolled-over workbook is written on the server
(``xl_albero.io.rollover_workbook``) and the open workbook only receives a ``Nuovo ciclo``
sheet with the counts and the download link.
"""

from __future__ import annotations

from typing import Any

from xl_albero.excel._core import core, valid_tree


def run(book: Any, anno: int, estendi_periodo: str | None = None,
        foglio: str | None = None, schema: str | None = None) -> dict:
    rollover = core("xl_albero.rollover", "Nuovo ciclo")
    core("xl_albero.io.rollover_workbook", "Nuovo ciclo")
    tree = valid_tree(book, foglio=foglio, schema=schema)
    result = rollover.roll_over(tree, anno, extend_period=estendi_periodo)
    raise NotImplementedError(result)  # replaced when feat/rollover lands
