"""``albero settori FILE -o OUT.xlsx``: the workbook plus one sheet per sector."""

from __future__ import annotations

from argparse import Namespace

from xl_albero import columns as C
from xl_albero.app.sector_common import load_checked
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_output
from xl_albero.io.sector_sheets import write_settori_workbook
from xl_albero.per_sector import role_counts, sector_frames


def run(args: Namespace, ui: Ui) -> int:
    out = check_output(args.output, sources=(args.file,), overwrite=args.sovrascrivi)
    tree, registry = load_checked(args, ui)
    frames = sector_frames(tree, registry)
    notes = write_settori_workbook(args.file, tree, frames, out)
    for note in notes:
        ui.out(f"Avviso: {note}")
    ui.out(f"Scritto «{out}»: i fogli originali e {len(frames)} fogli per settore.")
    for name, (sigla, frame) in zip(registry[C.SETTORE], frames.items(), strict=True):
        led, involved = role_counts(frame)
        empty = " — nessun obiettivo" if not len(frame) else ""
        ui.out(f"  {sigla:<12} {name}: responsabile di {led}, coinvolto in {involved}{empty}")
    return 0
