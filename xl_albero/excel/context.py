"""What an Excel renderer gets besides the workbook: merged areas sent by the client and
where generated files go (a port, so that ``excel/`` never imports ``server/``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class FileDelivery(Protocol):
    """Where workbooks generated for the user are written and how they are linked.

    xlwings Server: ``xl_albero.server.downloads`` (downloads folder, ``/scarica`` URLs);
    desktop Excel: :class:`LocalFiles` (beside the user's workbook, ``file://`` links).
    """

    def folder(self) -> Path: ...

    def new_path(self, filename: str) -> Path: ...

    def public_url(self, path: Path) -> str: ...

    def display_name(self, path: Path) -> str: ...


@dataclass(frozen=True)
class LocalFiles:
    """Files beside the user's workbook (desktop Excel); never overwrites a file."""

    base: Path

    def folder(self) -> Path:
        return self.base

    def new_path(self, filename: str) -> Path:
        import re

        safe = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", filename) or "albero.xlsx"
        path, n = self.base / safe, 2
        while path.exists():
            path = self.base / f"{Path(safe).stem} ({n}){Path(safe).suffix}"
            n += 1
        return path

    def public_url(self, path: Path) -> str:
        return path.resolve().as_uri()

    def display_name(self, path: Path) -> str:
        return path.name


def _default_files() -> FileDelivery:
    import tempfile

    return LocalFiles(Path(tempfile.gettempdir()))


@dataclass(frozen=True)
class ExcelContext:
    """``merged``: sheet name -> merged area addresses sent by the Office add-in (``None``:
    ask the engine, as desktop Excel can); ``files``: where generated workbooks go."""

    merged: Mapping[str, Sequence[str]] | None = None
    files: FileDelivery = field(default_factory=_default_files)

    def source(self, book: Any) -> Any:
        from xl_albero.excel.book_source import BookSource

        return BookSource(book, merged=self.merged)
