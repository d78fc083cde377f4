"""Console output for the command line (the only place that prints)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")


class Ui:
    """Writes user messages; ``progress`` shows a bar on a terminal (tqdm when available)."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._err = err or sys.stderr

    def out(self, text: str = "") -> None:
        print(text, file=self._out)

    def err(self, text: str) -> None:
        print(text, file=self._err)

    def progress(self, items: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - tqdm is optional
            yield from items
            return
        yield from tqdm(items, total=total, desc=desc, file=self._err, unit="settore",
                        disable=None, leave=True)
