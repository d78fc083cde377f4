"""Small trees for tests: canonical DataFrames and registries, written as real workbooks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xl_albero import columns as C
from xl_albero.io.table_writer import write_tree_workbook
from xl_albero.model import Tree

SECTORS = ["TECNICO ED INNOVAZIONE", "SERVIZI SOCIALI", "AVVOCATURA COMUNALE",
           "SERVIZI ALLA CITTÀ"]


def registry(names: list[str] | None = None) -> pd.DataFrame:
    names = names or SECTORS
    return pd.DataFrame({
        C.SETTORE: names,
        C.SIGLA: [n.split()[0][:8] + str(i) for i, n in enumerate(names)],
        C.DIRIGENTE: [f"Dirigente {i}" for i in range(len(names))],
        C.EMAIL: [f"s{i}@comune.example" for i in range(len(names))],
    })


def rows(n: int = 4, year: int = 2025) -> list[dict]:
    out = []
    for i in range(n):
        a, s = i // 2 + 1, 1
        out.append({
            C.CODICE: f"{a}.{s}.1.{i % 2 + 1}", C.ANNO: year,
            C.AREA: f"AREA {a}", C.STRATEGICO: f"STRATEGICO {a}.{s}",
            C.PLURIENNALE: f"Pluriennale {a}.{s}.1", C.PERIODO: f"{year - 1}-{year}",
            C.OPERATIVO: f"Obiettivo operativo {i + 1} per la città",
            C.RESPONSABILE: SECTORS[i % len(SECTORS)], C.COINVOLTI: None,
        })
    return out


def frame(n: int = 4, **changes) -> pd.DataFrame:
    """A valid tree frame; ``changes`` maps (row, column) strings 'r:Col' to new values."""
    df = pd.DataFrame(rows(n), dtype=object)
    for key, v in changes.items():
        r, col = key.split(":", 1)
        df.at[int(r), col] = v
    return df


def write(path: Path, df: pd.DataFrame | None = None, reg: pd.DataFrame | None = None) -> Path:
    df = frame() if df is None else df
    write_tree_workbook(Tree(data=df, sectors=registry() if reg is None else reg), path)
    return path
