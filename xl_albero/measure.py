"""Measuring the tree (``albero misura``): grado di raggiungimento per objective, rolled up.

CONTRACT (filled in by the ``raccogli`` / ``misura`` work, used by ``relazione``):
pure functions on a ``Tree``; the rules (bands, missing values, caps, polarity) come from
an editable YAML file (``schemas/misura.yaml``, shipped in the wheel like the pandera
schemas) loaded by ``load_rules``.

``measure(tree, rules) -> Measurement`` where every frame uses Italian headers:

- ``objectives``: one row per operational objective: ``Codice``, ``Area strategica``,
  ``Obiettivo strategico``, ``Obiettivo pluriennale``, ``Obiettivo operativo``,
  ``Settore responsabile``, ``Settori coinvolti``, ``Indicatore``, ``Target``,
  ``Valore consuntivo``, ``Avanzamento %``, ``Grado %`` (0-100, NaN = not reported),
  ``Regola`` (Italian text of the rule used for this objective), ``Fascia`` (band label),
  ``Peso`` (weight used), ``Note`` (the dirigente's note, "" when none);
- ``multi_year``, ``strategic``, ``areas``: one row per node: ``Codice``, the level's title
  column, ``Grado %`` (NaN when nothing below is reported), ``Obiettivi``, ``Rilevati``;
- ``sectors``: ``Settore``, ``Sigla``, ``Grado %`` (on the objectives it leads),
  ``Obiettivi guidati``, ``Rilevati``, ``Obiettivi coinvolto`` (shown apart, not counted);
- ``bands``: ``Fascia``, ``Obiettivi`` (every band of the rules, plus ``Non rilevato``);
- ``overall``: the whole comune's grado (None when nothing is reported);
- ``notes``: Italian notes on how figures were computed (e.g. equal weights used);
- ``not_reached``: the objectives below the rules' "not reached" band (rows of
  ``objectives``).

``to_json(measurement) -> dict`` is what ``albero misura --json`` prints:
``{"riepilogo": {...}, "obiettivi": [...], "aree": [...], "strategici": [...],
"pluriennali": [...], "settori": [...], "fasce": [...]}``.

``NotMeasured`` (an ``InputFileError``-like error with an Italian message) is raised by
``require_measured(tree)`` when the tree has no monitoring values at all.

Added by the implementation: ``objectives`` also has ``Esito`` (``rilevato`` / ``non
rilevato`` / ``escluso``) and ``Peso normalizzato`` (the objective's share of the comune's
grado; shares of the objectives taken sum to 1); node frames also have ``Fascia`` and
``Esclusi``; ``sectors`` has ``Fascia``, ``Esclusi`` and ``Grado % coinvolto`` (the grado
of the objectives it is involved in, informative, never added to its own); ``bands`` has
``Da %`` (the band's lower bound) and an ``Escluso`` row when objectives were excluded
(e.g. ``Annullato``); ``Measurement.rilevazione`` is the round measured and
``Measurement.rules`` the rules used. The rules themselves are in ``measure_rules``.

How a grado is computed (``schemas/misura.yaml`` tunes it; docs/collect.md):

1. an excluded ``Stato`` (``Annullato``) leaves the objective out of every roll-up;
2. target + ``Valore consuntivo`` with the polarity (column ``Polarità``, else a ``≤``/``≥``
   or ``entro`` in the target, else sì/no values, else words of the indicator, else the
   default): higher is better = actual / target, lower is better = target / actual (100 %
   when actual ≤ target), sì/no = 100 or 0;
3. ``Avanzamento %`` (fractions 0-1 are recognised);
   (2 and 3 in the order of the rules' ``priorita``);
4. a ``Stato`` with a grado in the rules (``Concluso`` = 100 %) when there is no value;
5. otherwise *non rilevato* (NaN, never 0 %); capped at ``tetto``, floored at 0.

Roll-up: weighted mean (``Peso``) of the reported objectives below a node (or of every
counted objective, not-reported as 0, when ``valori_mancanti: zero``); a sector's grado is
on the objectives it leads only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero.errors import InputFileError
from xl_albero.measure_rules import (
    CRESCENTE,
    DECRESCENTE,
    MISSING_ZERO,
    POLARITY_LABELS,
    PRIORITY_ACTUAL,
    SI_NO,
    Rules,
    load_rules,
)
from xl_albero.model import Tree, cell_text
from xl_albero.per_sector import registry_problems, row_roles

__all__ = ["Measurement", "NotMeasured", "Rules", "load_rules", "measure", "require_measured",
           "to_json", "weighted_grade", "GRADO", "FASCIA", "REGOLA", "RILEVATI", "OBIETTIVI"]

GRADO = "Grado %"
FASCIA = "Fascia"
REGOLA = "Regola"
OBIETTIVI = "Obiettivi"
RILEVATI = "Rilevati"
ESCLUSI = "Esclusi"
ESITO = "Esito"
QUOTA = "Peso normalizzato"
GUIDATI = "Obiettivi guidati"
COINVOLTO = "Obiettivi coinvolto"
GRADO_COINVOLTO = "Grado % coinvolto"
#: ``Esito`` of an objective.
RILEVATO = "rilevato"
NON_RILEVATO = "non rilevato"
ESCLUSO = "escluso"
ESCLUSO_LABEL = "Escluso"


class NotMeasured(InputFileError):
    """The tree has no monitoring value at all: there is nothing to measure."""


@dataclass(frozen=True)
class Measurement:
    """The measured tree (see the module docstring for the columns)."""

    objectives: pd.DataFrame
    multi_year: pd.DataFrame
    strategic: pd.DataFrame
    areas: pd.DataFrame
    sectors: pd.DataFrame
    bands: pd.DataFrame
    overall: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    not_reached: pd.DataFrame | None = None
    year: int | None = None
    #: the monitoring round measured (``"30/06"``, ``"31/12"``) or ``None`` (plain columns)
    rilevazione: str | None = None
    rules: Rules = field(default_factory=Rules)

    @property
    def overall_band(self) -> str | None:
        return None if self.overall is None else self.rules.band(self.overall)


# --- reading values -------------------------------------------------------------------
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_NUMBER = re.compile(r"[-+]?\d[\d.,]*")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_YES = frozenset({"si", "sì", "yes", "fatto", "realizzato", "raggiunto", "ok", "x", "vero",
                  "true", "adottato", "approvato", "concluso"})
_NO = frozenset({"no", "non fatto", "non realizzato", "non raggiunto", "falso", "false",
                 "non adottato", "non approvato"})
_LOWER_HINT = re.compile(r"^(?:<=|≤|<|entro|max|massimo|non oltre|non piu di|al massimo)")
_HIGHER_HINT = re.compile(r"^(?:>=|≥|>|almeno|min|minimo|non meno di|almeno pari a)")
_POLARITY_WORDS: dict[str, str] = {
    "crescente": CRESCENTE, "piu alto e meglio": CRESCENTE, "alto": CRESCENTE, "+": CRESCENTE,
    "aumento": CRESCENTE, "massimizzare": CRESCENTE, "max": CRESCENTE,
    "decrescente": DECRESCENTE, "piu basso e meglio": DECRESCENTE, "basso": DECRESCENTE,
    "-": DECRESCENTE, "riduzione": DECRESCENTE, "minimizzare": DECRESCENTE, "min": DECRESCENTE,
    "si no": SI_NO, "si_no": SI_NO, "on off": SI_NO, "sino": SI_NO, "binario": SI_NO,
}


@dataclass(frozen=True)
class _Value:
    number: float | None
    percent: bool = False
    yes: bool | None = None
    hint: str | None = None  # polarity suggested by the text (``≤ 30``)
    text: str = ""


def read_value(value: object) -> _Value:
    """A monitoring cell as a number (Italian or English decimals, ``%``), a yes/no, or text."""
    if value is None or isinstance(value, bool):
        return _Value(None, yes=value if isinstance(value, bool) else None,
                      text="" if value is None else ("sì" if value else "no"))
    if isinstance(value, int | float | np.integer | np.floating):
        f = float(value)
        return _Value(None if math.isnan(f) or math.isinf(f) else f, text=_fmt(f))
    text = cell_text(value) or ""
    if not text:
        return _Value(None)
    folded = C.fold(text)
    if folded in _YES or text.strip().lower() == "sì":
        return _Value(None, yes=True, text=text)
    if folded in _NO:
        return _Value(None, yes=False, text=text)
    if _DATE.search(text):
        return _Value(None, text=text)
    low = text.strip().lower()
    hint = DECRESCENTE if _LOWER_HINT.match(C.fold(low) if low[0].isalpha() else low) else (
        CRESCENTE if _HIGHER_HINT.match(C.fold(low) if low[0].isalpha() else low) else None)
    m = _NUMBER.search(text)
    if not m:
        return _Value(None, text=text, hint=hint)
    token = m.group(0).rstrip(".,")
    if "," in token and "." in token:
        token = token.replace(".", "").replace(",", ".")
    elif "," in token:
        token = token.replace(",", ".")
    elif _THOUSANDS.fullmatch(token.lstrip("+-")):
        token = token.replace(".", "")  # Italian thousands: 1.200 = 1200
    try:
        number = float(token)
    except ValueError:
        return _Value(None, text=text, hint=hint)
    return _Value(number, percent="%" in text, hint=hint, text=text)


def _fmt(x: float) -> str:
    """A number the Italian way (``12,5``), at most two decimals."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return s.replace(".", ",") if s != "-0" else "0"


def _polarity(cell: object, target: _Value, actual: _Value, indicator: object,
              rules: Rules) -> tuple[str, str]:
    """(polarity, where it came from) for one objective."""
    text = cell_text(cell)
    if text:
        pol = _POLARITY_WORDS.get(C.fold(text)) or _POLARITY_WORDS.get(text.strip())
        if pol:
            return pol, "colonna Polarità"
    if target.yes is not None or (actual.yes is not None and target.number is None):
        return SI_NO, "valori sì/no"
    if target.hint:
        return target.hint, "target"
    ind = C.fold(indicator) if cell_text(indicator) else ""
    if ind:
        for pol, words in rules.polarity_words:
            if any(w and w in ind for w in words):
                return pol, "indicatore"
    return rules.default_polarity, "predefinita"


def _from_actual(target: _Value, actual: _Value, pol: str) -> tuple[float, str] | None:
    """Grado and rule text from target and actual, or ``None`` when they do not allow it."""
    label = POLARITY_LABELS[pol]
    if pol == SI_NO:
        yes = actual.yes
        if yes is None and actual.number is not None:
            yes = actual.number > 0
        if yes is None:
            return None
        return (100.0 if yes else 0.0), f"Sì/no: consuntivo «{actual.text or ('sì' if yes else 'no')}»"
    t, a = target.number, actual.number
    if t is None or a is None:
        return None
    if target.percent and not actual.percent and abs(t) > 1 and abs(a) <= 1:
        a *= 100  # an Excel percentage cell (0,92) against a target written "90%"
    elif actual.percent and not target.percent and abs(a) > 1 and abs(t) <= 1:
        t *= 100
    if pol == CRESCENTE:
        if t <= 0:
            return (100.0 if a >= t else 0.0), (f"Consuntivo / target, {label}: target "
                                                f"{_fmt(t)}, consuntivo {_fmt(a)}")
        return a / t * 100, f"Consuntivo / target, {label}: {_fmt(a)} / {_fmt(t)}"
    if a <= t:
        return 100.0, f"Target / consuntivo, {label}: consuntivo {_fmt(a)} ≤ target {_fmt(t)}"
    if a <= 0 or t <= 0:
        return 0.0, f"Target / consuntivo, {label}: {_fmt(t)} / {_fmt(a)}"
    return t / a * 100, f"Target / consuntivo, {label}: {_fmt(t)} / {_fmt(a)}"


# --- which columns -----------------------------------------------------------------------
def _has_values(data: pd.DataFrame, col: str | None) -> bool:
    if col is None or col not in data:
        return False
    s = data[col]
    return bool(s.map(lambda v: cell_text(v) is not None).any()) if len(s) else False


def measure_columns(tree: Tree, rilevazione: str | None = None
                    ) -> tuple[str | None, dict[str, str | None]]:
    """The round measured and the tree column of each monitoring field.

    With a round: its columns (``Avanzamento % 30/06``), falling back on the plain ones for
    fields that have no round column. Without: the latest round with any value, else the
    plain columns.
    """
    cols = list(tree.data.columns)
    if rilevazione is not None and rilevazione not in C.ROUNDS:
        raise InputFileError(f"Rilevazione «{rilevazione}» sconosciuta: indicare "
                             + " o ".join(C.ROUNDS) + ".")
    if rilevazione is None:
        for r in reversed(C.ROUNDS):
            if any(_has_values(tree.data, C.find_column(cols, f, r))
                   for f in (C.AVANZAMENTO, C.CONSUNTIVO, C.STATO)):
                rilevazione = r
                break
    fields: dict[str, str | None] = {}
    for f in (C.INDICATORE, C.TARGET, C.PESO, C.POLARITA):
        fields[f] = C.find_column(cols, f)
    for f in C.ROUND_FIELDS:
        col = C.find_column(cols, f, rilevazione) if rilevazione else None
        fields[f] = col or C.find_column(cols, f)
    return rilevazione, fields


def _fraction_scale(values: list[_Value]) -> float:
    """100 when ``Avanzamento %`` is written as fractions (0,5 = 50 %), else 1."""
    nums = [v.number for v in values if v.number is not None and not v.percent]
    if nums and max(nums) <= 1 and any(n % 1 for n in nums):
        return 100.0
    return 1.0


# --- grading each objective ------------------------------------------------------------
def _grade_objectives(tree: Tree, rules: Rules, fields: dict[str, str | None],
                      notes: list[str]) -> pd.DataFrame:
    data = tree.data
    n = len(data)

    def col(f: str) -> list[object]:
        c = fields.get(f)
        return data[c].tolist() if c and c in data else [None] * n

    progress = [read_value(v) for v in col(C.AVANZAMENTO)]
    scale = _fraction_scale(progress)
    if scale != 1.0:
        notes.append("«Avanzamento %» è scritto come frazione (0,5 = 50 %): i valori sono "
                     "moltiplicati per 100.")
    targets, actuals = col(C.TARGET), col(C.CONSUNTIVO)
    indicators, polarities, states = col(C.INDICATORE), col(C.POLARITA), col(C.STATO)
    excluded = {C.fold(s) for s in rules.excluded_states}
    by_state = {C.fold(k): (k, v) for k, v in rules.status_grades}
    grades: list[float] = []
    rule_texts: list[str] = []
    outcomes: list[str] = []
    cap = rules.cap
    capped = 0
    for i in range(n):
        state = cell_text(states[i])
        if state and C.fold(state) in excluded:
            grades.append(math.nan)
            rule_texts.append(f"Escluso dalla misurazione: stato «{state}»")
            outcomes.append(ESCLUSO)
            continue
        target, actual = read_value(targets[i]), read_value(actuals[i])
        found: tuple[float, str] | None = None
        from_actual: tuple[float, str] | None = None
        if actual.number is not None or actual.yes is not None:
            pol, _ = _polarity(polarities[i], target, actual, indicators[i], rules)
            from_actual = _from_actual(target, actual, pol)
        p = progress[i]
        from_progress: tuple[float, str] | None = None
        if p.number is not None:
            v = p.number * (scale if not p.percent else 1.0)
            from_progress = v, f"Avanzamento % dichiarato: {_fmt(v)} %"
        order = ((from_actual, from_progress) if rules.priority == PRIORITY_ACTUAL
                 else (from_progress, from_actual))
        found = order[0] or order[1]
        if found is None and state and C.fold(state) in by_state:
            name, g = by_state[C.fold(state)]
            found = g, f"Stato «{name}» senza valori: {_fmt(g)} %"
        if found is None:
            grades.append(math.nan)
            rule_texts.append("Non rilevato: nessun avanzamento né consuntivo")
            outcomes.append(NON_RILEVATO)
            continue
        g, text = found
        if not text.endswith("%"):
            text = f"{text} = {_fmt(g)} %"
        if g > cap:
            text += f", limitato a {_fmt(cap)} %"
            g = cap
            capped += 1
        elif g < 0:
            text += ", portato a 0 %"
            g = 0.0
        grades.append(float(g))
        rule_texts.append(text)
        outcomes.append(RILEVATO)
    if capped:
        notes.append(f"{capped} obiettivi oltre il {_fmt(cap)} % sono stati limitati a "
                     f"{_fmt(cap)} %.")
    out = pd.DataFrame(index=range(n))
    for c in (C.CODICE, C.AREA, C.STRATEGICO, C.PLURIENNALE, C.OPERATIVO, C.RESPONSABILE,
              C.COINVOLTI):
        out[c] = data[c].tolist() if c in data else [None] * n
    for f in (C.INDICATORE, C.TARGET, C.CONSUNTIVO, C.AVANZAMENTO, C.STATO):
        out[f] = col(f)  # type: ignore[assignment]
    out[GRADO] = np.asarray(grades, dtype=float)
    out[REGOLA] = rule_texts
    out[ESITO] = outcomes
    out[FASCIA] = [rules.band(g) if o == RILEVATO else
                   (ESCLUSO_LABEL if o == ESCLUSO else rules.not_reported)
                   for g, o in zip(grades, outcomes, strict=True)]
    out[C.NOTE] = [cell_text(v) or "" for v in col(C.NOTE)]
    return out


def _weights(tree: Tree, objectives: pd.DataFrame, fields: dict[str, str | None],
             notes: list[str]) -> np.ndarray:
    """The weight of each objective (``Peso``; equal weights where none, said in ``notes``)."""
    n = len(objectives)
    col = fields.get(C.PESO)
    raw = tree.data[col].tolist() if col and col in tree.data else [None] * n
    w = np.array([v.number if v.number is not None and v.number >= 0 else np.nan
                  for v in map(read_value, raw)], dtype=float)
    if n == 0:
        return w
    if np.isnan(w).all():
        notes.append("Nessun obiettivo ha un peso: tutti gli obiettivi pesano uguale.")
        return np.ones(n)
    sector = objectives[C.RESPONSABILE].map(lambda v: C.fold(v) if cell_text(v) else "")
    frame = pd.DataFrame({"s": sector.to_numpy(), "w": w})
    none: list[str] = []
    partial: list[str] = []
    for _key, idx in frame.groupby("s", sort=False).groups.items():
        ws = frame.loc[idx, "w"]
        name = cell_text(objectives.loc[idx[0], C.RESPONSABILE]) or "(senza settore)"
        if ws.isna().all():
            frame.loc[idx, "w"] = 100.0 / len(idx)
            none.append(name)
        elif ws.isna().any():
            frame.loc[idx[ws.isna().to_numpy()], "w"] = float(ws.mean())
            partial.append(name)
    if none:
        notes.append("Pesi uguali (100 diviso in parti uguali) per i settori senza pesi: "
                     + ", ".join(none) + ".")
    if partial:
        notes.append("Gli obiettivi senza peso pesano quanto la media dei pesi del loro "
                     "settore: " + ", ".join(partial) + ".")
    return frame["w"].to_numpy(dtype=float)


# --- rolling up --------------------------------------------------------------------------
def weighted_grade(grades: np.ndarray, weights: np.ndarray, counted: np.ndarray,
                   missing: str = "escludi") -> float:
    """The roll-up of some objectives: weighted mean of the reported grades.

    ``counted`` marks the objectives that take part (not excluded). Not-reported ones
    (NaN) are left out, or count 0 when ``missing == "zero"``; NaN when none is reported.
    Weights are normalised over the objectives taken; all-zero weights mean equal weights.
    """
    g = np.asarray(grades, dtype=float)
    w = np.asarray(weights, dtype=float)
    c = np.asarray(counted, dtype=bool)
    reported = c & ~np.isnan(g)
    if not reported.any():
        return math.nan
    use = c if missing == MISSING_ZERO else reported
    vals = np.where(np.isnan(g), 0.0, g)[use]
    ww = w[use]
    if not ww.sum() > 0:
        ww = np.ones_like(ww)
    return float((ww * vals).sum() / ww.sum())


def _group_grades(obj: pd.DataFrame, keys: list[str], rules: Rules) -> pd.DataFrame:
    """Roll the objectives up to the nodes identified by ``keys`` (first-seen order)."""
    cols = ["Codice", *keys, GRADO, FASCIA, OBIETTIVI, RILEVATI, ESCLUSI]
    if not len(obj) or any(k not in obj for k in keys):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    frame = obj[keys].copy()
    for k in keys:
        frame[k] = frame[k].map(lambda v: cell_text(v) or "")
    gid = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    rows = []
    grades = obj[GRADO].to_numpy(dtype=float)
    weights = obj["_w"].to_numpy(dtype=float)
    counted = (obj[ESITO] != ESCLUSO).to_numpy()
    order = pd.unique(gid)
    idx_of = pd.Series(np.arange(len(gid))).groupby(gid).indices
    codes = obj[C.CODICE].tolist() if C.CODICE in obj else [None] * len(obj)
    for g in order:
        idx = idx_of[g]
        grade = weighted_grade(grades[idx], weights[idx], counted[idx], rules.missing)
        first = idx[0]
        code = cell_text(codes[first]) or ""
        parts = code.split(".")
        node_code = ".".join(parts[: len(keys)]) if len(parts) > len(keys) else ""
        rec: dict[str, object] = {"Codice": node_code}
        for k in keys:
            rec[k] = frame.iat[first, keys.index(k)]
        rec[GRADO] = grade
        rec[FASCIA] = rules.not_reported if math.isnan(grade) else rules.band(grade)
        rec[OBIETTIVI] = len(idx)
        rec[RILEVATI] = int((obj[ESITO].to_numpy()[idx] == RILEVATO).sum())
        rec[ESCLUSI] = int((~counted[idx]).sum())
        rows.append(rec)
    return pd.DataFrame(rows, columns=cols)


def _sector_grades(tree: Tree, obj: pd.DataFrame, rules: Rules, notes: list[str]
                   ) -> pd.DataFrame:
    cols = [C.SETTORE, C.SIGLA, GRADO, FASCIA, GUIDATI, RILEVATI, ESCLUSI, COINVOLTO,
            GRADO_COINVOLTO]
    registry = registry_problems(tree)[0]
    if not len(registry):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    leader, pairs = row_roles(tree, registry)
    grades = obj[GRADO].to_numpy(dtype=float)
    weights = obj["_w"].to_numpy(dtype=float)
    counted = (obj[ESITO] != ESCLUSO).to_numpy()
    reported = (obj[ESITO] == RILEVATO).to_numpy()
    inv = pairs.groupby("sector")["row"].apply(np.asarray).to_dict() if len(pairs) else {}
    rows = []
    for i, (name, sigla) in enumerate(zip(registry[C.SETTORE], registry[C.SIGLA],
                                          strict=True)):
        led = np.flatnonzero(leader == i)
        involved = np.asarray(inv.get(i, []), dtype=int)
        g = weighted_grade(grades[led], weights[led], counted[led], rules.missing)
        gi = weighted_grade(grades[involved], weights[involved], counted[involved],
                            rules.missing)
        rows.append({C.SETTORE: name, C.SIGLA: sigla, GRADO: g,
                     FASCIA: rules.not_reported if math.isnan(g) else rules.band(g),
                     GUIDATI: len(led), RILEVATI: int(reported[led].sum()),
                     ESCLUSI: int((~counted[led]).sum()), COINVOLTO: len(involved),
                     GRADO_COINVOLTO: gi})
    orphans = int((leader < 0).sum())
    if orphans:
        notes.append(f"{orphans} obiettivi senza settore responsabile contano per il comune "
                     "ma per nessun settore.")
    return pd.DataFrame(rows, columns=cols)


def measure(tree: Tree, rules: Rules | None = None, *, rilevazione: str | None = None
            ) -> Measurement:
    """Measure ``tree`` with ``rules`` (default: ``load_rules()``); pure.

    ``rilevazione`` picks a monitoring round (``"30/06"``/``"31/12"``); by default the
    latest round with values, else the plain monitoring columns.
    """
    rules = rules if rules is not None else load_rules()
    notes: list[str] = []
    rilevazione, fields = measure_columns(tree, rilevazione)
    if rilevazione:
        notes.append(f"Misurazione sulla rilevazione al {rilevazione}.")
    obj = _grade_objectives(tree, rules, fields, notes)
    obj["_w"] = _weights(tree, obj, fields, notes)
    if rules.missing == MISSING_ZERO:
        notes.append("Gli obiettivi non rilevati contano 0 % nei livelli superiori.")
    else:
        notes.append("Gli obiettivi non rilevati non contano nei livelli superiori.")
    counted = (obj[ESITO] != ESCLUSO).to_numpy()
    grades = obj[GRADO].to_numpy(dtype=float)
    overall = weighted_grade(grades, obj["_w"].to_numpy(), counted, rules.missing)
    used = counted & (~np.isnan(grades) | (rules.missing == MISSING_ZERO))
    if math.isnan(overall):
        used = np.zeros(len(obj), dtype=bool)
    w_used = np.where(used, obj["_w"].to_numpy(), 0.0)
    total = w_used.sum()
    share = (w_used / total if total > 0 else
             np.where(used, 1.0 / max(int(used.sum()), 1), 0.0))
    areas = _group_grades(obj, [C.AREA], rules)
    strategic = _group_grades(obj, [C.AREA, C.STRATEGICO], rules)
    multi_year = _group_grades(obj, [C.AREA, C.STRATEGICO, C.PLURIENNALE], rules)
    sectors = _sector_grades(tree, obj, rules, notes)
    obj[C.PESO] = obj.pop("_w")
    obj[QUOTA] = share
    counts = obj[FASCIA].value_counts()
    band_rows = [{FASCIA: b.label, "Da %": b.lower, OBIETTIVI: int(counts.get(b.label, 0))}
                 for b in rules.bands]
    band_rows.append({FASCIA: rules.not_reported, "Da %": math.nan,
                      OBIETTIVI: int((obj[ESITO] == NON_RILEVATO).sum())})
    if (obj[ESITO] == ESCLUSO).any():
        band_rows.append({FASCIA: ESCLUSO_LABEL, "Da %": math.nan,
                          OBIETTIVI: int((obj[ESITO] == ESCLUSO).sum())})
    bands = pd.DataFrame(band_rows, columns=[FASCIA, "Da %", OBIETTIVI])
    below = rules.not_reached_below
    not_reached = obj[(obj[ESITO] == RILEVATO) & (obj[GRADO] < below)]
    return Measurement(
        objectives=obj, multi_year=multi_year, strategic=strategic, areas=areas,
        sectors=sectors, bands=bands, overall=None if math.isnan(overall) else overall,
        notes=tuple(notes), not_reached=not_reached.reset_index(drop=True), year=tree.year,
        rilevazione=rilevazione, rules=rules)


def require_measured(tree: Tree, rules: Rules | None = None, *,
                     rilevazione: str | None = None) -> Measurement:
    """``measure`` the tree, refusing (``NotMeasured``) one with no monitoring value at all."""
    m = measure(tree, rules, rilevazione=rilevazione)
    if not (m.objectives[ESITO] == RILEVATO).any():
        when = f" al {m.rilevazione}" if m.rilevazione else ""
        raise NotMeasured(
            f"L'albero non ha ancora valori di monitoraggio{when} (Avanzamento %, Valore "
            "consuntivo o uno Stato che vale un grado): non c'è nulla da misurare. Raccogliere "
            "prima le cartelle compilate dai settori.")
    return m


def try_measure(tree: Tree, rules: Rules | None = None) -> Measurement | None:
    """The measurement when the tree has monitoring values, else ``None`` (nothing to show)."""
    try:
        return require_measured(tree, rules)
    except NotMeasured:
        return None


# --- JSON ---------------------------------------------------------------------------------
def _plain(v: object) -> object:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else round(f, 2)
    return str(v)


def _records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None:
        return []
    return [{str(k): _plain(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def summary(m: Measurement) -> dict:
    """The ``riepilogo`` of a measurement (counts, the comune's grado, notes)."""
    esito = m.objectives[ESITO] if len(m.objectives) else pd.Series(dtype=object)
    return {
        "anno": m.year,
        "rilevazione": m.rilevazione,
        "grado_comune": _plain(m.overall),
        "fascia_comune": m.overall_band,
        "obiettivi_operativi": int(len(m.objectives)),
        "rilevati": int((esito == RILEVATO).sum()),
        "non_rilevati": int((esito == NON_RILEVATO).sum()),
        "esclusi": int((esito == ESCLUSO).sum()),
        "non_raggiunti": int(len(m.not_reached)) if m.not_reached is not None else 0,
        "aree": int(len(m.areas)),
        "settori": int(len(m.sectors)),
        "regole": m.rules.source,
        "note": list(m.notes),
    }


def to_json(m: Measurement) -> dict:
    """What ``albero misura --json`` prints (see the module docstring)."""
    return {
        "riepilogo": summary(m),
        "obiettivi": _records(m.objectives),
        "aree": _records(m.areas),
        "strategici": _records(m.strategic),
        "pluriennali": _records(m.multi_year),
        "settori": _records(m.sectors),
        "fasce": _records(m.bands),
        "non_raggiunti": _records(m.not_reached),
    }
