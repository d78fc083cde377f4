"""Workbooks generated on the server for the user to download (``/scarica/<name>``).

Files live in ``ALBERO_SERVER_DOWNLOADS`` (default: a folder in the system temp dir),
named ``<random token>--<file name>.xlsx`` (or ``.docx``, the relazione) so the link cannot
be guessed.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from contextvars import ContextVar
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z0-9_-]{16,}--[A-Za-z0-9 ._()-]+\.(?:xlsx|docx)$")
#: Media type of each file kind offered for download.
MEDIA_TYPES: dict[str, str] = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def folder() -> Path:
    path = Path(os.environ.get("ALBERO_SERVER_DOWNLOADS")
                or Path(tempfile.gettempdir()) / "xl-albero-downloads")
    path.mkdir(parents=True, exist_ok=True)
    return path


#: On the desktop (VBA ribbon, local Python) files go beside the user's workbook instead.
LOCAL_FOLDER: ContextVar[Path | None] = ContextVar("albero_local_folder", default=None)


def new_path(filename: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", filename) or "albero.xlsx"
    local = LOCAL_FOLDER.get()
    if local is not None:
        path, n = local / safe, 2
        while path.exists():  # never overwrite a file the user has
            path = local / f"{Path(safe).stem} ({n}){Path(safe).suffix}"
            n += 1
        return path
    return folder() / f"{secrets.token_urlsafe(16)}--{safe}"


def find(name: str) -> Path | None:
    if not _NAME.match(name):
        return None
    path = folder() / name
    return path if path.is_file() else None


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def display_name(path: Path) -> str:
    if LOCAL_FOLDER.get() is not None:
        return path.name
    return path.name.split("--", 1)[-1]


#: Base URL of the current request (set by the server route), for absolute links.
BASE_URL: ContextVar[str] = ContextVar("albero_base_url", default="")


def public_url(path: Path) -> str:
    """Absolute (when the request's base URL is known) link to download ``path``."""
    if LOCAL_FOLDER.get() is not None:
        return path.resolve().as_uri()
    return f"{BASE_URL.get().rstrip('/')}/scarica/{path.name}"
