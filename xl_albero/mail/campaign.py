"""Orchestration of ``albero invia``: drafts (dry run) or sending, with the send log.

Used by the CLI adapter (``app/invia.py``) and by the Excel add-in: nothing here prints;
progress goes through the ``progress`` wrapper the caller passes and the outcome comes
back as a ``MailResult``.

Folder layout (``folder`` is ``--cartella``)::

    allegati/             the sector workbooks (``albero esporta``)
    bozze/                one .eml per sector (dry run)
    registro_invii.csv    the send log (``--invia``)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from xl_albero.errors import OutputError
from xl_albero.io.atomic import check_folder, register_input, write_atomic
from xl_albero.mail import compose
from xl_albero.mail import sendlog as L
from xl_albero.mail.compose import Outgoing
from xl_albero.mail.config import MailConfigError, MailSettings
from xl_albero.mail.smtp import MessageRejected, SmtpError, SmtpSender, connect
from xl_albero.mail.template import Template, load_template
from xl_albero.sector_registry import safe_file_part

if TYPE_CHECKING:
    from xl_albero.io.sector_workbook import ExportedWorkbook
    from xl_albero.usecases.sectors import SectorsResult

T = TypeVar("T")
Progress = Callable[..., Iterable[Any]]

ATTACHMENTS = "allegati"
DRAFTS = "bozze"
BOZZA = "bozza"
BOZZA_PRESENTE = "bozza già presente"
INVIATO = L.INVIATO
SALTATO = L.SALTATO
FALLITO = L.FALLITO
ESCLUSO = L.ESCLUSO
GIA_INVIATO = "già inviato"
#: Outcomes meaning "this sector did not get its mail".
NOT_DONE = (SALTATO, FALLITO)

_UNSAFE_FILE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def _no_progress(items: Iterable[T], total: int | None = None, desc: str = "") -> Iterable[T]:
    return items


@dataclass(frozen=True)
class SectorOutcome:
    sector: str
    sigla: str
    recipients: tuple[str, ...]
    outcome: str
    reason: str = ""
    path: Path | None = None  # the .eml draft (dry run)
    subject: str = ""
    attachment: str = ""


@dataclass(frozen=True)
class MailResult:
    """Per-sector outcomes of a run; ``exit_code`` 0 when every sector got its mail."""

    outcomes: tuple[SectorOutcome, ...]
    sent: bool
    folder: Path
    log_path: Path | None = None
    aborted: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        object.__setattr__(self, "counts", counts)

    @property
    def complete(self) -> bool:
        return not self.aborted and not any(o.outcome in NOT_DONE for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1


def safe_filename(text: str, limit: int = 120) -> str:
    """A file name valid on Windows too (accents kept, NFC)."""
    s = unicodedata.normalize("NFC", _UNSAFE_FILE.sub("-", safe_file_part(text))).strip(" .")
    return safe_file_part(s[:limit].rstrip(" ."))


def prepare(exports: Sequence[ExportedWorkbook], settings: MailSettings, year: int | None,
            *, template: Template | None = None) -> list[Outgoing]:
    """The plan of messages: attachment sizes read from disk, template loaded."""
    template = template or load_template(settings.template)
    sizes: dict[Path, int] = {}
    for e in exports:
        if e.path is not None and Path(e.path).is_file():
            sizes[Path(e.path)] = Path(e.path).stat().st_size
    return compose.plan_messages(exports, settings, year, template, sizes=sizes)


def export_day(folder: str | Path, today: dt.date | None = None) -> dt.date:
    """Date printed on the exported workbooks: the day of the first entry of the send log
    when there is one, so that re-exporting for ``--riprendi`` on a later day gives the
    same workbook content (and nobody gets it twice); otherwise ``today``."""
    for entry in L.read_log(Path(folder) / L.LOG_NAME):
        try:
            return dt.date.fromisoformat(entry.when[:10])
        except ValueError:
            continue
    return today or dt.date.today()


def export_and_prepare(result: SectorsResult, settings: MailSettings, folder: str | Path, *,
                       template: Template | None = None, today: dt.date | None = None,
                       ) -> tuple[Path, list[Outgoing]]:
    """Write the sector workbooks of ``usecases.sectors`` into ``folder/allegati`` and plan
    the messages."""
    from xl_albero.io.sector_workbook import export_all

    root = check_folder(folder)
    attachments = check_folder(root / ATTACHMENTS)
    exports = export_all(result, attachments, overwrite=True, today=export_day(root, today))
    return root, prepare(exports, settings, result.checked.tree.year, template=template)


def _not_ready(out: Outgoing) -> SectorOutcome:
    return SectorOutcome(out.sector, out.sigla, out.recipients, out.status, out.reason,
                         attachment=out.filename or (out.attachment.name if out.attachment
                                                     else ""))


def _draft_name(out: Outgoing) -> str:
    label = f"{out.sigla} - {out.sector}" if out.sigla and out.sigla != out.sector else out.sector
    return safe_filename(label) + ".eml"


def _attachment(out: Outgoing) -> tuple[bytes, str, str]:
    assert out.attachment is not None
    data = Path(out.attachment).read_bytes()
    return data, L.file_sha256(data), L.content_digest(data)


def existing_drafts(folder: str | Path) -> list[Path]:
    """The ``.eml`` drafts a previous run left in ``folder/bozze``."""
    drafts = Path(folder) / DRAFTS
    return sorted(drafts.glob("*.eml")) if drafts.is_dir() else []


def check_drafts(folder: str | Path, *, overwrite: bool = False, resume: bool = False) -> None:
    """Refuse a dry run over the drafts of a previous one, unless they are to be replaced
    (``overwrite``) or kept, writing only the missing ones (``resume``): drafts may have
    been edited by hand in the mail program, so they are never replaced silently."""
    found = existing_drafts(folder)
    if found and not overwrite and not resume:
        raise OutputError(
            f"La cartella «{Path(folder) / DRAFTS}» contiene già {len(found)} bozze di una "
            "preparazione precedente (forse già modificate): non vengono sostituite. "
            "Chiedere di sostituirle, oppure riprendere per tenerle e scrivere solo quelle "
            "che mancano, oppure indicare un'altra cartella.",
            option=("sovrascrivi", "riprendi"))


def write_drafts(plan: Sequence[Outgoing], folder: str | Path, *, resume: bool = False,
                 overwrite: bool = False, progress: Progress = _no_progress) -> MailResult:
    """Dry run: one ``.eml`` per ready sector in ``folder/bozze`` (X-Unsent, so Outlook and
    Thunderbird open it as a message to send). Existing drafts are refused (``check_drafts``)
    unless ``overwrite`` (replaced) or ``resume`` (kept: only missing drafts are written,
    and sectors the send log says went out get no draft)."""
    root = Path(folder)
    check_drafts(root, overwrite=overwrite, resume=resume)
    drafts = check_folder(root / DRAFTS)
    already = L.sent_keys(L.read_log(root / L.LOG_NAME)) if resume else set()
    outcomes: list[SectorOutcome] = []
    used: set[str] = set()
    for out in progress(plan, total=len(plan), desc="Bozze"):
        if out.status != compose.PRONTO:
            outcomes.append(_not_ready(out))
            continue
        data, _sha, digest = _attachment(out)
        if L.send_key(out.sector, out.recipients, digest) in already:
            outcomes.append(SectorOutcome(out.sector, out.sigla, out.recipients, GIA_INVIATO,
                                          "risulta già inviato nel registro",
                                          subject=out.subject, attachment=out.filename))
            continue
        msg = compose.build_message(out, data, draft=True)
        name = _draft_name(out)
        n = 2
        while name.lower() in used:
            name = f"{safe_filename(out.sector)} ({n}).eml"
            n += 1
        used.add(name.lower())
        if resume and not overwrite and (drafts / name).exists():
            outcomes.append(SectorOutcome(out.sector, out.sigla, out.recipients,
                                          BOZZA_PRESENTE, "bozza già presente, non sostituita",
                                          path=drafts / name, subject=out.subject,
                                          attachment=out.filename))
            continue
        payload = msg.as_bytes()
        path = write_atomic(drafts / name, lambda tmp, payload=payload: tmp.write_bytes(payload))
        outcomes.append(SectorOutcome(out.sector, out.sigla, out.recipients, BOZZA, "",
                                      path=path, subject=out.subject, attachment=out.filename))
    return MailResult(tuple(outcomes), sent=False, folder=root)


def check_resume(folder: str | Path, resume: bool) -> list[L.LogEntry]:
    """Read the log; refuse a fresh send over a log that already records sent mails."""
    root = Path(folder)
    entries = L.read_log(root / L.LOG_NAME)
    done = sum(1 for e in entries if e.outcome == INVIATO)
    if done and not resume:
        raise MailConfigError(
            f"Il registro «{root / L.LOG_NAME}» indica {done} messaggi già inviati da questa "
            "cartella: riprendere l'invio per spedire solo quelli non ancora partiti (nessun "
            "dirigente riceve due volte lo stesso messaggio), oppure usare un'altra cartella "
            "per un nuovo invio.", option="riprendi")
    return entries


def send_all(plan: Sequence[Outgoing], settings: MailSettings, folder: str | Path, *,
             resume: bool = False, progress: Progress = _no_progress,
             open_session: Callable[[MailSettings], SmtpSender] = connect) -> MailResult:
    """Send every ready message over SMTP, logging each sector's outcome as it happens.

    Raises ``SmtpError`` when the server cannot be used before anything is sent (every
    pending sector is logged as ``fallito`` first, so ``--riprendi`` continues later).
    A connection dropped mid-run is retried once; if that fails the rest is logged as
    ``fallito`` and ``MailResult.aborted`` holds the reason.
    """
    settings.require_smtp()
    root = check_folder(folder)
    log = L.SendLog(root / L.LOG_NAME)
    already = L.sent_keys(check_resume(root, resume))
    sent_before = {(e.sector, e.key[1]) for e in L.read_log(log.path) if e.outcome == INVIATO}

    results: dict[int, SectorOutcome] = {}
    pending: list[_Pending] = []
    for index, out in enumerate(plan):
        if out.status != compose.PRONTO:
            if out.status == compose.SALTATO:
                log.append(L.LogEntry(out.sector, out.sigla, out.recipients, SALTATO,
                                      out.reason, attachment=out.filename))
            results[index] = _not_ready(out)
            continue
        data, sha, digest = _attachment(out)
        key = L.send_key(out.sector, out.recipients, digest)
        if key in already:
            results[index] = SectorOutcome(out.sector, out.sigla, out.recipients, GIA_INVIATO,
                                           "risulta già inviato nel registro",
                                           subject=out.subject, attachment=out.filename)
            continue
        note = ("cartella modificata dopo l'invio precedente: si invia la nuova versione"
                if (out.sector, key[1]) in sent_before else "")
        pending.append(_Pending(index, out, data, sha, digest, note))

    def record(item: _Pending, outcome: str, reason: str, message_id: str = "") -> None:
        out = item.out
        log.append(L.LogEntry(out.sector, out.sigla, out.recipients, outcome, reason,
                              attachment=out.filename, sha256=item.sha, digest=item.digest,
                              message_id=message_id))
        results[item.index] = SectorOutcome(out.sector, out.sigla, out.recipients, outcome,
                                            reason, subject=out.subject,
                                            attachment=out.filename)

    def result(aborted: str = "") -> MailResult:
        ordered = tuple(results[i] for i in sorted(results))
        return MailResult(ordered, sent=True, folder=root, log_path=log.path, aborted=aborted)

    if not pending:
        return result()
    try:
        session = open_session(settings)
    except SmtpError as exc:
        for item in pending:
            record(item, FALLITO, f"non inviato: {exc}")
        raise

    aborted = ""
    try:
        for item in progress(pending, total=len(pending), desc="Invio"):
            if aborted:
                record(item, FALLITO, f"non inviato: {aborted}")
                continue
            msg = compose.build_message(item.out, item.data)
            if not session.connected:  # e.g. the server closed it after a 421
                session.close()
                try:
                    session = open_session(settings)
                except SmtpError as exc:
                    aborted = str(exc)
                    record(item, FALLITO, f"non inviato: {aborted}")
                    continue
            try:
                refused = session.send(msg, item.out.envelope_recipients)
            except MessageRejected as exc:
                record(item, FALLITO, str(exc))
                continue
            except SmtpError as exc:
                record(item, FALLITO, f"esito incerto: {exc}")
                session.close()
                try:
                    session = open_session(settings)
                except SmtpError as exc2:
                    aborted = str(exc2)
                continue
            reason = item.note
            if refused:
                reason = "; ".join(filter(None, [reason, "rifiutati dal server: "
                                                 + ", ".join(sorted(refused))]))
            record(item, INVIATO, reason, str(msg["Message-ID"]))
    finally:
        session.close()
    return result(aborted)


@dataclass(frozen=True)
class _Pending:
    index: int
    out: Outgoing
    data: bytes = field(repr=False)
    sha: str
    digest: str
    note: str


@dataclass
class Campaign:
    """The mail edge of ``usecases.invia`` (its ``Mailer``).

    ``folder``: where attachments, drafts and the send log go, or a function of the plan
    year giving it (the Office add-in keeps one folder per year on the server).
    ``on_plan`` is called with the sectors and the plan before anything is sent (the CLI
    prints them). Drafts: ``check_drafts_first`` refuses, before reading the tree, a dry
    run over drafts of an earlier one (the user may have edited them) unless
    ``drafts_overwrite``; ``drafts_overwrite=None`` replaces them unless resuming (the
    server's working copies).
    """

    settings: MailSettings
    folder: Path | Callable[[int | None], Path]
    template: Template | None = None
    progress: Progress | None = None
    on_plan: Callable[[SectorsResult, list[Outgoing], MailSettings], None] | None = None
    drafts_overwrite: bool | None = None
    check_drafts_first: bool = False
    root: Path | None = None

    def check(self, options: Any) -> None:
        if options.invia:  # drafts need no SMTP setting, not even the sender
            if not self.settings.sender:
                raise MailConfigError(
                    "Manca l'indirizzo del mittente: impostare la variabile ALBERO_MITTENTE "
                    "oppure 'mittente' nella sezione [invio] di albero.toml.")
            self.settings.require_smtp()
        if self.template is None:
            self.template = load_template(self.settings.template)
        if self.settings.template:  # no draft, attachment or log may replace it
            register_input(self.settings.template)
        if isinstance(self.folder, Path):
            self._check_folder(self.folder, options)

    def _overwrite(self, options: Any) -> bool:
        return (not options.riprendi) if self.drafts_overwrite is None else self.drafts_overwrite

    def _check_folder(self, folder: Path, options: Any) -> None:
        if options.invia:
            check_resume(folder, options.riprendi)
        elif self.check_drafts_first:
            check_drafts(folder, overwrite=self._overwrite(options), resume=options.riprendi)

    def plan(self, result: SectorsResult, options: Any) -> list[Outgoing]:
        folder = self.folder
        if not isinstance(folder, Path):
            folder = folder(result.checked.tree.year)
            self._check_folder(folder, options)
        self.root, plan = export_and_prepare(result, self.settings, folder,
                                             template=self.template)
        if self.on_plan is not None:
            self.on_plan(result, plan, self.settings)
        return plan

    def deliver(self, plan: list[Outgoing], options: Any) -> MailResult:
        root = self.root
        assert root is not None, "plan() comes first"
        progress = self.progress or _no_progress
        if not options.invia:
            return write_drafts(plan, root, resume=options.riprendi,
                                overwrite=self._overwrite(options), progress=progress)
        try:
            return send_all(plan, self.settings, root, resume=options.riprendi,
                            progress=progress)
        except SmtpError as exc:
            err = SmtpError(f"{exc} Nessun messaggio è stato inviato; il registro "
                            f"«{root / L.LOG_NAME}» è aggiornato: riprendere l'invio quando "
                            "il server è di nuovo disponibile.", dropped=exc.dropped)
            err.option = "riprendi"
            raise err from exc
