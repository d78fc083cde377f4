"""Safe output: never touch the source workbook, never leave a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from xl_albero.errors import OutputError, os_reason


def check_output(output: str | os.PathLike, *, sources: tuple[str | os.PathLike, ...] = (),
                 overwrite: bool = False) -> Path:
    """Validate an output file path before any work is done; return it as a Path.

    Refuses (``OutputError``, Italian message): the path of an input file (always), an
    existing file unless ``overwrite``, an existing folder, a parent folder that is
    missing or not writable.
    """
    out = Path(output).expanduser()
    for src in sources:
        if _same_file(out, Path(src)):
            raise OutputError(
                f"Il file di uscita «{out}» coincide con il file di partenza: "
                "l'originale non viene mai sovrascritto. Indicare un altro nome."
            )
    if out.is_dir():
        raise OutputError(f"«{out}» è una cartella: indicare il nome di un file .xlsx.")
    if out.exists() and not overwrite:
        raise OutputError(
            f"Il file «{out}» esiste già: scegliere un altro nome oppure chiedere di "
            "sostituirlo.", option="sovrascrivi")
    check_folder(out.parent if str(out.parent) else Path("."), create=False)
    return out


def check_folder(folder: str | os.PathLike, *, create: bool = True) -> Path:
    """Make sure ``folder`` exists (created if ``create``) and is writable."""
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(f"«{path}» non è una cartella.")
    if not path.exists():
        if not create:
            raise OutputError(f"La cartella «{path}» non esiste.")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"Impossibile creare la cartella «{path}»: {os_reason(exc)}.") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"Non si può scrivere nella cartella «{path}» (permessi insufficienti).")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it into place atomically.

    On any exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix or ".tmp",
                               dir=target.parent if str(target.parent) else ".")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_atomic(target: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result onto ``target`` atomically."""
    try:
        with atomic_path(target) as tmp:
            write(tmp)
    except PermissionError as exc:
        raise OutputError(f"Impossibile scrivere «{target}»: permessi insufficienti.") from exc
    return Path(target)
