"""Ribbon scripts of xlwings Server: one per ribbon command of the registry.

The arguments are the command's ``excel=True`` options, positionally (as the task pane
and ribbon JavaScript send them in ``args``) or as one JSON object. The dispatch itself
is the one of both add-ins, ``excel.runner``.
"""

from __future__ import annotations

from typing import Any

from xl_albero.commands import Command
from xl_albero.excel.context import ExcelContext
from xl_albero.excel.runner import (
    BadArguments,
    Outcome,
    UnknownCommand,
    coerce_args,
    excel_command,
    run_command,
)
from xl_albero.server import downloads

UnknownScript = UnknownCommand

__all__ = ["BadArguments", "UnknownScript", "coerce_args", "command", "context", "run"]


def command(name: str) -> Command:
    return excel_command(name)


def context(merged: dict[str, list[str]] | None = None) -> ExcelContext:
    """The Excel context on the server: merged areas sent by the add-in, downloads."""
    return ExcelContext(merged=merged, files=downloads)  # type: ignore[arg-type]


def run(name: str, book: Any, args: list[Any] | None = None,
        merged: dict[str, list[str]] | None = None) -> Outcome:
    """Run the ribbon command ``name`` on ``book`` (an xlwings Book)."""
    return run_command(book, name, list(args or []), context(merged))
