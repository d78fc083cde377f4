"""The main job on the bundled sample: ``python -m xl_albero.demo [OUT_DIR]``.

Runs every command a finance office uses in a year on ``workbooks/albero_2025.xlsx`` and
writes the results into ``out/`` (recreated each time; the sample is never modified).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from xl_albero.app.ui import Ui
from xl_albero.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"
SAMPLE_PDF = ROOT / "workbooks" / "albero_2025_pdf.xlsx"


def steps(out: Path) -> list[tuple[str, list[str]]]:
    s, o = str(SAMPLE), str(out)
    return [
        ("Validazione dell'albero 2025", ["valida", s, "--report", f"{o}/rilievi_2025.xlsx"]),
        ("Importazione dell'albero nel formato del PDF",
         ["importa", str(SAMPLE_PDF), "-o", f"{o}/albero_2025_da_pdf.xlsx"]),
        ("Fogli per settore", ["settori", s, "-o", f"{o}/albero_2025_settori.xlsx"]),
        ("Cartelle per i dirigenti", ["esporta", s, "--cartella", f"{o}/settori"]),
        ("Riepiloghi", ["riepilogo", s, "-o", f"{o}/riepilogo_2025.xlsx"]),
        ("Nuovo ciclo 2026", ["nuovo-ciclo", s, "--anno", "2026", "-o", f"{o}/albero_2026.xlsx",
                              "--estendi-periodo", "2026-2028"]),
        ("Bozze delle email ai dirigenti", ["invia", s, "--cartella", f"{o}/invio"]),
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "out"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ui = Ui()
    # the sample's drafts need a sender; a real office sets its own (docs/mail.md)
    os.environ.setdefault("ALBERO_MITTENTE", "ufficio.performance@cernusco.example")
    worst = 0
    for title, cmd in steps(out):
        ui.out(f"\n=== {title}: albero {' '.join(cmd)}")
        code = cli(cmd, ui)
        ui.out(f"--- codice di uscita {code}")
        if code == 2:
            worst = 2
    ui.out(f"\nRisultati in «{out}».")
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
