"""The main job on the bundled sample: ``python -m xl_albero.demo [OUT_DIR]``.

Runs every command a finance office uses in a year on ``workbooks/albero_2025.xlsx`` and
writes the results into ``out/`` (recreated each time; the sample is never modified):
planning (valida, importa, settori, esporta, riepilogo, nuovo-ciclo, invia) and closing
the cycle (raccogli, misura, relazione). For the closing half the demo plays the
dirigenti: it fills copies of the exported sector workbooks with example monitoring
values (``simulate_returns``, clearly example figures), as a dirigente would in Excel.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from xl_albero import columns as C
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


def closing_steps(out: Path) -> list[tuple[str, list[str]]]:
    """Closing the cycle on the workbooks the dirigenti returned (``simulate_returns``)."""
    s, o = str(SAMPLE), str(out)
    master = f"{o}/albero_2025_raccolto.xlsx"
    return [
        ("Raccolta delle cartelle restituite (rilevazione 31/12)",
         ["raccogli", s, f"{o}/ritorno", "--rilevazione", "31/12", "-o", master]),
        ("Misurazione del raggiungimento", ["misura", master]),
        ("Relazione sulla performance 2025", ["relazione", master, "-o",
                                              f"{o}/relazione_2025.docx",
                                              "--comune", "Cernusco sul Naviglio"]),
    ]


#: Example figures the simulated dirigenti write (Avanzamento %, Stato, Note), in turn.
EXAMPLE_VALUES: tuple[tuple[int, str, str], ...] = (
    (100, "Concluso", "Obiettivo raggiunto nei tempi previsti."),
    (80, "In corso", "Completamento previsto nel primo trimestre."),
    (100, "Concluso", ""),
    (60, "In corso", "Ritardo dovuto alla gara d'appalto."),
    (40, "In corso", "Risorse di personale ridotte nel secondo semestre."),
    (90, "In corso", ""),
)


def simulate_returns(exported: Path, returned: Path, *, skip: int = 2) -> list[str]:
    """Play the dirigenti: copy the exported workbooks into ``returned`` with example
    monitoring values on the rows each sector leads; the last ``skip`` sectors return
    nothing (so the demo shows the sectors still missing). Returns the files written."""
    import openpyxl

    from xl_albero.per_sector import ROLE_COLUMN, ROLE_LED

    returned.mkdir(parents=True, exist_ok=True)
    files = sorted(exported.glob("*.xlsx"))
    written = []
    k = 0
    for src in files[: max(0, len(files) - skip)]:
        wb = openpyxl.load_workbook(src)
        ws = wb["Obiettivi"]
        header = [c.value for c in ws[1]]
        col = {name: header.index(name) + 1 for name in
               (ROLE_COLUMN, C.AVANZAMENTO, C.STATO, C.NOTE)}
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, col[ROLE_COLUMN]).value != ROLE_LED:
                continue
            progress, state, note = EXAMPLE_VALUES[k % len(EXAMPLE_VALUES)]
            k += 1
            ws.cell(r, col[C.AVANZAMENTO]).value = progress
            ws.cell(r, col[C.STATO]).value = state
            if note:
                ws.cell(r, col[C.NOTE]).value = note
        wb.save(returned / src.name)
        written.append(src.name)
    return written


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
        worst = max(worst, _step(ui, title, cmd))
    names = simulate_returns(out / "settori", out / "ritorno")
    ui.out(f"\n=== Simulazione: {len(names)} dirigenti restituiscono la cartella compilata "
           f"con valori d'esempio ({', '.join(names)}) in «{out / 'ritorno'}»")
    for title, cmd in closing_steps(out):
        worst = max(worst, _step(ui, title, cmd))
    ui.out(f"\nRisultati in «{out}».")
    return worst


def _step(ui: Ui, title: str, cmd: list[str]) -> int:
    """Run one command as the CLI does; 2 (unusable input) counts, 1 (findings) does not."""
    ui.out(f"\n=== {title}: albero {' '.join(cmd)}")
    code = cli(cmd, ui)
    ui.out(f"--- codice di uscita {code}")
    return 2 if code == 2 else 0


if __name__ == "__main__":
    raise SystemExit(main())
