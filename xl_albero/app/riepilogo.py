"""``albero riepilogo FILE -o OUT.xlsx``: summaries (live formulas, chart) of the tree."""

from __future__ import annotations

from argparse import Namespace

from xl_albero.app.sector_common import options, show_notices
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_output
from xl_albero.io.file_source import FileSource
from xl_albero.io.summary_workbook import write_summary_workbook
from xl_albero.usecases.riepilogo import riepilogo


def run(args: Namespace, ui: Ui) -> int:
    out = check_output(args.output, sources=(args.file,), overwrite=args.sovrascrivi)
    with FileSource(args.file) as source:
        result = riepilogo(source, options(args))
    show_notices(result.notices, ui)
    write_summary_workbook(result, out)
    titles = [s.title for s in result.specs]
    ui.out(f"Scritto «{out}» con {len(titles)} riepiloghi e il grafico degli obiettivi per "
           "settore:")
    for t in titles:
        ui.out(f"  - {t}")
    if result.measurement is not None:
        ui.out("  - Grado di raggiungimento per area e per settore, fasce e grafico "
               "(foglio «Raggiungimento»)")
    return 0
