"""``albero esporta FILE --cartella DIR``: one workbook per sector, for its dirigente."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from xl_albero.app.sector_common import load_sectors
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_folder
from xl_albero.io.sector_workbook import export_all


def run(args: Namespace, ui: Ui) -> int:
    folder = _target_folder(args.cartella)
    result = load_sectors(args, ui)
    results = export_all(result, folder, overwrite=args.sovrascrivi,
                         progress=lambda items: ui.progress(items, total=len(items),
                                                            desc="Cartelle per settore"))
    written = [r for r in results if r.path is not None]
    empty = [r for r in results if r.path is None]
    ui.out(f"Scritte {len(written)} cartelle di lavoro in «{folder}»:")
    for r in written:
        who = f" ({r.dirigente})" if r.dirigente else ""
        ui.out(f"  {r.path.name:<24} {r.sector}{who}: responsabile di {r.led}, "
               f"coinvolto in {r.involved}")
    for r in empty:
        ui.out(f"Avviso: il settore «{r.sector}» ({r.sigla}) non ha obiettivi: nessun file "
               "creato.")
    return 0


def _target_folder(path: str) -> Path:
    """Check the output folder before any work; a missing one is created only at the end."""
    p = Path(path).expanduser()
    if p.exists():
        return check_folder(p, create=False)
    parent = next((a for a in p.absolute().parents if a.exists()), Path("."))
    check_folder(parent, create=False)
    return p
