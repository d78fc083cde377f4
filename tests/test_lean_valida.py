"""``albero valida`` imports only what it needs, and the summary counts fold distinct values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_albero import columns as C
from xl_albero.validation import distinct_folded

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"

_PROBE = """
import sys
from xl_albero.cli import main
try:
    main(["valida", "--json", sys.argv[1]])
except SystemExit:
    pass
print("MODULES", sorted(m for m in ("hypothesis", "xlsxwriter", "openpyxl", "xlwings")
                        if m in sys.modules))
"""


def test_valida_does_not_import_hypothesis_or_writers():
    p = subprocess.run([sys.executable, "-c", _PROBE, str(SAMPLE)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    out, _, modules = p.stdout.rpartition("MODULES ")
    assert json.loads(out)["riepilogo"]["obiettivi_operativi"] == 48
    assert modules.strip() == "[]"


def test_hypothesis_still_importable_after_pandera():
    code = ("import xl_albero.validation, hypothesis.strategies as st; "
            "from pandera.strategies.base_strategies import HAS_HYPOTHESIS; "
            "print(st.integers().example() is not None, HAS_HYPOTHESIS)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert p.stdout.split() == ["True", "False"], p.stderr


def _naive(frame: pd.DataFrame) -> int:
    return int(frame.dropna().map(C.fold).drop_duplicates().shape[0])


_cell = st.one_of(st.none(), st.just(float("nan")), st.integers(-3, 3),
                  st.sampled_from(["Città", "citta", "CITTÀ ", "Area 1", "area-1", "x", "X.",
                                   "", " ", "più", "piu"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_cell, _cell, _cell), max_size=30))
def test_distinct_folded_equals_folding_every_cell(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"], dtype=object)
    for cols in (["a"], ["a", "b"], ["a", "b", "c"]):
        assert distinct_folded(frame[cols]) == _naive(frame[cols])
