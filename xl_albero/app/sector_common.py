"""Shared step of ``settori``, ``esporta``, ``riepilogo`` and ``invia`` in the CLI."""

from __future__ import annotations

from argparse import Namespace

from xl_albero.app.ui import Ui
from xl_albero.io.file_source import FileSource
from xl_albero.usecases.sectors import SectorOptions, SectorsResult, sectors


def options(args: Namespace) -> SectorOptions:
    return SectorOptions(foglio=args.foglio, schema=args.schema, forza=args.forza)


def show_notices(notices: list[str], ui: Ui) -> None:
    """Registry avvisi (derived Siglas, sectors added to the registry) as ``Avviso:`` lines."""
    for msg in notices:
        ui.out(f"Avviso: {msg}")


def load_sectors(args: Namespace, ui: Ui) -> SectorsResult:
    """Run ``usecases.sectors`` on the file and show its notices."""
    with FileSource(args.file) as source:
        result = sectors(source, options(args))
    show_notices(result.notices, ui)
    return result

