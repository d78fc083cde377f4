"""Console output for the command line (the only place that prints)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import ClassVar, TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")


class Ui:
    """Writes user messages; ``progress`` shows a bar on a terminal.

    A reader that goes away (``albero valida FILE | head``) ends the output, not the
    work: later lines are dropped (``pipe_closed``) and the command finishes and returns
    its own exit code.
    """

    pipe_closed: ClassVar[bool] = False

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._err = err or sys.stderr

    def out(self, text: str = "") -> None:
        self._print(text, self._out)

    def err(self, text: str) -> None:
        self._print(text, self._err)

    def _print(self, text: str, stream: TextIO) -> None:
        if Ui.pipe_closed and stream is sys.stdout:
            return
        try:
            print(text, file=stream, flush=stream is sys.stdout)
        except BrokenPipeError:
            if stream is not sys.stdout:
                raise
            Ui.pipe_closed = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # nothing more reaches the closed pipe

    def progress(self, items: Iterable[T], total: int | None = None, desc: str = "",
                 unit: str = "settore") -> Iterator[T]:
        """``items``, with a progress bar on standard error when it is a terminal (no
        bar in pipes, files, tests)."""
        bar = tqdm(items, total=total, desc=desc, file=self._err, unit=f" {unit}",
                   disable=None if self._err is sys.stderr else True, leave=False,
                   mininterval=0.2)
        yield from bar
