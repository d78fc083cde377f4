"""The measuring rules (``schemas/misura.yaml``): bands, missing values, cap, polarity.

``load_rules(path=None) -> Rules`` reads the finance office's file (default: the one in
``schemas/``, shipped in the wheel). Every key has a default (the values of the shipped
file), so a file may set only what it changes. A malformed file raises ``InputFileError``
with an Italian message naming the key.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from xl_albero import columns as C
from xl_albero.errors import InputFileError

RULES_FILE = "misura.yaml"

CRESCENTE = "crescente"
DECRESCENTE = "decrescente"
SI_NO = "si_no"
POLARITIES: tuple[str, ...] = (CRESCENTE, DECRESCENTE, SI_NO)
#: How each polarity is said to users.
POLARITY_LABELS: dict[str, str] = {
    CRESCENTE: "più alto è meglio", DECRESCENTE: "più basso è meglio", SI_NO: "sì/no",
}
MISSING_EXCLUDE = "escludi"
MISSING_ZERO = "zero"
PRIORITY_ACTUAL = "consuntivo"
PRIORITY_PROGRESS = "avanzamento"


@dataclass(frozen=True)
class Band:
    """A band of achievement: ``lower`` (inclusive, in %) and its Italian label."""

    lower: float
    label: str


@dataclass(frozen=True)
class Rules:
    """The measuring rules (see ``schemas/misura.yaml`` for the meaning of each)."""

    bands: tuple[Band, ...] = (Band(0, "Non raggiunto"), Band(50, "Parzialmente raggiunto"),
                               Band(75, "Sostanzialmente raggiunto"), Band(100, "Raggiunto"))
    not_reached: str = "Non raggiunto"
    not_reported: str = "Non rilevato"
    missing: str = MISSING_EXCLUDE
    cap: float = 100.0
    priority: str = PRIORITY_ACTUAL
    default_polarity: str = CRESCENTE
    polarity_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    status_grades: tuple[tuple[str, float], ...] = (("Concluso", 100.0),)
    excluded_states: tuple[str, ...] = ("Annullato",)
    missing_weights: str = "uguali"
    source: str = ""

    @property
    def not_reached_below(self) -> float:
        """Grado under which an objective is "not reached" (the next band's lower bound)."""
        labels = [b.label for b in self.bands]
        i = labels.index(self.not_reached)
        return self.bands[i + 1].lower if i + 1 < len(self.bands) else float("inf")

    def band(self, grado: float) -> str:
        """The label of the band ``grado`` falls in."""
        label = self.bands[0].label
        for b in self.bands:
            if grado >= b.lower:
                label = b.label
        return label


def rules_path(path: str | os.PathLike | None = None) -> Path:
    from xl_albero.validation.schema import schemas_dir

    return Path(path) if path is not None else schemas_dir() / RULES_FILE


def load_rules(path: str | os.PathLike | None = None) -> Rules:
    """The rules from ``path`` (a user's file) or the default ``schemas/misura.yaml``."""
    p = rules_path(path)
    if not p.is_file():
        raise InputFileError(f"Il file delle regole di misurazione «{p}» non esiste.")
    return _load(str(p.resolve()), p.stat().st_mtime)


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Rules:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputFileError(f"Il file delle regole di misurazione «{path}» non si legge "
                             f"come YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _bad(path, "il file deve contenere delle voci «nome: valore»")
    return parse_rules(data, source=path)


def _bad(path: str, why: str) -> InputFileError:
    return InputFileError(f"Il file delle regole di misurazione «{path}» non è valido: {why}.")


def _number(path: str, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _bad(path, f"«{key}» deve essere un numero, non «{value}»")
    return float(value)


def _choice(path: str, key: str, value: object, allowed: tuple[str, ...]) -> str:
    v = str(value).strip().lower().replace("/", "_").replace(" ", "_")
    if v not in allowed:
        shown = ", ".join(allowed)
        raise _bad(path, f"«{key}» vale «{value}»; valori ammessi: {shown}")
    return v


def parse_rules(data: dict, source: str = "") -> Rules:
    """Rules from the YAML mapping (missing keys take the defaults)."""
    d = Rules()
    path = source or "(regole)"
    known = {"fasce", "non_raggiunto", "non_rilevato", "valori_mancanti", "tetto", "priorita",
             "polarita_predefinita", "polarita_indicatore", "stati_grado", "stati_esclusi",
             "pesi_mancanti"}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise _bad(path, "voci sconosciute " + ", ".join(f"«{k}»" for k in unknown)
                   + " (ammesse: " + ", ".join(sorted(known)) + ")")
    bands = d.bands
    if "fasce" in data:
        raw = data["fasce"]
        if not isinstance(raw, list) or not raw:
            raise _bad(path, "«fasce» deve essere un elenco di voci {da: numero, etichetta: testo}")
        out: list[Band] = []
        for item in raw:
            if not isinstance(item, dict) or "da" not in item or "etichetta" not in item:
                raise _bad(path, "ogni fascia deve avere «da» (soglia in %) ed «etichetta»")
            label = str(item["etichetta"]).strip()
            if not label:
                raise _bad(path, "una fascia ha l'etichetta vuota")
            out.append(Band(_number(path, "da", item["da"]), label))
        if out[0].lower != 0:
            raise _bad(path, "la prima fascia deve partire da 0")
        if any(b.lower <= a.lower for a, b in zip(out, out[1:], strict=False)):
            raise _bad(path, "le soglie delle fasce devono essere in ordine crescente")
        if len({b.label for b in out}) != len(out):
            raise _bad(path, "due fasce hanno la stessa etichetta")
        bands = tuple(out)
    cap = _number(path, "tetto", data["tetto"]) if "tetto" in data else d.cap
    if cap <= 0:
        raise _bad(path, "«tetto» deve essere maggiore di 0")
    if bands[-1].lower > cap:
        raise _bad(path, f"l'ultima fascia parte da {bands[-1].lower:g}, oltre il tetto {cap:g}")
    not_reached = str(data.get("non_raggiunto", bands[0].label)).strip()
    if not_reached not in {b.label for b in bands}:
        raise _bad(path, f"«non_raggiunto» vale «{not_reached}», che non è l'etichetta di "
                   "nessuna fascia")
    not_reported = str(data.get("non_rilevato", d.not_reported)).strip() or d.not_reported
    missing = _choice(path, "valori_mancanti", data.get("valori_mancanti", d.missing),
                      (MISSING_EXCLUDE, MISSING_ZERO))
    priority = _choice(path, "priorita", data.get("priorita", d.priority),
                       (PRIORITY_ACTUAL, PRIORITY_PROGRESS))
    polarity = _choice(path, "polarita_predefinita",
                       data.get("polarita_predefinita", d.default_polarity), POLARITIES)
    words_raw = data.get("polarita_indicatore") or {}
    if not isinstance(words_raw, dict):
        raise _bad(path, "«polarita_indicatore» deve avere le voci crescente, decrescente, si_no "
                   "con un elenco di parole")
    words: list[tuple[str, tuple[str, ...]]] = []
    for k, v in words_raw.items():
        pol = _choice(path, "polarita_indicatore", k, POLARITIES)
        items = v if isinstance(v, list) else ([] if v is None else [v])
        folded = tuple(C.fold(x) for x in items if C.fold(x))
        words.append((pol, folded))
    grades_raw = data.get("stati_grado", dict(d.status_grades)) or {}
    if not isinstance(grades_raw, dict):
        raise _bad(path, "«stati_grado» deve avere voci «Stato: grado»")
    grades = tuple((str(k).strip(), _number(path, f"stati_grado: {k}", v))
                   for k, v in grades_raw.items())
    excluded_raw = data.get("stati_esclusi", list(d.excluded_states)) or []
    if not isinstance(excluded_raw, list):
        excluded_raw = [excluded_raw]
    excluded = tuple(str(x).strip() for x in excluded_raw if str(x).strip())
    weights = _choice(path, "pesi_mancanti", data.get("pesi_mancanti", d.missing_weights),
                      ("uguali",))
    return Rules(bands=bands, not_reached=not_reached, not_reported=not_reported,
                 missing=missing, cap=cap, priority=priority, default_polarity=polarity,
                 polarity_words=tuple(words), status_grades=grades, excluded_states=excluded,
                 missing_weights=weights, source=source)
