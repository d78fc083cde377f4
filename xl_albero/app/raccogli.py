"""``albero raccogli TREE FILES_OR_FOLDERS... -o OUT.xlsx --rilevazione 30/06|31/12``."""

from __future__ import annotations

import json
from argparse import Namespace

from xl_albero import findings as F
from xl_albero.app.render import findings_table
from xl_albero.app.sector_common import show_notices
from xl_albero.app.ui import Ui
from xl_albero.errors import InputFileError
from xl_albero.io.atomic import check_output
from xl_albero.io.collect_workbook import read_history, write_collected
from xl_albero.io.file_source import FileSource, gc_paused
from xl_albero.io.returned import ReturnedReader, expand_inputs
from xl_albero.usecases.raccogli import NothingCollected, RaccogliOptions, raccogli

__all__ = ["NothingCollected", "run", "summary_line"]


def run(args: Namespace, ui: Ui) -> int:
    paths = expand_inputs(args.cartelle)
    out = check_output(args.output, sources=(args.file, *paths), overwrite=args.sovrascrivi)
    if not paths:
        raise InputFileError("Nessuna cartella di lavoro (.xlsx) trovata fra quelle indicate: "
                             "nulla da raccogliere.")

    # the returned workbooks are read in worker processes while the master is read; the
    # cyclic garbage collector stays paused until the master is written (it would rescan
    # the millions of cells read, again and again, while the merge and the writer
    # allocate)
    with gc_paused():
        with ReturnedReader(paths) as reader, FileSource(args.file) as source:

            def read_all() -> list:
                return list(ui.progress(reader.results(), total=len(paths),
                                        desc="Cartelle dei settori"))

            done = raccogli(source, RaccogliOptions(rilevazione=args.rilevazione,
                                                    foglio=args.foglio, schema=args.schema,
                                                    forza=args.forza),
                            read_all, lambda: read_history(args.file))
        show_notices(done.notices, ui)
        result = done.collected
        write_collected(result, out, created=done.created)
    s = result.summary
    if args.json:
        ui.out(json.dumps({"file": str(args.file), "uscita": str(out), "riepilogo": s,
                           "non_restituite": list(result.not_returned),
                           "rilievi": F.to_records(result.findings)},
                          ensure_ascii=False, indent=2))
    else:
        if len(result.findings):
            ui.out(findings_table(result.findings))
            ui.out()
        for name in result.not_returned:
            ui.out(f"Non restituita: {name}")
        ui.out(summary_line(s) + f" Scritto «{out}».")
    return 1 if F.has_errors(result.findings) else 0


def summary_line(s: dict) -> str:
    return (f"Raccolta {s['rilevazione']}: {s['restituite']} settori su {s['settori_attesi']} "
            f"hanno restituito la cartella ({s['file']} file letti), {s['celle_cambiate']} celle "
            f"cambiate, {s['errori']} errori e {s['avvisi']} avvisi.")
