"""Cost of every command as the tree grows: whole processes, time and peak memory.

    python benchmarks/bench_scale.py                       # 10k, 100k, 300k, 1M objectives
    python benchmarks/bench_scale.py --n 10000 100000 --comandi valida settori --runs 3

For each size a synthetic tree (``gen_tree.py``, 50 sectors) is written once into
``--cartella`` (kept for the next run); each command runs as a process (``wait4`` gives
its peak resident memory). Printed: a Markdown table (seconds, peak MB) per command and
size, the CPU time (user + system: what the command costs on an idle core, steadier
than wall time on a shared machine), the CPU cost per objective (linear means flat) and
peak memory over the file's size on disk. Sizes run smallest first; the machine's load average is recorded with each figure.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from common import ALBERO, load, run_process  # type: ignore[import-not-found]

COMMANDS = ("settori", "valida", "esporta", "riepilogo", "nuovo-ciclo")


def command_line(command: str, src: Path, out: Path) -> list[str]:
    s = str(src)
    return {
        "settori": [*ALBERO, "settori", s, "-o", str(out / "settori.xlsx"), "--sovrascrivi"],
        "valida": [*ALBERO, "valida", "--json", s],
        "esporta": [*ALBERO, "esporta", s, "--cartella", str(out / "esporta"),
                    "--sovrascrivi"],
        "riepilogo": [*ALBERO, "riepilogo", s, "-o", str(out / "riepilogo.xlsx"),
                      "--sovrascrivi"],
        "nuovo-ciclo": [*ALBERO, "nuovo-ciclo", s, "--anno", "2026", "-o",
                        str(out / "nuovo.xlsx"), "--sovrascrivi"],
    }[command]


def tree_file(folder: Path, n: int) -> Path:
    path = folder / f"albero_{n}.xlsx"
    if not path.exists():
        from gen_tree import make_tree  # type: ignore[import-not-found]

        from xl_albero.io.table_writer import write_tree_workbook

        write_tree_workbook(make_tree(n), path)
    return path


def _k(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000, 300_000, 1_000_000],
                   help="tree sizes in objectives (default 10000 100000 300000 1000000)")
    p.add_argument("--comandi", nargs="+", choices=COMMANDS, default=list(COMMANDS),
                   help="commands to time (default: all)")
    p.add_argument("--runs", type=int, default=1, help="runs per command and size (median)")
    p.add_argument("--cartella", type=Path, default=Path(tempfile.gettempdir()) / "albero_bench",
                   help="where the generated trees are kept")
    a = p.parse_args(argv)
    a.cartella.mkdir(parents=True, exist_ok=True)
    sizes = sorted(a.n)
    table: dict[tuple[str, int], tuple[float, float, float, float, float]] = {}
    for n in sizes:
        src = tree_file(a.cartella, n)
        mb = src.stat().st_size / 2**20
        with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
            out = Path(tmp)
            for command in a.comandi:
                runs = []
                for _ in range(a.runs):
                    shutil.rmtree(out / "esporta", ignore_errors=True)
                    runs.append(run_process(command_line(command, src, out)))
                sec = statistics.median(r.seconds for r in runs)
                peak = max(r.peak_mb for r in runs)
                cpu = statistics.median(r.cpu for r in runs)
                table[command, n] = (sec, peak, mb, max(r.load for r in runs), cpu)
                print(f"{command:<12} {_k(n):>5}  {sec:8.2f} s (cpu {cpu:7.2f} s)  "
                      f"peak {peak:7.0f} MB  "
                      f"({peak / mb:4.1f}x the {mb:.0f} MB file)  "
                      f"{sec / n * 1e6:6.1f} us/objective  load {runs[-1].load:.1f}",
                      flush=True)
    print()
    print("| command | " + " | ".join(f"{_k(n)} objectives" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for command in a.comandi:
        cells = []
        for n in sizes:
            sec, peak, mb, ld, cpu = table[command, n]
            cells.append(f"{sec:.1f} s (cpu {cpu:.1f} s), {peak:.0f} MB ({peak / mb:.1f}×)")
        print(f"| `{command}` | " + " | ".join(cells) + " |")
    print()
    print("cpu cost per objective (µs), flat = linear:")
    for command in a.comandi:
        print(f"  {command:<12} " + "  ".join(
            f"{_k(n)}: {table[command, n][4] / n * 1e6:.1f}" for n in sizes))
    print(f"load average at the end: {load():.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
