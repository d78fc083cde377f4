"""Read a workbook file into RawSheets (calamine) and then into a ``Tree``."""

from __future__ import annotations

import os

from xl_albero.io.rawsheet import RawSheet
from xl_albero.model import Tree


def read_raw_sheets(path: str | os.PathLike) -> list[RawSheet]:
    """Every sheet of a checked workbook file as a RawSheet (values, merged ranges, formulas)."""
    raise NotImplementedError


def load_tree(path: str | os.PathLike, *, sheet: str | None = None) -> Tree:
    """Check the file (``io.safety``), read it and parse the tree sheet and registry.

    Raises ``InputFileError`` with an Italian message for anything unreadable.
    """
    raise NotImplementedError
