"""Use cases: each user command as one library call, ``(source, options) -> result``.

``source`` is a :class:`~xl_albero.rawsheet.SheetSource` (a file: ``io.file_source.FileSource``;
an open Excel workbook: ``excel.book_source.BookSource``), ``options`` a small frozen
dataclass whose fields are the command's registry option names, and the result a frozen
dataclass of plain data (findings, sector frames, summary tables, the rolled-over tree,
the mail plan). Front ends (``app/`` for the CLI, ``excel/`` for both Excel add-ins) and
file writers (``io/``) only render results: they never recheck, recompute or refuse.

A use case raises ``errors.AlberoError`` subclasses for what the user must fix; their
messages name no front-end control (``AlberoError.option`` says which option helps).
It never prints, never exits and writes no file (the mail use case sends through the
ports it is given).
"""

from xl_albero.usecases.checks import CheckedTree, check_sectors, read_tree

__all__ = ["CheckedTree", "check_sectors", "read_tree"]
