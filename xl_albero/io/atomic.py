"""Safe output: never touch an input, never leave a half-written file, never replace a device.

One mechanism for every file a command writes (single outputs, each file of a folder
output, drafts, logs):

* **inputs are remembered** by device and inode (``register_input``: the workbook gate
  ``io.safety.check_input``, the schema and template loaders call it), so an output that
  is the same file as an input (same path, a symbolic link, a hard link) is refused;
* ``check_target`` is the one check of an output path, done before any work: not an
  input, not a folder, not a device/pipe (only regular files are ever replaced), not
  existing unless overwriting is allowed, a name the file system accepts;
* ``write_atomic`` writes a temporary file beside the target and *publishes* it: without
  overwrite the final name is created exclusively (``link``: fails if someone else
  created it meanwhile, so two runs at once cannot silently replace each other), with
  overwrite it is renamed over the (re-checked) regular file; file modes follow the
  user's umask; any failure (disk full, file too large, name too long, permissions)
  becomes an Italian ``OutputError`` and leaves nothing behind;
* ``guard_signals`` turns SIGTERM/SIGHUP into the same clean-up path as Ctrl-C.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from xl_albero.errors import OutputError, os_reason

_Key = tuple[int, int]
#: Files read as input in this context: (device, inode) -> the path as given.
_INPUTS: contextvars.ContextVar[tuple[tuple[_Key, str], ...]] = contextvars.ContextVar(
    "albero_inputs", default=())
#: Outputs checked by ``check_output``: absolute path -> whether overwriting is allowed.
_APPROVED: contextvars.ContextVar[tuple[tuple[str, bool], ...]] = contextvars.ContextVar(
    "albero_outputs", default=())


def _key(path: str | os.PathLike) -> _Key | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def register_input(path: str | os.PathLike) -> None:
    """Remember ``path`` (by device and inode) as an input: no output may be that file."""
    key = _key(path)
    if key is None:
        return
    known = _INPUTS.get()
    if all(k != key for k, _ in known):
        _INPUTS.set((*known, (key, str(path))))


@contextlib.contextmanager
def input_scope() -> Iterator[None]:
    """A fresh set of remembered inputs and approved outputs (one command run)."""
    t1, t2 = _INPUTS.set(()), _APPROVED.set(())
    try:
        yield
    finally:
        _INPUTS.reset(t1)
        _APPROVED.reset(t2)


def _inputs(sources: tuple[str | os.PathLike, ...]) -> list[tuple[_Key | None, str]]:
    return [*((_key(s), str(s)) for s in sources), *_INPUTS.get()]


def name_max(folder: Path) -> int:
    """The longest file name (bytes) the file system of ``folder`` accepts."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def check_target(output: str | os.PathLike, *, sources: tuple[str | os.PathLike, ...] = (),
                 overwrite: bool = False) -> Path:
    """The one check of an output file path (single outputs and each file of a folder).

    Refuses (``OutputError``, Italian message naming the file): an input file (same path,
    symbolic or hard link: compared by device and inode), a folder, anything that is not a
    regular file (``/dev/null``, a pipe...), an existing file unless ``overwrite``, a name
    longer than the file system allows.
    """
    out = Path(output).expanduser()
    key = _key(out)
    for k, src in _inputs(sources):
        same = (key is not None and k == key) or (
            k is None and os.path.abspath(out) == os.path.abspath(src))
        if same:
            raise OutputError(
                f"Il file di uscita «{out}» coincide con il file di partenza «{src}» (stesso "
                "file, anche tramite un collegamento): l'originale non viene mai "
                "sovrascritto. Indicare un altro nome o un'altra cartella.")
    try:
        lst = os.lstat(out)
    except FileNotFoundError:
        lst = None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise _too_long(out) from None
        raise OutputError(f"Impossibile usare «{out}»: {os_reason(exc)}.") from None
    if lst is not None:
        st = os.stat(out) if stat.S_ISLNK(lst.st_mode) and key is not None else lst
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"«{out}» è una cartella: indicare il nome di un file.")
        if not stat.S_ISREG(st.st_mode) or stat.S_ISLNK(lst.st_mode) and key is None:
            raise OutputError(
                f"«{out}» non è un file normale (è un dispositivo, una pipe, un collegamento "
                "interrotto o simile): viene sostituito solo un file normale. Indicare un "
                "altro nome.")
        if not overwrite:
            raise OutputError(
                f"Il file «{out}» esiste già: scegliere un altro nome oppure chiedere di "
                "sostituirlo.", option="sovrascrivi")
    parent = out.parent if str(out.parent) else Path(".")
    if len(os.fsencode(out.name)) > name_max(parent if parent.is_dir() else Path(".")):
        raise _too_long(out)
    return out


def _too_long(out: Path) -> OutputError:
    return OutputError(f"Il nome del file «{out.name}» è troppo lungo per il disco "
                       f"({len(os.fsencode(out.name))} byte): scegliere un nome più corto.")


def check_output(output: str | os.PathLike, *, sources: tuple[str | os.PathLike, ...] = (),
                 overwrite: bool = False) -> Path:
    """Validate an output file path before any work is done; return it as a Path.

    ``check_target`` plus a parent folder that exists and is writable. The decision on
    overwriting is remembered, so ``write_atomic`` creates the file exclusively when
    overwriting was not allowed.
    """
    out = check_target(output, sources=sources, overwrite=overwrite)
    check_folder(out.parent if str(out.parent) else Path("."), create=False)
    _APPROVED.set((*_APPROVED.get(), (os.path.abspath(out), overwrite)))
    return out


def check_folder(folder: str | os.PathLike, *, create: bool = True) -> Path:
    """Make sure ``folder`` exists (created if ``create``) and is writable."""
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(f"«{path}» non è una cartella (è un file): indicare una cartella.")
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


_UMASK_LOCK = threading.Lock()


def file_mode() -> int:
    """The mode a new file gets under the user's umask (``0o666 & ~umask``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def _overwrite_allowed(target: Path) -> bool | None:
    path = os.path.abspath(target)
    found = [ok for p, ok in _APPROVED.get() if p == path]
    return found[-1] if found else None


def publish(tmp: Path, target: Path, *, overwrite: bool) -> None:
    """Move the complete file ``tmp`` to ``target``: exclusively (fails if ``target``
    exists, even if created a moment ago by another run) unless ``overwrite``, in which
    case only a regular file that is no input is replaced. ``tmp`` gets the umask mode."""
    check_target(target, overwrite=overwrite)  # re-checked right before the move
    os.chmod(tmp, file_mode())
    if overwrite:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputError(
            f"Il file «{target}» è stato creato da un altro programma mentre questo lavorava: "
            "non viene sostituito. Scegliere un altro nome oppure chiedere di sostituirlo.",
            option="sovrascrivi") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK,
                             errno.EXDEV, errno.ENOSYS):
            raise
        # no hard links here (FAT, some network shares): claim the name, then replace it
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise OutputError(f"Il file «{target}» esiste già: non viene sostituito.") from None
        os.close(fd)
        os.replace(tmp, target)
        return
    tmp.unlink()


def temp_name(target: Path) -> str:
    """A short hidden prefix for the temporary file of ``target`` (long names stay valid)."""
    return f".{target.stem[:40]}."


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, overwrite: bool | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success publish it (``publish``).

    ``overwrite`` defaults to what ``check_output`` decided for ``target`` (else True:
    a file nobody checked is replaced only if it is a regular file and no input).
    On any exception (signals included, see ``guard_signals``) the temporary file is
    removed and ``target`` is left as it was.
    """
    target = Path(target)
    if overwrite is None:
        allowed = _overwrite_allowed(target)
        overwrite = True if allowed is None else allowed
    tmp_path: Path | None = None
    try:
        # made under the shield, inside the try: a signal arriving just as the file is
        # created is handled once ``tmp_path`` is known, so it is removed below
        with shielded():
            fd, tmp = tempfile.mkstemp(prefix=temp_name(target),
                                       suffix=target.suffix or ".tmp",
                                       dir=target.parent if str(target.parent) else ".")
            os.close(fd)
            tmp_path = Path(tmp)
        yield tmp_path
        with shielded():
            publish(tmp_path, target, overwrite=overwrite)
    except BaseException:
        if tmp_path is not None:
            with shielded(), contextlib.suppress(OSError):
                tmp_path.unlink()
        raise


def write_error(target: str | os.PathLike, exc: BaseException) -> OutputError:
    """An Italian ``OutputError`` for a failure while writing ``target``."""
    inner = exc
    while not isinstance(inner, OSError) and inner.__cause__ is not None:
        inner = inner.__cause__
    if not isinstance(inner, OSError):  # XlsxWriter wraps the OSError in its own error
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), inner)
    reason = os_reason(inner) if isinstance(inner, OSError) else str(exc)
    hint = ""
    if isinstance(inner, OSError) and inner.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = " Liberare spazio o scegliere un altro disco."
    elif isinstance(inner, OSError) and inner.errno == errno.EFBIG:
        hint = " Il disco (o un limite di sistema) non ammette file così grandi."
    return OutputError(f"Impossibile scrivere «{target}»: {reason}. Non è stato scritto "
                       f"nulla.{hint}")


def write_atomic(target: str | os.PathLike, write: Callable[[Path], None], *,
                 overwrite: bool | None = None) -> Path:
    """Call ``write(tmp_path)`` and publish the result on ``target`` (``atomic_path``).

    Operating-system failures (disk full, file too large, permissions, name too long)
    become ``OutputError`` with an Italian message; nothing is left behind.
    """
    try:
        with atomic_path(target, overwrite=overwrite) as tmp:
            write(tmp)
    except OutputError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise _too_long(Path(target)) from exc
        raise write_error(target, exc) from exc
    except Exception as exc:
        if _has_os_error(exc):
            raise write_error(target, exc) from exc
        raise
    return Path(target)


def _has_os_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) or any(isinstance(a, OSError) for a in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class Terminated(KeyboardInterrupt):
    """SIGTERM/SIGHUP while a command runs: unwinds like Ctrl-C (temporary files removed)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_SHIELD = {"depth": 0, "pending": 0}


def _raise_terminated(signum: int, _frame: object) -> None:
    if _SHIELD["depth"]:  # cleaning up: finish first, stop right after
        _SHIELD["pending"] = _SHIELD["pending"] or signum
        return
    raise Terminated(signum)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Defer SIGTERM/SIGHUP while publishing or cleaning up (a signal arriving in the middle
    of removing a temporary folder must not leave half of it): the run stops right after."""
    _SHIELD["depth"] += 1
    try:
        yield
    finally:
        _SHIELD["depth"] -= 1
        if not _SHIELD["depth"] and _SHIELD["pending"]:
            signum, _SHIELD["pending"] = _SHIELD["pending"], 0
            raise Terminated(signum)


@contextlib.contextmanager
def guard_signals() -> Iterator[None]:
    """While a command runs: SIGTERM and SIGHUP raise ``Terminated`` (so every ``finally``
    and ``except BaseException`` cleans up as on Ctrl-C), and SIGXFSZ is ignored (a file
    size limit becomes an EFBIG error with a message, not a killed process). Only in the
    main thread; the previous handlers are restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = {getattr(signal, n): _raise_terminated for n in ("SIGTERM", "SIGHUP")
              if hasattr(signal, n)}
    if hasattr(signal, "SIGXFSZ"):
        wanted[signal.SIGXFSZ] = signal.SIG_IGN
    previous = {}
    for sig, handler in wanted.items():
        with contextlib.suppress(OSError, ValueError):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(OSError, ValueError, TypeError):
                signal.signal(sig, handler)
