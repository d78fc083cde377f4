"""The send log ``registro_invii.csv``: one line per sector and attempt, append-only.

A ``;``-separated UTF-8 CSV (opens in Italian Excel) beside the drafts; a cell that a
spreadsheet would take for a formula is written with a leading ``'`` (``neutralise``) and
read back without it (``restore``). Each line is written
and flushed to disk as soon as the sector's outcome is known, so an interrupted run leaves a
log that ``--riprendi`` continues from. A sector counts as already sent when a line with
``esito = inviato`` has the same sector, the same recipients and the same attachment
content (``impronta``): a workbook changed since can be sent again deliberately.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xl_albero.errors import AlberoError, os_reason

LOG_NAME = "registro_invii.csv"
FIELDS: tuple[str, ...] = ("data_ora", "settore", "sigla", "destinatari", "esito", "motivo",
                           "allegato", "sha256", "impronta", "message_id")
INVIATO = "inviato"
SALTATO = "saltato"
FALLITO = "fallito"
ESCLUSO = "escluso"
#: Zip members that change at every export without changing the content.
_VOLATILE = {"docProps/core.xml", "docProps/app.xml"}


#: A cell starting with one of these is a formula (or DDE) to Excel and LibreOffice (OWASP
#: "CSV injection"); a leading apostrophe makes it text, so it is escaped too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "'", "\uff1d", "\uff0b", "\uff0d",
                  "\uff20")


def neutralise(value: str) -> str:
    """A cell that a spreadsheet shows as text: ``'`` before a dangerous first character
    (OWASP's rule; full-width ``＝＋－＠`` too, as some spreadsheet programs fold them)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def restore(value: str) -> str:
    """The inverse of ``neutralise``."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) \
        else value


class SendLogError(AlberoError):
    """The send log cannot be read or written (Italian message)."""


@dataclass(frozen=True)
class LogEntry:
    sector: str
    sigla: str
    recipients: tuple[str, ...]
    outcome: str
    reason: str = ""
    attachment: str = ""
    sha256: str = ""
    digest: str = ""
    message_id: str = ""
    when: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return send_key(self.sector, self.recipients, self.digest)


def send_key(sector: str, recipients: Iterable[str], digest: str) -> tuple[str, str, str]:
    """What identifies "the same mail": sector, recipients (any order/case), content."""
    return sector.strip(), ";".join(sorted({r.strip().lower() for r in recipients})), digest


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_digest(data: bytes) -> str:
    """sha256 of a workbook's content: the zip members (name and bytes) except the
    timestamps in ``docProps``, so re-exporting the same tree gives the same digest.
    Anything that is not a zip is hashed as it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            h = hashlib.sha256()
            for name in sorted(zf.namelist()):
                if name in _VOLATILE:
                    continue
                h.update(name.encode("utf-8") + b"\0")
                h.update(hashlib.sha256(zf.read(name)).digest())
            return h.hexdigest()
    except (zipfile.BadZipFile, OSError, KeyError):
        return file_sha256(data)


def read_log(path: str | os.PathLike) -> list[LogEntry]:
    """Every entry of the log (empty list when it does not exist)."""
    p = Path(path)
    if not p.exists():
        return []
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter=";")
            missing = [f for f in ("settore", "destinatari", "esito", "impronta")
                       if f not in (reader.fieldnames or [])]
            if missing:
                raise SendLogError(
                    f"Il registro degli invii «{p}» non è leggibile (mancano le colonne "
                    f"{', '.join(missing)}): è stato modificato? Ripristinarlo o spostarlo "
                    "altrove per ricominciare.")
            out = []
            for raw in reader:
                row = {k: restore(v) if isinstance(v, str) else v for k, v in raw.items()}
                out.append(LogEntry(
                    sector=row.get("settore") or "", sigla=row.get("sigla") or "",
                    recipients=tuple(r for r in (row.get("destinatari") or "").split("; ") if r),
                    outcome=(row.get("esito") or "").strip(), reason=row.get("motivo") or "",
                    attachment=row.get("allegato") or "", sha256=row.get("sha256") or "",
                    digest=row.get("impronta") or "", message_id=row.get("message_id") or "",
                    when=row.get("data_ora") or ""))
            return out
    except UnicodeDecodeError as exc:
        raise SendLogError(f"Il registro degli invii «{p}» non è in UTF-8: è stato "
                           "salvato da un altro programma? Ripristinarlo.") from exc
    except OSError as exc:
        raise SendLogError(f"Impossibile leggere il registro «{p}»: {os_reason(exc)}.") from exc


def sent_keys(entries: Iterable[LogEntry]) -> set[tuple[str, str, str]]:
    """Keys of the mails the log says went out."""
    return {e.key for e in entries if e.outcome == INVIATO}


class SendLog:
    """Appends entries to the log file, each one flushed and synced to disk."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def append(self, entry: LogEntry) -> None:
        from xl_albero.errors import OutputError
        from xl_albero.io.atomic import check_target

        try:  # never an input (same file or link), never a device, pipe or folder
            check_target(self.path, overwrite=True)
        except OutputError as exc:
            raise SendLogError(f"Registro degli invii non utilizzabile: {exc}") from None
        new = not self.path.exists() or self.path.stat().st_size == 0
        when = entry.when or dt.datetime.now().astimezone().isoformat(timespec="seconds")
        row = {"data_ora": when, "settore": entry.sector, "sigla": entry.sigla,
               "destinatari": "; ".join(entry.recipients), "esito": entry.outcome,
               "motivo": entry.reason, "allegato": entry.attachment, "sha256": entry.sha256,
               "impronta": entry.digest, "message_id": entry.message_id}
        row = {k: neutralise(v) for k, v in row.items()}
        try:
            with self.path.open("a", encoding="utf-8-sig" if new else "utf-8",
                                newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(FIELDS), delimiter=";",
                                        lineterminator="\r\n")
                if new:
                    writer.writeheader()
                writer.writerow(row)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise SendLogError(f"Impossibile scrivere il registro degli invii «{self.path}»: "
                               f"{os_reason(exc)}.") from exc
