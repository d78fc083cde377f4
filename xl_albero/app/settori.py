"""``albero settori FILE -o OUT.xlsx``: the workbook plus one sheet per sector."""

from __future__ import annotations

from argparse import Namespace

from xl_albero.app.sector_common import load_sectors
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_output
from xl_albero.io.sector_sheets import write_settori_workbook


def run(args: Namespace, ui: Ui) -> int:
    out = check_output(args.output, sources=(args.file,), overwrite=args.sovrascrivi)
    result = load_sectors(args, ui)
    notes = write_settori_workbook(args.file, result, out)
    for note in notes:
        ui.out(f"Avviso: {note}")
    ui.out(f"Scritto «{out}»: i fogli originali e {len(result.frames)} fogli per settore.")
    for s in result.sectors:
        empty = " — nessun obiettivo" if s.empty else ""
        ui.out(f"  {s.sigla:<12} {s.name}: responsabile di {s.led}, coinvolto in "
               f"{s.involved}{empty}")
    return 0
