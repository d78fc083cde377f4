"""Timing helpers shared by the benchmarks (medians, side-by-side ratios).

In-process timers (``median_time``) and whole-process runs (``run_process``,
``alternate``: what a user waits for, with the process's peak memory and the load
average recorded with every figure, the sides alternated run by run)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
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


# --- whole processes: what the user waits for -------------------------------------------
PYTHON = sys.executable
ALBERO = [PYTHON, "-m", "xl_albero"]


def load() -> float:
    """The 1-minute load average (recorded with every figure: the machine is shared)."""
    return os.getloadavg()[0]


@dataclass
class Run:
    seconds: float
    peak_mb: float
    code: int
    load: float
    cpu: float = 0.0  # user + system seconds of the process (what it costs on an idle core)


#: GNU time reports a process's own peak memory; ``wait4``'s figure would include the
#: memory of this (forking) process, which Linux carries over into the child's high-water
#: mark.
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run_process(cmd: list[str], *, ok: tuple[int, ...] = (0, 1)) -> Run:
    """Run ``cmd`` as a process: wall time, its peak resident memory (GNU ``time``'s
    ``%M``, else ``wait4``), exit code, and the load average when it ended. Output is
    discarded; an exit code not in ``ok`` raises with the end of its stderr."""
    with tempfile.TemporaryDirectory() as tmp:
        mem = Path(tmp) / "peak"
        full = [GNU_TIME, "-f", "%M", "-o", str(mem), *cmd] if GNU_TIME else cmd
        with open(Path(tmp) / "err", "w+b") as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
            _, status, usage = os.wait4(p.pid, 0)
            seconds = time.perf_counter() - t0
            p.returncode = code = os.waitstatus_to_exitcode(status)
            err.seek(0)
            text = err.read()
            # exit 1 is also what an uncaught exception gives: a crash is never a timing
            if code not in ok or b"Traceback (most recent call last)" in text:
                raise RuntimeError(f"{' '.join(cmd)} -> {code}\n"
                                   f"{text[-2000:].decode(errors='replace')}")
        peak_kb = (float(mem.read_text().split()[-1]) if GNU_TIME and mem.exists()
                   else usage.ru_maxrss)
    return Run(seconds, peak_kb / 1024, code, load(), usage.ru_utime + usage.ru_stime)


def alternate(sides: dict[str, list[str]], runs: int, *, ok: tuple[int, ...] = (0, 1),
              before: Callable[[], None] | None = None) -> dict[str, list[Run]]:
    """Run every side ``runs`` times, alternating the sides run by run (the first side
    changes each round), so that a change in the machine's load hits both."""
    out: dict[str, list[Run]] = {k: [] for k in sides}
    names = list(sides)
    for i in range(runs):
        order = names[i % len(names):] + names[: i % len(names)]
        for name in order:
            if before is not None:
                before()
            out[name].append(run_process(sides[name], ok=ok))
    return out


def summarize(results: dict[str, list[Run]], *, baseline: str | None = None) -> str:
    """Medians, every run, peak memory and load; ratios against the first side."""
    names = list(results)
    ours = statistics.median(r.seconds for r in results[baseline or names[0]])
    lines = []
    for name, rs in results.items():
        med = statistics.median(r.seconds for r in rs)
        ratio = f"  ratio {med / ours:.1f}x" if name != (baseline or names[0]) else ""
        lines.append(
            f"  {name:<28} median {med:7.2f} s  runs {[round(r.seconds, 2) for r in rs]}"
            f"  cpu {statistics.median(r.cpu for r in rs):6.2f} s"
            f"  peak {max(r.peak_mb for r in rs):7.0f} MB"
            f"  load {min(r.load for r in rs):.1f}-{max(r.load for r in rs):.1f}{ratio}")
    return "\n".join(lines)
