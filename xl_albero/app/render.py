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
    """One block per finding: ``Foglio!Cella  gravità  CODICE  messaggio`` + suggestion.

    Built a column at a time: each distinct message and suggestion is wrapped once."""
    if not len(findings):
        return "Nessun rilievo."
    width = max(60, min(shutil.get_terminal_size((110, 20)).columns, 140))
    shown = findings if limit is None else findings.iloc[:limit]
    recs = F.to_records(shown)
    places = [_place(r) for r in recs]
    place_w = max(map(len, places))
    indent = " " * 4
    wrapped: dict[str, str] = {}
    hints: dict[str, str] = {}

    def message(text: str) -> str:
        if text not in wrapped:
            wrapped[text] = "\n".join(textwrap.wrap(text, width, initial_indent=indent,
                                                    subsequent_indent=indent))
        return wrapped[text]

    def hint(text: str) -> str:
        if text not in hints:
            hints[text] = "\n".join(textwrap.wrap(text, width, initial_indent=indent + "→ ",
                                                  subsequent_indent=indent + "  "))
        return hints[text]

    blocks = []
    for place, r in zip(places, recs, strict=True):
        parts = [f"{place:<{place_w}}  {r['gravita']:<6}  {r['codice']}"]
        if (m := message(r["messaggio"])):
            parts.append(m)
        if r["suggerimento"] and (h := hint(r["suggerimento"])):
            parts.append(h)
        blocks.append("\n".join(parts))
    if limit is not None and len(findings) > limit:
        blocks.append(f"... e altri {len(findings) - limit} rilievi (usare --report o --json).")
    return "\n".join(blocks)


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
