"""Exceptions the front ends turn into a clear Italian message and exit code 2.

The library raises these for input the user can fix; it never prints or exits.
"""

from __future__ import annotations


class AlberoError(Exception):
    """Base class: ``str(err)`` is an Italian message meant for the user."""

    exit_code = 2


class InputFileError(AlberoError):
    """The input file cannot be read as a tree workbook (missing, wrong format, unsafe...)."""


class OutputError(AlberoError):
    """The output cannot be written (exists, same as input, folder not writable...)."""


class TreeRefused(AlberoError):
    """An operation refused a tree that has ``errore`` findings; ``findings`` holds them."""

    exit_code = 1

    def __init__(self, message: str, findings):  # findings: pandas.DataFrame
        super().__init__(message)
        self.findings = findings
