"""Canonical column names of the tree and of the sector registry, and header matching.

Users see Italian headers; code refers to them through these constants only.
"""

from __future__ import annotations

import re
import unicodedata

# --- the tree sheet -------------------------------------------------------------------
CODICE = "Codice"
ANNO = "Anno"
AREA = "Area strategica"
STRATEGICO = "Obiettivo strategico"
PLURIENNALE = "Obiettivo pluriennale"
PERIODO = "Periodo"
OPERATIVO = "Obiettivo operativo"
RESPONSABILE = "Settore responsabile"
COINVOLTI = "Settori coinvolti"
INDICATORE = "Indicatore"
TARGET = "Target"
PESO = "Peso"
STATO = "Stato"
AVANZAMENTO = "Avanzamento %"
CODICE_ORIGINE = "Codice origine"
#: Monitoring columns filled in by the dirigenti and read by ``measure`` (found by header
#: matching among the tree's own columns: they stay "unknown" columns of the tree).
CONSUNTIVO = "Valore consuntivo"
POLARITA = "Polarità"
NOTE = "Note"

#: The five levels, top to bottom (the sector is the fifth).
LEVELS: tuple[str, ...] = (AREA, STRATEGICO, PLURIENNALE, OPERATIVO, RESPONSABILE)
#: Columns every canonical tree has, in canonical order.
TREE_COLUMNS: tuple[str, ...] = (
    CODICE, ANNO, AREA, STRATEGICO, PLURIENNALE, PERIODO, OPERATIVO, RESPONSABILE, COINVOLTI,
)
#: Optional monitoring columns real plans carry (year-specific data).
MONITORING_COLUMNS: tuple[str, ...] = (INDICATORE, TARGET, PESO, STATO, AVANZAMENTO)
KNOWN_COLUMNS: tuple[str, ...] = TREE_COLUMNS + MONITORING_COLUMNS + (CODICE_ORIGINE,)
#: Text columns where a formula or an Excel error is a mistake.
TEXT_COLUMNS: tuple[str, ...] = (AREA, STRATEGICO, PLURIENNALE, OPERATIVO, RESPONSABILE, COINVOLTI)

#: Allowed values of ``Stato``.
STATI: tuple[str, ...] = ("Da avviare", "In corso", "Concluso", "Annullato", "Sospeso")
STATI_CHIUSI: tuple[str, ...] = ("Concluso", "Annullato")

#: Separator of the list in ``Settori coinvolti`` (sector names contain commas).
SEPARATORE_SETTORI = "; "
#: Token meaning "every sector".
TUTTI = "TUTTI"
#: Token meaning "the managers concerned" (sectors not named in the plan).
INTERESSATI = "DIRIGENTI INTERESSATI"

# --- the sector registry --------------------------------------------------------------
SETTORE = "Settore"
SIGLA = "Sigla"
DIRIGENTE = "Dirigente"
EMAIL = "Email"
REGISTRY_COLUMNS: tuple[str, ...] = (SETTORE, SIGLA, DIRIGENTE, EMAIL)

#: Default sheet names.
SHEET_TREE = "Albero"
SHEET_SECTORS = "Settori"

#: Monitoring rounds (rilevazioni): mid-year and year-end check.
ROUNDS: tuple[str, ...] = ("30/06", "31/12")
#: Monitoring columns that have one value per round (``Avanzamento % 31/12``).
ROUND_FIELDS: tuple[str, ...] = (STATO, AVANZAMENTO, CONSUNTIVO, NOTE)


def round_column(column: str, rilevazione: str | None) -> str:
    """The column of ``column`` for a round: ``Avanzamento % 30/06`` (plain without round)."""
    return f"{column} {rilevazione}" if rilevazione else column


#: Columns on a 0–100 scale: a cell formatted as a percentage (Excel stores 50 % as 0.5)
#: is read as the percentage it shows.
PERCENT_COLUMNS: frozenset[str] = frozenset(
    {AVANZAMENTO, PESO, *(round_column(AVANZAMENTO, r) for r in ROUNDS)})


# --- header matching ------------------------------------------------------------------
#: Accepted header spellings per canonical column, already in folded form (see ``fold``).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    CODICE: ("codice", "cod", "codice obiettivo", "id", "numero", "n"),
    ANNO: ("anno", "anno piano", "annualita", "esercizio"),
    AREA: ("area strategica", "aree strategiche", "area", "aree", "area strategiche"),
    STRATEGICO: ("obiettivo strategico", "obiettivi strategici", "strategico"),
    PLURIENNALE: (
        "obiettivo pluriennale", "obiettivi pluriennali", "valore pubblico",
        "obiettivo di valore pubblico", "obiettivi di valore pubblico", "pluriennale",
    ),
    PERIODO: ("periodo", "periodo pluriennale", "triennio", "biennio"),
    OPERATIVO: (
        "obiettivo operativo", "obiettivi operativi", "obiettivo operativo annuale",
        "obiettivi operativi annuali", "obiettivi performance", "obiettivo performance",
        "obiettivi performance obiettivi operativi annuali peg",
        "obiettivi di performance", "obiettivo peg", "obiettivi peg",
    ),
    RESPONSABILE: (
        "settore responsabile", "settori responsabili", "settore", "settori", "responsabile",
    ),
    COINVOLTI: ("settori coinvolti", "settore coinvolto", "coinvolti", "altri settori"),
    INDICATORE: ("indicatore", "indicatori"),
    TARGET: ("target", "valore atteso", "risultato atteso"),
    PESO: ("peso", "pesi", "peso %"),
    STATO: ("stato", "stato avanzamento"),
    AVANZAMENTO: ("avanzamento", "avanzamento %", "percentuale avanzamento", "avanzamento percentuale"),
    CODICE_ORIGINE: ("codice origine", "origine", "codice precedente"),
}
#: Accepted spellings of the measuring columns (not part of the canonical tree).
MEASURE_ALIASES: dict[str, tuple[str, ...]] = {
    CONSUNTIVO: ("consuntivo", "valore consuntivo", "valore raggiunto", "valore effettivo",
                 "risultato raggiunto", "valore rilevato", "valore a consuntivo"),
    POLARITA: ("polarita", "polarita indicatore", "verso", "verso indicatore"),
    NOTE: ("note", "note del dirigente", "note monitoraggio", "commento"),
}
REGISTRY_ALIASES: dict[str, tuple[str, ...]] = {
    SETTORE: ("settore", "settori", "nome settore", "denominazione"),
    SIGLA: ("sigla", "codice settore", "abbreviazione"),
    DIRIGENTE: ("dirigente", "dirigenti", "responsabile"),
    EMAIL: ("email", "e mail", "mail", "posta elettronica", "indirizzo email", "pec"),
}

_NON_ALNUM = re.compile(r"[^a-z0-9%]+")


def fold(text: object) -> str:
    """Fold a header for tolerant matching: lower case, no accents, punctuation as spaces."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    s = _NON_ALNUM.sub(" ", s.lower()).strip()
    return re.sub(r"\s+", " ", s)


def _singular(word: str) -> str:
    """A crude Italian singular for matching ``obiettivi``/``obiettivo``, ``aree``/``area``."""
    for plural, singular in (("ivi", "ivo"), ("ici", "ico"), ("ali", "ale"), ("ori", "ore"),
                             ("ee", "ea"), ("i", "o")):
        if word.endswith(plural) and len(word) > 3:
            return word[: -len(plural)] + singular
    return word


def header_key(text: object) -> str:
    """Folded and singularised form of a header: equal keys mean the same column."""
    return " ".join(_singular(w) for w in fold(text).replace("%", " % ").split())


def _index(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            out.setdefault(header_key(name), canonical)
    return out


_TREE_INDEX = _index(HEADER_ALIASES)
_REGISTRY_INDEX = _index(REGISTRY_ALIASES)


def match_header(text: object, registry: bool = False) -> str | None:
    """Return the canonical column a header stands for, or ``None`` for an unknown column."""
    if text is None:
        return None
    key = header_key(text)
    if not key:
        return None
    return (_REGISTRY_INDEX if registry else _TREE_INDEX).get(key)


def accepted_headers(column: str) -> tuple[str, ...]:
    """Header spellings accepted for a canonical column (for messages)."""
    names = HEADER_ALIASES.get(column) or REGISTRY_ALIASES.get(column) or ()
    return (column, *names)


def find_column(columns: object, canonical: str, rilevazione: str | None = None) -> str | None:
    """The column among ``columns`` that stands for ``canonical`` (in a round, if given).

    Matches the canonical name and its aliases (``HEADER_ALIASES`` / ``MEASURE_ALIASES``)
    ignoring case, accents and punctuation; with a round, ``<name> 30/06`` and the like.
    """
    names = (canonical, *HEADER_ALIASES.get(canonical, ()), *MEASURE_ALIASES.get(canonical, ()))
    keys = {header_key(round_column(n, rilevazione)) for n in names}
    for c in columns:  # type: ignore[attr-defined]
        if c == round_column(canonical, rilevazione):
            return str(c)
    for c in columns:  # type: ignore[attr-defined]
        if header_key(c) in keys:
            return str(c)
    return None


#: Excel's limit on a table column name (characters).
MAX_COLUMN_NAME = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPECIAL_ITEM = re.compile(r"^\[\s*(#[^\]]*)\]$")


def header_text(value: object) -> str:
    """A header cell as text: whole numbers without ``.0`` (``2025``), line breaks and
    runs of white space as one space, control and invisible characters removed."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    m = _SPECIAL_ITEM.match(text)  # "[#Tutti]" is a structured-reference item in Excel
    if m:
        text = m.group(1)
    return text[:MAX_COLUMN_NAME].strip()


def unique_column_names(values: list[object], *, fallback: list[str] | None = None,
                        taken: tuple[str, ...] = ()) -> list[str]:
    """Valid, unique Excel table column names for ``values`` (one per column).

    Each name is ``header_text`` of the value (``fallback[j]`` or ``Colonna N`` when
    blank), made unique ignoring case (Excel does) with `` (2)``, `` (3)``...;
    ``taken`` are names already used (they keep theirs)."""
    seen = {t.casefold() for t in taken}
    out: list[str] = []
    for j, v in enumerate(values):
        base = header_text(v) or (fallback[j] if fallback else f"Colonna {j + 1}")
        name, k = base, 2
        while name.casefold() in seen:
            suffix = f" ({k})"
            name = base[:MAX_COLUMN_NAME - len(suffix)] + suffix
            k += 1
        seen.add(name.casefold())
        out.append(name)
    return out
