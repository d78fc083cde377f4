"""The content of the *Relazione sulla performance* (pure): the measured tree as template data.

``report_data(tree, measurement, comune=..., today=...)`` turns a :class:`Measurement`
into the plain, already formatted values a Word template shows (``io.relazione_docx``
renders them). Every figure comes from the measurement, formatted once here
(``fmt_grado``), so the document says exactly what ``albero misura --json`` says.

The template tags the office may use are listed in ``TAGS`` (name -> Italian description,
shown in ``docs/relazione.md``); ``REQUIRED_TAGS`` are those a comune's own template must
keep, since they carry the minimum content of art. 10 D.Lgs. 150/2009 (results per
objective, per sector and for the whole comune). ``template_problems`` checks a template's
tags against them (Italian messages that name no front-end control).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xl_albero import columns as C
from xl_albero.measure import ESCLUSO, ESITO, Measurement, summary
from xl_albero.model import Tree, cell_text, is_blank
from xl_albero.per_sector import registry_problems, row_roles

#: Columns of the measured objectives (``measure`` contract).
GRADO = "Grado %"
CONSUNTIVO = "Valore consuntivo"
FASCIA = "Fascia"
NOTE = "Note"
OBIETTIVI = "Obiettivi"
RILEVATI = "Rilevati"
GUIDATI = "Obiettivi guidati"
COINVOLTO = "Obiettivi coinvolto"
NON_RILEVATO = "Non rilevato"

#: Shown where the office has to write or fill in something itself.
PLACEHOLDER = "[DA COMPILARE A CURA DELL'UFFICIO]"

MESI = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
        "settembre", "ottobre", "novembre", "dicembre")

#: Template tags (Jinja names) -> what they hold, in Italian (the office's reference).
TAGS: dict[str, str] = {
    "comune": "nome del comune (frontespizio)",
    "anno": "anno a cui si riferisce la relazione",
    "data": "data di redazione, per esteso (es. 12 marzo 2026)",
    "segnaposto": f"il testo «{PLACEHOLDER}» per le parti che scrive l'ufficio",
    "complessivo": "grado di raggiungimento complessivo dell'ente (es. 78,45%)",
    "n_obiettivi": "numero di obiettivi operativi",
    "n_rilevati": "numero di obiettivi con un grado rilevato",
    "n_non_rilevati": "numero di obiettivi senza grado rilevato",
    "n_esclusi": "numero di obiettivi esclusi dalla misurazione (es. stato «Annullato»)",
    "fascia_complessiva": "fascia del grado complessivo dell'ente",
    "n_non_raggiunti": "numero di obiettivi non raggiunti",
    "soglia": "fascia fino alla quale un obiettivo è «non raggiunto» (dalle regole di misura)",
    "sintesi_aree": "righe della tabella di sintesi per area: .codice .titolo .grado "
                    ".obiettivi .rilevati",
    "fasce": "righe della tabella per fascia: .fascia .obiettivi .quota",
    "grafico_aree": "grafico del grado per area (immagine)",
    "grafico_fasce": "grafico degli obiettivi per fascia (immagine)",
    "note_calcolo": "note su come sono stati calcolati i gradi (elenco di frasi)",
    "aree": "aree strategiche: .codice .titolo .grado .obiettivi .rilevati .strategici; "
            "ogni strategico: .codice .titolo .grado .pluriennali; ogni pluriennale: .codice "
            ".titolo .periodo .grado .obiettivi; ogni obiettivo: .codice .titolo .settore "
            ".indicatore .target .consuntivo .grado .fascia .nota",
    "settori": "settori: .settore .sigla .dirigente .grado .guidati .rilevati .coinvolto "
               ".obiettivi (guidati: .codice .titolo .grado .fascia) .codici_coinvolto",
    "non_raggiunti": "obiettivi non raggiunti: .codice .titolo .settore .grado .fascia .nota",
}
#: Tags a comune's own template must keep (the minimum content of the relazione).
REQUIRED_TAGS: tuple[str, ...] = ("anno", "complessivo", "aree", "settori", "non_raggiunti")


@dataclass(frozen=True)
class Charts:
    """Figures the charts draw (pure data; ``io.charts`` draws them)."""

    area_labels: tuple[str, ...]
    area_values: tuple[float | None, ...]
    band_labels: tuple[str, ...]
    band_counts: tuple[int, ...]


def round_grado(value: object) -> float | None:
    """The grado as ``albero misura --json`` gives it (two decimals); ``None`` if missing."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else round(v, 2)


def fmt_grado(value: object) -> str:
    """A grado (0-100) as Italian text, the JSON figure (``78,45%``); ``n.r.`` if missing."""
    v = round_grado(value)
    return "n.r." if v is None else f"{v:.2f}".replace(".", ",") + "%"


def fmt_date(day: dt.date) -> str:
    return f"{day.day} {MESI[day.month - 1]} {day.year}"


def _text(value: object) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value).strip()


def _count(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _code_key(code: object, depth: int) -> str:
    parts = [p for p in str(code or "").strip().split(".") if p]
    return ".".join(parts[:depth])


def _node_index(frame: pd.DataFrame, title_col: str) -> tuple[dict[str, dict], dict[str, dict]]:
    by_code: dict[str, dict] = {}
    by_title: dict[str, dict] = {}
    for rec in frame.to_dict("records"):
        by_code.setdefault(_code_key(rec.get(C.CODICE), 99), rec)
        by_title.setdefault(str(rec.get(title_col, "")).strip(), rec)
    return by_code, by_title


def _node(index: tuple[dict[str, dict], dict[str, dict]], code: str, title: str) -> dict:
    return index[0].get(code) or index[1].get(title) or {}


def _objective(rec: dict) -> dict[str, Any]:
    return {
        "codice": _text(rec.get(C.CODICE)),
        "titolo": _text(rec.get(C.OPERATIVO)),
        "settore": _text(rec.get(C.RESPONSABILE)),
        "indicatore": _text(rec.get(C.INDICATORE)),
        "target": _text(rec.get(C.TARGET)),
        "consuntivo": _text(rec.get(CONSUNTIVO)),
        "grado": "escluso" if rec.get(ESITO) == ESCLUSO else fmt_grado(rec.get(GRADO)),
        "fascia": _text(rec.get(FASCIA)) or NON_RILEVATO,
        "nota": _text(rec.get(NOTE)),
    }


def _periods(tree: Tree) -> dict[str, str]:
    if C.PERIODO not in tree.data or C.PLURIENNALE not in tree.data:
        return {}
    out: dict[str, str] = {}
    for code, title, period in zip(tree.data.get(C.CODICE, pd.Series(dtype=object)),
                                   tree.data[C.PLURIENNALE], tree.data[C.PERIODO],
                                   strict=False):
        text = cell_text(period)
        if text:
            out.setdefault(_code_key(code, 3) or str(title).strip(), text)
            out.setdefault(str(title).strip(), text)
    return out


def tree_sections(tree: Tree, m: Measurement) -> list[dict[str, Any]]:
    """Areas -> strategic -> multi-year -> operational objectives, in the tree's order."""
    areas_ix = _node_index(m.areas, C.AREA)
    strat_ix = _node_index(m.strategic, C.STRATEGICO)
    multi_ix = _node_index(m.multi_year, C.PLURIENNALE)
    periods = _periods(tree)
    out: list[dict[str, Any]] = []
    nodes: dict[tuple, dict[str, Any]] = {}
    for rec in m.objectives.to_dict("records"):
        code = rec.get(C.CODICE)
        area_t = _text(rec.get(C.AREA))
        strat_t = _text(rec.get(C.STRATEGICO))
        multi_t = _text(rec.get(C.PLURIENNALE))
        akey = (area_t,)
        area = nodes.get(akey)
        if area is None:
            n = _node(areas_ix, _code_key(code, 1), area_t)
            area = nodes[akey] = {
                "codice": _text(n.get(C.CODICE)) or _code_key(code, 1), "titolo": area_t,
                "grado": fmt_grado(n.get(GRADO)), "obiettivi": _count(n.get(OBIETTIVI)),
                "rilevati": _count(n.get(RILEVATI)), "strategici": []}
            out.append(area)
        skey = (area_t, strat_t)
        strat = nodes.get(skey)
        if strat is None:
            n = _node(strat_ix, _code_key(code, 2), strat_t)
            strat = nodes[skey] = {
                "codice": _text(n.get(C.CODICE)) or _code_key(code, 2), "titolo": strat_t,
                "grado": fmt_grado(n.get(GRADO)), "pluriennali": []}
            area["strategici"].append(strat)
        mkey = (area_t, strat_t, multi_t)
        multi = nodes.get(mkey)
        if multi is None:
            n = _node(multi_ix, _code_key(code, 3), multi_t)
            mcode = _text(n.get(C.CODICE)) or _code_key(code, 3)
            multi = nodes[mkey] = {
                "codice": mcode, "titolo": multi_t,
                "periodo": periods.get(mcode) or periods.get(multi_t, ""),
                "grado": fmt_grado(n.get(GRADO)), "obiettivi": []}
            strat["pluriennali"].append(multi)
        multi["obiettivi"].append(_objective(rec))
    return out


def sector_sections(tree: Tree, m: Measurement) -> list[dict[str, Any]]:
    """Per sector: performance organizzativa, objectives led (with grado), involved codes.

    Leading and involvement are resolved as ``measure`` resolves them
    (``per_sector.row_roles`` on the checked registry), so the lists match its counts.
    """
    registry = registry_problems(tree)[0]
    managers: dict[str, str] = {}
    if C.DIRIGENTE in registry:
        managers = {str(s).strip(): _text(d) for s, d in
                    zip(registry[C.SETTORE], registry[C.DIRIGENTE], strict=True)}
    leader, pairs = row_roles(tree, registry)
    objs = m.objectives.to_dict("records")
    led: dict[int, list[dict[str, str]]] = {}
    for row, who in enumerate(leader[:len(objs)]):
        if who >= 0:
            o = _objective(objs[row])
            led.setdefault(int(who), []).append(
                {k: o[k] for k in ("codice", "titolo", "grado", "fascia")})
    involved: dict[int, list[str]] = {}
    for row, who in zip(pairs["row"], pairs["sector"], strict=True) if len(pairs) else ():
        if int(row) < len(objs):
            involved.setdefault(int(who), []).append(_text(objs[int(row)].get(C.CODICE)))
    index = {str(n).strip(): i for i, n in enumerate(registry[C.SETTORE])}
    out = []
    for rec in m.sectors.to_dict("records"):
        name = str(rec[C.SETTORE]).strip()
        i = index.get(name, -1)
        codes = [c for c in involved.get(i, []) if c]
        out.append({
            "settore": name, "sigla": _text(rec.get(C.SIGLA)),
            "dirigente": managers.get(name, ""), "grado": fmt_grado(rec.get(GRADO)),
            "guidati": _count(rec.get(GUIDATI)), "rilevati": _count(rec.get(RILEVATI)),
            "coinvolto": _count(rec.get(COINVOLTO)), "obiettivi": led.get(i, []),
            "codici_coinvolto": ", ".join(codes) or "nessuno",
        })
    return out


def charts_data(m: Measurement) -> Charts:
    areas = m.areas
    labels = tuple(f"{_text(c)} {_text(t)}".strip() for c, t in
                   zip(areas[C.CODICE], areas[C.AREA], strict=True))
    values = tuple(round_grado(v) for v in areas[GRADO])
    return Charts(area_labels=labels, area_values=values,
                  band_labels=tuple(str(b) for b in m.bands[FASCIA]),
                  band_counts=tuple(_count(n) for n in m.bands[OBIETTIVI]))


def report_data(tree: Tree, m: Measurement, *, comune: str | None,
                today: dt.date) -> dict[str, Any]:
    """Everything the template shows (charts apart: ``charts_data``), formatted in Italian."""
    objs = m.objectives
    counts = summary(m)
    total = sum(_count(n) for n in m.bands[OBIETTIVI]) or 1
    fasce = [{"fascia": str(b), "obiettivi": _count(n),
              "quota": f"{100 * _count(n) / total:.1f}".replace(".", ",") + "%"}
             for b, n in zip(m.bands[FASCIA], m.bands[OBIETTIVI], strict=True)]
    nr = m.not_reached if m.not_reached is not None else objs.iloc[0:0]
    non_raggiunti = []
    for rec in nr.to_dict("records"):
        o = _objective(rec)
        non_raggiunti.append({k: o[k] for k in ("codice", "titolo", "settore", "grado",
                                                "fascia", "nota")})
    year = m.year or tree.year
    return {
        "comune": (comune or "").strip() or f"Comune di {PLACEHOLDER}",
        "anno": str(year) if year else PLACEHOLDER,
        "data": fmt_date(today),
        "segnaposto": PLACEHOLDER,
        "complessivo": fmt_grado(m.overall),
        "n_obiettivi": counts["obiettivi_operativi"],
        "n_rilevati": counts["rilevati"],
        "n_non_rilevati": counts["non_rilevati"],
        "n_esclusi": counts["esclusi"],
        "n_non_raggiunti": len(non_raggiunti),
        "fascia_complessiva": m.overall_band or NON_RILEVATO,
        "soglia": m.rules.not_reached,
        "sintesi_aree": [{"codice": _text(r.get(C.CODICE)), "titolo": _text(r.get(C.AREA)),
                          "grado": fmt_grado(r.get(GRADO)),
                          "obiettivi": _count(r.get(OBIETTIVI)),
                          "rilevati": _count(r.get(RILEVATI))}
                         for r in m.areas.to_dict("records")],
        "fasce": fasce,
        "note_calcolo": list(m.notes),
        "aree": tree_sections(tree, m),
        "settori": sector_sections(tree, m),
        "non_raggiunti": non_raggiunti,
    }


def template_problems(declared: Iterable[str], syntax_error: str | None = None) -> list[str]:
    """Italian problems of a template: Jinja syntax, required tags missing, unknown tags."""
    if syntax_error:
        return [f"il modello contiene un segnaposto scritto male: {syntax_error}"]
    declared = set(declared)
    problems = []
    missing = [t for t in REQUIRED_TAGS if t not in declared]
    if missing:
        problems.append("mancano i segnaposto obbligatori " + ", ".join(
            f"«{{{{ {t} }}}}»" if t in ("anno", "complessivo") else f"«{t}»" for t in missing)
            + " (risultati per obiettivo, per settore e dell'ente: contenuto minimo della "
            "relazione)")
    unknown = sorted(declared - set(TAGS))
    if unknown:
        problems.append("segnaposto sconosciuti " + ", ".join(f"«{u}»" for u in unknown)
                        + " (quelli ammessi sono in docs/relazione.md)")
    return problems
