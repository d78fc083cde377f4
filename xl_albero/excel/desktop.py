"""Python side of the classic desktop add-in (``macros/``: VBA + ``customUI14.xml``).

Each ribbon button of the ``.xlam`` runs, through xlwings ``RunPython``::

    import xl_albero.excel.desktop as d; d.run('nuovo_ciclo', anno=2026)

``run`` takes the calling workbook (``xw.Book.caller()``: with the xlwings custom add-in
module that is the *active* workbook, not the add-in), runs the command through the same
dispatcher as the Office add-in (``excel.runner.run_command``: registry lookup, option
checks, use case, rendering through xlwings' public API only) and shows the outcome in a
message box: the short result, or the failure with its Italian message. New workbooks
(the next cycle) go beside the user's workbook. xlwings is imported only inside ``run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xl_albero.errors import AlberoError
from xl_albero.excel import outcome
from xl_albero.excel.context import ExcelContext, LocalFiles
from xl_albero.excel.runner import Outcome, run_command

TITLE = outcome.TITLE


def execute(book: Any, name: str, **options: Any) -> Outcome:
    """Run command ``name`` on the xlwings ``book`` (files beside it); never raises
    ``AlberoError``: a refusal is an ``Outcome`` with ``ok=False``."""
    ctx = ExcelContext(files=LocalFiles(book_folder(book)))
    return run_command(book, name, [dict(options)] if options else [], ctx)


def notify(book: Any, message: str, *, ok: bool = True) -> bool:
    """Show ``message`` in Excel; ``False`` if Excel could not show it."""
    try:
        book.app.alert(message, title=TITLE, buttons="ok", mode="info" if ok else "critical")
    except Exception:  # Excel could not show it: the caller reports otherwise
        return False
    return True


def run(command_name: str, **options: Any) -> Any:
    """Entry point for ``RunPython`` (called from ``macros/AlberoRibbon.bas``)."""
    import xlwings as xw

    book = xw.Book.caller()
    result = execute(book, command_name, **options)
    if not notify(book, result.message, ok=result.ok) and not result.ok:
        raise AlberoError(result.message)
    return result.result


def book_folder(book: Any) -> Path:
    """The folder of the calling workbook (new workbooks go beside it), else the user's home."""
    try:
        folder = Path(book.fullname).parent
    except Exception:  # an unsaved workbook has no folder
        folder = Path.home()
    return folder if folder.is_dir() else Path.home()
