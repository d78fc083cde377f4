"""Text rendering of findings and summaries for the terminal."""

from __future__ import annotations

import shutil
import textwrap

import pandas as pd

from xl_albero import findings as F

_LABELS = {  # (one, many)
    "aree": ("area", "aree"),
    "obiettivi_strategici": ("obiettivo strategico", "obiettivi strategici"),
    "obiettivi_pluriennali": ("obiettivo pluriennale", "obiettivi pluriennali"),
    "obiettivi_operativi": ("obiettivo operativo", "obiettivi operativi"),
    "settori": ("settore", "settori"),
}


def findings_table(findings: pd.DataFrame, limit: int | None = None) -> str:
    """One block per finding: ``Foglio!Cella  gravità  CODICE  messaggio`` + suggestion."""
    if not len(findings):
        return "Nessun rilievo."
    width = max(60, min(shutil.get_terminal_size((110, 20)).columns, 140))
    lines: list[str] = []
    recs = F.to_records(findings)
    shown = recs if limit is None else recs[:limit]
    place_w = max(len(_place(r)) for r in shown)
    for r in shown:
        head = f"{_place(r):<{place_w}}  {r['gravita']:<6}  {r['codice']}"
        lines.append(head)
        indent = " " * 4
        lines.extend(textwrap.wrap(r["messaggio"], width, initial_indent=indent,
                                   subsequent_indent=indent))
        if r["suggerimento"]:
            lines.extend(textwrap.wrap(r["suggerimento"], width, initial_indent=indent + "→ ",
                                       subsequent_indent=indent + "  "))
    if limit is not None and len(recs) > limit:
        lines.append(f"... e altri {len(recs) - limit} rilievi (usare --report o --json).")
    return "\n".join(lines)


def _place(r: dict) -> str:
    if r["cella"]:
        place = f"{r['foglio']}!{r['cella']}"
    else:
        place = f"{r['foglio']} [{r['colonna']}]" if r["colonna"] else r["foglio"]
    file = r.get("file")
    return f"{file} › {place}".rstrip(" ›") if file else place


def summary_line(sheet: str, counts: dict[str, int]) -> str:
    parts = ", ".join(f"{counts[k]} {one if counts[k] == 1 else many}"
                      for k, (one, many) in _LABELS.items() if k in counts)
    e, a = counts.get("errori", 0), counts.get("avvisi", 0)
    verdict = "nessun errore" if e == 0 else f"{e} {'errore' if e == 1 else 'errori'}"
    return f"Foglio «{sheet}»: {parts} — {verdict}, {a} {'avviso' if a == 1 else 'avvisi'}."
