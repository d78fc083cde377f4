"""Read a workbook file into a ``Tree`` (the file is opened by ``io.file_source``)."""

from __future__ import annotations

import os

from xl_albero.io.file_source import FileSource
from xl_albero.model import Tree
from xl_albero.sheet_parser import tree_from_source


def load_tree(path: str | os.PathLike, *, sheet: str | None = None) -> Tree:
    """Check the file, read it and parse the tree sheet and the sector registry.

    Only the sheets needed are read (``sheet_parser.tree_from_source`` decides which).
    Raises ``InputFileError`` with an Italian message for anything unreadable.
    """
    with FileSource(path) as source:
        return tree_from_source(source, sheet=sheet)
