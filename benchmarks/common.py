"""Timing helpers shared by the benchmarks (medians, side-by-side ratios)."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def report(title: str, ours: tuple[float, list[float]], naive: tuple[float, list[float]]) -> str:
    ratio = naive[0] / ours[0] if ours[0] else float("inf")
    return (f"{title}\n  xl-albero : median {ours[0]:.2f} s  runs {[round(t, 2) for t in ours[1]]}"
            f"\n  naive     : median {naive[0]:.2f} s  runs {[round(t, 2) for t in naive[1]]}"
            f"\n  ratio     : {ratio:.1f}x faster")


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls of ``fn`` (``median_time`` without the runs)."""
    return median_time(fn, runs)[0]
