"""Exceptions the front ends turn into a clear Italian message and exit code 2.

The library raises these for input the user can fix; it never prints or exits.
"""

from __future__ import annotations

from typing import Any


class AlberoError(Exception):
    """Base class: ``str(err)`` is an Italian message meant for the user.

    The message names no front-end control: when a command option solves the problem,
    the message says so by its meaning ("oppure procedere comunque") and ``option`` holds
    the option's registry name (``forza``, ``foglio``, ``sovrascrivi``, ``riprendi``...);
    each front end names its own control for it (``--forza`` in the CLI, the task-pane
    control in Excel: ``app.ui.error_text`` / ``excel.outcome.error_text``).
    """

    exit_code = 2

    def __init__(self, message: str = "", *,
                 option: str | tuple[str, ...] | None = None) -> None:
        super().__init__(message)
        self.option = option

    @property
    def options(self) -> tuple[str, ...]:
        """The options that help, in the order the message names them."""
        if self.option is None:
            return ()
        return (self.option,) if isinstance(self.option, str) else tuple(self.option)


class InputFileError(AlberoError):
    """The input file cannot be read as a tree workbook (missing, wrong format, unsafe...)."""


class SheetTooSparse(InputFileError):
    """A sheet whose few cells span a huge grid (or reach beyond Excel's limits): it is not
    read, so memory stays proportional to the cells present. The sheet chooser skips it
    while looking for the tree; asked for by name, it is an error."""


class OutputError(AlberoError):
    """The output cannot be written (exists, same as input, folder not writable...)."""


class TreeRefused(AlberoError):
    """An operation refused a tree that has ``errore`` findings; ``findings`` holds them."""

    exit_code = 1

    def __init__(self, message: str, findings: Any, *,  # findings: pandas.DataFrame
                 option: str | tuple[str, ...] | None = None) -> None:
        super().__init__(message, option=option)
        self.findings = findings


class RegistryRefused(AlberoError):
    """The sector registry cannot name a sheet and a file per sector (colliding or
    unusable Siglas...); ``findings`` holds the problems with sheet, row and cell."""

    def __init__(self, message: str, findings: Any) -> None:
        super().__init__(message)
        self.findings = findings


_OS_REASONS = {
    "EACCES": "permessi insufficienti",
    "EPERM": "operazione non permessa",
    "ENOENT": "file o cartella inesistente",
    "ENOTDIR": "un elemento del percorso non è una cartella",
    "EISDIR": "è una cartella",
    "EEXIST": "esiste già",
    "ENOSPC": "spazio su disco esaurito",
    "EDQUOT": "quota disco superata",
    "EROFS": "disco in sola lettura",
    "ENAMETOOLONG": "nome troppo lungo",
    "EFBIG": "file troppo grande",
    "EBUSY": "file in uso",
    "ETXTBSY": "file in uso",
    "EMFILE": "troppi file aperti",
    "ECONNREFUSED": "connessione rifiutata",
    "ETIMEDOUT": "tempo scaduto",
    "EHOSTUNREACH": "host non raggiungibile",
    "ENETUNREACH": "rete non raggiungibile",
    "ECONNRESET": "connessione interrotta dal server",
}


def os_reason(exc: OSError) -> str:
    """The reason of an operating-system error in Italian (``strerror`` is English)."""
    import errno

    name = errno.errorcode.get(exc.errno or -1, "")
    return _OS_REASONS.get(name) or (f"errore di sistema {name}" if name else str(exc))
