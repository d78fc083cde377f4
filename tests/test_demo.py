"""The main job (``scripts/demo``): the whole yearly cycle on the sample, every step exit 0."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_demo_runs_the_whole_cycle_and_every_step_succeeds(tmp_path: Path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "xl_albero.demo", str(out)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    steps = re.findall(r"^=== (.+?): albero (\S+)", proc.stdout, flags=re.M)
    commands = [c for _, c in steps]
    assert commands == ["valida", "importa", "settori", "esporta", "riepilogo", "nuovo-ciclo",
                        "invia", "raccogli", "misura", "relazione"]
    codes = re.findall(r"^--- codice di uscita (\d+)$", proc.stdout, flags=re.M)
    assert codes == ["0"] * len(commands), proc.stdout[-3000:]
    # the simulated dirigenti returned six of the eight sector workbooks
    assert len(list((out / "ritorno").glob("*.xlsx"))) == 6
    assert proc.stdout.count("Non restituita:") == 2
    assert (out / "albero_2025_raccolto.xlsx").stat().st_size > 0
    assert (out / "relazione_2025.docx").stat().st_size > 0
    assert "Comune:" in proc.stdout and "obiettivi rilevati su 48" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
