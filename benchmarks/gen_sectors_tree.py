"""Generate a realistic synthetic tree (N objectives, M sectors) for the sector benchmarks."""

from __future__ import annotations

import random

import pandas as pd

from xl_albero import columns as C
from xl_albero.model import Tree

_WORDS = ["valorizzazione", "riqualificazione", "digitalizzazione", "servizi", "cittadini", "territorio", "ambiente", "scuole", "sicurezza", "urbana", "bilancio", "patrimonio", "comunale", "innovazione", "partecipazione", "sociale", "cultura", "sport", "mobilità", "sostenibile", "verde", "pubblico", "trasparenza", "anticorruzione", "semplificazione", "procedimenti", "amministrativi", "città", "efficientamento", "energetico", "edifici", "pubblici", "attuazione", "piano", "regolamento"]


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n_words)).capitalize()


def make_tree(n: int = 100_000, m: int = 50, seed: int = 1, year: int = 2025) -> Tree:
    """A tree of ``n`` operational objectives over ``m`` sectors with Italian-length texts."""
    rng = random.Random(seed)
    sectors = [f"SETTORE {i + 1:02d} {_text(rng, 3).upper()}" for i in range(m)]
    siglas = [f"S{i + 1:02d}" for i in range(m)]
    n_areas, n_strat, n_plur = 8, 40, 200
    areas = [_text(rng, 5) for _ in range(n_areas)]
    strat = [_text(rng, 8) for _ in range(n_strat)]
    plur = [_text(rng, 28) for _ in range(n_plur)]
    rows = []
    for i in range(n):
        p = rng.randrange(n_plur)
        s = p % n_strat
        a = s % n_areas
        resp = rng.randrange(m)
        r = rng.random()
        if r < 0.01:
            inv = C.TUTTI
        elif r < 0.45:
            inv = C.SEPARATORE_SETTORI.join(
                sectors[k] for k in rng.sample(range(m), rng.randint(1, 3)) if k != resp)
        else:
            inv = None
        rows.append({
            C.CODICE: f"{a + 1}.{s + 1}.{p + 1}.{i + 1}", C.ANNO: year, C.AREA: areas[a],
            C.STRATEGICO: strat[s], C.PLURIENNALE: plur[p], C.PERIODO: "2024-2025",
            C.OPERATIVO: _text(rng, 16), C.RESPONSABILE: sectors[resp], C.COINVOLTI: inv or None,
            C.INDICATORE: _text(rng, 8), C.TARGET: f"{rng.randint(1, 100)}%",
            C.PESO: rng.choice((5, 10, 15, 20)), C.STATO: rng.choice(C.STATI[:3]),
            C.AVANZAMENTO: rng.choice((0, 10, 25, 50, 75, 100)),
            "Note interne": _text(rng, 6) if rng.random() < 0.3 else None,
        })
    data = pd.DataFrame(rows)
    reg = pd.DataFrame({C.SETTORE: sectors, C.SIGLA: siglas,
                        C.DIRIGENTE: [f"Dott. {_text(rng, 2).title()}" for _ in sectors],
                        C.EMAIL: [f"{s.lower()}@comune.example.it" for s in siglas]})
    return Tree(data=data, sectors=reg, registry_declared=True)


if __name__ == "__main__":  # pragma: no cover
    import argparse

    from xl_albero.io.table_writer import write_tree_workbook

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=100_000, help="objectives (100000)")
    ap.add_argument("-o", "--output", help="output .xlsx (default albero_settori_N.xlsx)")
    ap.add_argument("--settori", type=int, default=50, help="sectors (50)")
    a = ap.parse_args()
    out = a.output or f"albero_settori_{a.n}.xlsx"
    write_tree_workbook(make_tree(a.n, a.settori), out)
    print(out)
