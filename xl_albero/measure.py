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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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
