"""Python side of the classic desktop add-in (``macros/``: VBA + ``customUI14.xml``).

Each ribbon button of the ``.xlam`` runs, through xlwings ``RunPython``::

    import xl_albero.excel.desktop as d; d.run('nuovo_ciclo', anno=2026)

``run`` looks the command up in the registry, checks the options against the command's
``excel=True`` options, calls the command's Excel adapter with the calling workbook
(``xw.Book.caller()``: with the xlwings custom add-in module that is the *active*
workbook, not the add-in) and turns an :class:`~xl_albero.errors.AlberoError` into an
Italian message box instead of a Python traceback; a command that succeeds shows its
short outcome (``excel.outcome``) in a message box too. xlwings is imported only inside
``run`` so that the core imports without it.
"""

from __future__ import annotations

from typing import Any

from xl_albero.commands import BY_NAME, Command, resolve, ribbon_commands
from xl_albero.errors import AlberoError
from xl_albero.excel import outcome

TITLE = outcome.TITLE


class DesktopCommandError(AlberoError):
    """A ribbon button asked for a command or option the registry does not offer."""


def resolve_command(name: str) -> Command:
    """The registry command behind a desktop ribbon button; Italian error otherwise."""
    cmd = BY_NAME.get(name)
    if cmd is None:
        names = ", ".join(c.name for c in ribbon_commands())
        raise DesktopCommandError(
            f"Comando «{name}» sconosciuto. Comandi disponibili in Excel: {names}. "
            "Il componente aggiuntivo potrebbe essere di una versione diversa da quella "
            "di xl-albero installata: reinstallarli insieme.")
    if not cmd.excel_entry:
        raise DesktopCommandError(
            f"«{cmd.label}» non si può eseguire da Excel: usare il comando da terminale "
            f"«albero {cmd.cli}».")
    return cmd


def prepare(name: str, options: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
    """Command and adapter keyword arguments for a button press (pure).

    Options must be the command's ``excel=True`` options; missing ones take their
    default, required ones must be given. Values are checked and converted as for the
    xlwings Server scripts (``"2026"`` -> ``2026``, ``"sì"`` -> ``True``).
    """
    from xl_albero.server.scripts import BadArguments, coerce_args

    cmd = resolve_command(name)
    try:
        kwargs = coerce_args(cmd, [dict(options)])
    except BadArguments as exc:
        raise DesktopCommandError(f"{cmd.label}: {exc}") from None
    return cmd, kwargs


def execute(book: Any, name: str, **options: Any) -> Any:
    """Run command ``name`` on the xlwings ``book``; errors propagate."""
    cmd, kwargs = prepare(name, options)
    return resolve(cmd.excel_entry)(book, **kwargs)  # type: ignore[arg-type]


def notify(book: Any, message: str) -> bool:
    """Show ``message`` in Excel; ``False`` if Excel could not show it."""
    try:
        book.app.alert(message, title=TITLE)
    except Exception:  # any failure: the caller re-raises the original error
        return False
    return True


def run(command_name: str, **options: Any) -> Any:
    """Entry point for ``RunPython`` (called from ``macros/AlberoRibbon.bas``)."""
    import xlwings as xw

    from xl_albero.server import downloads

    book = xw.Book.caller()
    token = downloads.LOCAL_FOLDER.set(_book_folder(book))
    try:
        result = execute(book, command_name, **options)
        notify(book, outcome.message(command_name, result))
        return result
    except AlberoError as exc:
        if not notify(book, str(exc)):
            raise
        return None
    finally:
        downloads.LOCAL_FOLDER.reset(token)


def _book_folder(book: Any):
    """The folder of the calling workbook (new workbooks go beside it), else the user's home."""
    from pathlib import Path

    try:
        folder = Path(book.fullname).parent
    except Exception:  # an unsaved workbook has no folder
        folder = Path.home()
    return folder if folder.is_dir() else Path.home()
