"""Workbooks generated on the server for the user to download (``/scarica/<name>``).

Files live in ``ALBERO_SERVER_DOWNLOADS`` (default ``~/.cache/xl-albero/scarica``, not
the shared temp folder), a folder private to the server user (0700; files 0600: the
worker processes run with umask 077 and ``tighten`` fixes anything written wider), named
``<random token>--<file name>.xlsx`` (or ``.docx``, the relazione).

A download link is **signed and expiring**: ``/scarica/<name>?scade=<unix time>&firma=
<HMAC-SHA256>``. Only a command call that passed the server's authentication gets a link
(the link is the credential a browser can carry: Excel opens it outside the add-in,
without the ``Authorization`` header); without a valid signature, or after
``download_hours``, ``/scarica`` answers 403/410, and expired files are deleted. The
signing key is ``.chiave`` in the download folder (0600, created on first use), shared by
the server and its worker processes and kept across restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
import time
from contextvars import ContextVar
from pathlib import Path

from xl_albero.errors import OutputError

_NAME = re.compile(r"^[A-Za-z0-9_-]{16,}--[A-Za-z0-9 ._()-]+\.(?:xlsx|docx)$")
#: Media type of each file kind offered for download.
MEDIA_TYPES: dict[str, str] = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_KEY_FILE = ".chiave"


def default_folder() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "xl-albero" / "scarica"


def folder() -> Path:
    """The download folder, created private (0700); refused if others can enter it."""
    path = Path(os.environ.get("ALBERO_SERVER_DOWNLOADS") or default_folder())
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
        if st.st_mode & 0o077:
            if st.st_uid != os.getuid():
                raise OutputError(f"La cartella degli scaricamenti «{path}» è accessibile ad "
                                  "altri utenti e non appartiene al server: sceglierne "
                                  "un'altra (download_dir).")
            path.chmod(0o700)
    except OSError as exc:
        from xl_albero.errors import os_reason

        raise OutputError(f"Impossibile preparare la cartella degli scaricamenti «{path}»: "
                          f"{os_reason(exc)}.") from exc
    return path


def lifetime() -> float:
    """Seconds a generated workbook and its link stay valid (``download_hours``)."""
    try:
        hours = float(os.environ.get("ALBERO_SERVER_DOWNLOAD_HOURS") or 24)
    except ValueError:
        hours = 24.0
    return max(hours, 0.0) * 3600


def _key() -> bytes:
    path = folder() / _KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def sign(name: str, expires: int) -> str:
    return hmac.new(_key(), f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()


def check_link(name: str, expires: str | None, signature: str | None,
               now: float | None = None) -> str | None:
    """``None`` when the link is valid, else the Italian reason (``"scaduto"`` …)."""
    if not expires or not signature or not expires.isdigit():
        return "firma"
    if not hmac.compare_digest(sign(name, int(expires)), signature):
        return "firma"
    if int(expires) < (time.time() if now is None else now):
        return "scaduto"
    return None


#: On the desktop (VBA ribbon, local Python) files go beside the user's workbook instead.
LOCAL_FOLDER: ContextVar[Path | None] = ContextVar("albero_local_folder", default=None)


def purge(now: float | None = None) -> int:
    """Delete generated workbooks older than ``lifetime()``; return how many."""
    now = time.time() if now is None else now
    gone = 0
    for path in folder().iterdir():
        if _NAME.match(path.name):
            try:
                if path.stat().st_mtime + lifetime() < now:
                    path.unlink()
                    gone += 1
            except OSError:
                pass
    return gone


def tighten() -> None:
    """Make every file and folder of the download folder private (0600/0700)."""
    if LOCAL_FOLDER.get() is not None:
        return
    root = folder()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            _private(Path(dirpath) / name, 0o700)
        for name in filenames:
            _private(Path(dirpath) / name, 0o600)


def _private(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o077:
            path.chmod(mode)
    except OSError:
        pass


def new_path(filename: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", filename) or "albero.xlsx"
    local = LOCAL_FOLDER.get()
    if local is not None:
        path, n = local / safe, 2
        while path.exists():  # never overwrite a file the user has
            path = local / f"{Path(safe).stem} ({n}){Path(safe).suffix}"
            n += 1
        return path
    purge()
    return folder() / f"{secrets.token_urlsafe(16)}--{safe}"


def find(name: str) -> Path | None:
    """The generated workbook ``name`` if it exists and has not expired."""
    if not _NAME.match(name):
        return None
    path = folder() / name
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if st.st_mtime + lifetime() < time.time():
        path.unlink(missing_ok=True)
        return None
    return path


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def display_name(path: Path) -> str:
    if LOCAL_FOLDER.get() is not None:
        return path.name
    return path.name.split("--", 1)[-1]


#: Base URL of the current request (set by the server route), for absolute links.
BASE_URL: ContextVar[str] = ContextVar("albero_base_url", default="")


def public_url(path: Path, now: float | None = None) -> str:
    """Absolute (when the request's base URL is known), signed, expiring download link."""
    if LOCAL_FOLDER.get() is not None:
        return path.resolve().as_uri()
    expires = int((time.time() if now is None else now) + lifetime())
    return (f"{BASE_URL.get().rstrip('/')}/scarica/{path.name}"
            f"?scade={expires}&firma={sign(path.name, expires)}")
