"""``importa``: a tree in any accepted layout (e.g. typed from the approved PDF) as data
ready to be written in the canonical layout."""

from __future__ import annotations

from dataclasses import dataclass

from xl_albero.rawsheet import SheetSource
from xl_albero.usecases.valida import ValidaOptions, ValidaResult, valida


@dataclass(frozen=True)
class ImportaOptions:
    foglio: str | None = None


def importa(source: SheetSource, options: ImportaOptions = ImportaOptions()) -> ValidaResult:
    """The tree and its findings (the writer puts it in the canonical layout)."""
    return valida(source, ValidaOptions(foglio=options.foglio))
