"""1,500 sectors: the per-sector work of ``riepilogo`` is linear, not quadratic.

The core (registry, involvement table, every summary) is timed on generated trees of
3,000 objectives: with 1,500 sectors it must stay well under a few seconds (it took
5.5 s when each summary rebuilt a set per sector and the involvement table was built
sector by sector; 0.6 s now), and going from 375 to 3,000 sectors (8x) may cost at most
6x (linear work grows ~3x here: the rows of ``TUTTI`` objectives grow with the
sectors; the old quadratic work grew 9.5x).
"""

from __future__ import annotations

import time

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from benchmarks.gen_sectors_tree import make_tree
from xl_albero import columns as C
from xl_albero.per_sector import involvement_table, registry_problems, sector_frames
from xl_albero.summary import SOURCE_INVOLVEMENT, compute, summary_specs
from xl_albero.validation.extra import similar_pairs


def _core(tree) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        reg = registry_problems(tree)[0]
        names = reg[C.SETTORE].tolist()
        inv = involvement_table(tree, reg)
        for spec in summary_specs(tree):
            compute(tree, spec, names, inv if spec.source == SOURCE_INVOLVEMENT else None)
        best = min(best, time.perf_counter() - t)
    return best


def test_riepilogo_core_is_linear_in_the_number_of_sectors():
    small = _core(make_tree(3000, 375))
    t1500 = _core(make_tree(3000, 1500))
    big = _core(make_tree(3000, 3000))
    assert t1500 < 2.5, f"1,500 sectors: {t1500:.2f} s"
    assert big / small < 6, f"375 -> 3,000 sectors: {small:.2f} s -> {big:.2f} s"


def test_involvement_table_is_the_sector_frames_concatenated():
    tree = make_tree(800, 60, seed=5)
    reg = registry_problems(tree)[0]
    parts = []
    for name, (sigla, frame) in zip(reg[C.SETTORE], sector_frames(tree, reg).items(),
                                    strict=True):
        f = frame.reset_index(drop=True)
        f.insert(0, C.SIGLA, sigla)
        f.insert(0, C.SETTORE, name)
        parts.append(f)
    pd.testing.assert_frame_equal(involvement_table(tree, reg),
                                  pd.concat(parts, ignore_index=True))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.text(alphabet="ABCDE FGÀ", min_size=0, max_size=12), max_size=40),
       st.integers(min_value=1, max_value=7))
def test_similar_pairs_are_the_pairs_of_the_double_loop(texts, block):
    expected = [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
                if fuzz.ratio(texts[i], texts[j]) >= 88]
    assert similar_pairs(texts, 88, block=block) == expected


def test_suggestions_for_unknown_sectors_do_not_refold_the_registry():
    """300 unknown names against 1,500 sectors: 7 s when every suggestion folded the whole
    registry again (24 ms a name), well under a second now."""
    from xl_albero.validation.extra import sector_suggestion

    sectors = make_tree(10, 1500).sectors[C.SETTORE].tolist()
    t = time.perf_counter()
    hints = [sector_suggestion(f"{sectors[k][:-2]}ZZ", sectors) for k in range(300)]
    assert time.perf_counter() - t < 2.0
    assert hints[7] == f"Forse «{sectors[7]}»?"
    hidden = sectors[5].replace(" ", " \u200b", 1)
    assert "U+200B" in sector_suggestion(hidden, sectors)
