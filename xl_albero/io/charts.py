"""Charts of the relazione as PNG images (matplotlib, Agg canvas, imported lazily).

Drawn for paper in black and white: grey fills with hatches (never colour alone), each bar
labelled with its figure, labels wrapped so long titles stay legible.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

WIDTH_IN = 6.3  # 16 cm: the text width of an A4 portrait page
DPI = 200
FONT_PT = 8.5
#: The band chart is printed narrower (this share of the text width).
BAND_WIDTH = 0.8
#: (fill grey, hatch) per band, lightest for the best band; cycled if there are more.
BAND_STYLES: tuple[tuple[str, str], ...] = (
    ("0.92", ""), ("0.75", "..."), ("0.55", "//"), ("0.35", "xx"), ("0.15", "\\\\"),
    ("1.0", "--"))


def _figure(height_in: float, width_in: float = WIDTH_IN):  # -> (Figure, Axes)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_PT)
    return fig, ax


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _fmt(v: float) -> str:
    """As the document's tables write a grado (``relazione.fmt_grado``: two decimals)."""
    return f"{v:.2f}".replace(".", ",") + "%"


def area_chart(labels: Sequence[str], values: Sequence[float | None]) -> bytes:
    """Horizontal bars: grado di raggiungimento (0-100) per area, figure at each bar's end."""
    n = max(len(labels), 1)
    wrapped = [textwrap.fill(str(t), 38, max_lines=3, placeholder=" …") for t in labels]
    fig, ax = _figure(min(0.9 + 0.42 * n * max(1, max((w.count("\n") + 1 for w in wrapped),
                                                        default=1) * 0.6), 9.0))
    ys = list(range(len(labels)))[::-1]
    vals = [0.0 if v is None else float(v) for v in values]
    ax.barh(ys, vals, height=0.6, color="0.7", edgecolor="black", hatch="//", linewidth=0.6)
    for y, v, raw in zip(ys, vals, values, strict=True):
        text = "n.r." if raw is None else _fmt(v)
        ax.text(min(v, 100) + 1.5, y, text, va="center", ha="left", fontsize=FONT_PT,
                fontweight="bold")
    ax.set_yticks(ys, wrapped)
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("Grado di raggiungimento", fontsize=FONT_PT)
    ax.xaxis.grid(True, color="0.8", linewidth=0.5)
    ax.set_axisbelow(True)
    return _png(fig)


def band_chart(labels: Sequence[str], counts: Sequence[int]) -> bytes:
    """Horizontal bars: number of objectives per band, each bar with its own grey + hatch."""
    n = max(len(labels), 1)
    fig, ax = _figure(min(0.8 + 0.38 * n, 6.0), WIDTH_IN * BAND_WIDTH)
    ys = list(range(len(labels)))[::-1]
    top = max(counts, default=0) or 1
    for i, (y, c) in enumerate(zip(ys, counts, strict=True)):
        fill, hatch = BAND_STYLES[i % len(BAND_STYLES)]
        ax.barh(y, c, height=0.6, color=fill, edgecolor="black", hatch=hatch, linewidth=0.6)
        ax.text(c + top * 0.015, y, f"{c}", va="center", ha="left", fontsize=FONT_PT,
                fontweight="bold")
    ax.set_yticks(ys, [textwrap.fill(str(t), 30) for t in labels])
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel("Numero di obiettivi operativi", fontsize=FONT_PT)
    ax.xaxis.grid(True, color="0.8", linewidth=0.5)
    ax.set_axisbelow(True)
    return _png(fig)
