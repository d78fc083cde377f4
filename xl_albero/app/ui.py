"""Console output for the command line (the only place that prints).

Every text goes through ``for_terminal`` on its way out, so a cell holding a terminal
escape sequence (``ESC ] 0;…``, ``ESC [2J``), another control character or a bidi override
is shown escaped (``\\u001b]0;…``) in tables, messages, summaries and JSON alike: a
workbook cannot retitle, clear or repaint the user's terminal, nor reorder what it shows.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import ClassVar, TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")

#: What a terminal may act on or that reorders text: C0 controls except line feed and tab,
#: DEL, C1 controls (U+0080-U+009F, e.g. U+009B is a one-character CSI), line/paragraph
#: separators, bidi embeddings/overrides/isolates and marks, and the zero-width characters
#: and byte-order mark that hide text.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def for_terminal(text: object) -> str:
    """``text`` safe to print: unsafe characters become ``\\uXXXX`` (a form that is also a
    valid JSON escape, so ``--json`` output stays valid JSON and decodes to the cell)."""
    s = str(text)
    return _UNSAFE.sub(_escape, s) if _UNSAFE.search(s) else s


def one_line(text: object) -> str:
    """A name inside a line of output: as ``for_terminal``, line breaks and tabs shown too
    (``\\u000a``), so a cell cannot forge extra lines of output."""
    return for_terminal(str(text).replace("\n", "\\u000a").replace("\t", "\\u0009"))


def _on_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


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
        self._lock = threading.Lock()
        self._status: tqdm | None = None

    def out(self, text: str = "") -> None:
        self._print(for_terminal(text), self._out)

    def err(self, text: str) -> None:
        self._print(for_terminal(text), self._err)

    def _print(self, text: str, stream: TextIO) -> None:
        if Ui.pipe_closed and stream is sys.stdout:
            return
        if self._status is not None:
            self._end_status()  # results are on their way: the status line has done its job
        try:
            print(text, file=stream, flush=stream is sys.stdout)
        except BrokenPipeError:
            if stream is not sys.stdout:
                raise
            Ui.pipe_closed = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # nothing more reaches the closed pipe

    @contextmanager
    def working(self, desc: str) -> Iterator[None]:
        """A status line (``desc`` and the time elapsed) on standard error while the block
        runs, on a terminal only: reading and checking a big tree takes seconds with
        nothing else to show. It goes away when the block ends, something is printed or a
        progress bar starts."""
        if self._err is not sys.stderr or not _on_terminal(self._err):
            yield
            return
        bar = tqdm(total=None, desc=for_terminal(desc), file=self._err, leave=False,
                   bar_format="{desc} {elapsed}", mininterval=0.2)
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(0.5):
                with self._lock:
                    if self._status is bar:
                        bar.refresh()

        self._status = bar
        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self._end_status()

    def _end_status(self) -> None:
        with self._lock:
            if self._status is not None:
                self._status.close()
                self._status = None

    def progress(self, items: Iterable[T], total: int | None = None, desc: str = "",
                 unit: str = "settore") -> Iterator[T]:
        """``items``, with a progress bar on standard error when it is a terminal (no
        bar in pipes, files, tests)."""
        self._end_status()
        bar = tqdm(items, total=total, desc=for_terminal(desc), file=self._err, unit=f" {unit}",
                   disable=None if self._err is sys.stderr else True, leave=False,
                   mininterval=0.2)
        yield from bar
