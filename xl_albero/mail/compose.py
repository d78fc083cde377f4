"""Plan and build the sector mails (pure: no file, network or clock access except ``Date``).

``plan_messages`` turns the exported sector workbooks into one ``Outgoing`` per sector:
``pronto`` (ready), ``saltato`` (skipped: missing/invalid address, header-injection attempt,
attachment too large or missing) or ``escluso`` (the sector has no objectives: nothing to
send). ``build_message`` makes the MIME message of a ready one.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import TYPE_CHECKING

from xl_albero import addresses
from xl_albero.mail.config import MailSettings
from xl_albero.mail.template import Template, load_template, render
from xl_albero.model import is_blank

if TYPE_CHECKING:  # the one definition; not imported at run time (the core stays light)
    from xl_albero.io.sector_workbook import ExportedWorkbook

PRONTO = "pronto"
SALTATO = "saltato"
ESCLUSO = "escluso"

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
XLSM_TYPE = ("application", "vnd.ms-excel.sheet.macroEnabled.12")

_MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre")
_DAYS = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")


@dataclass(frozen=True)
class Outgoing:
    """One sector's message, ready to build (``status == "pronto"``) or not, with reason."""

    sector: str
    sigla: str
    dirigente: str | None
    recipients: tuple[str, ...]
    status: str
    reason: str = ""
    sender: str | None = None
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    subject: str = ""
    body: str = ""
    attachment: Path | None = None
    filename: str = ""
    size: int | None = None
    led: int = 0
    involved: int = 0
    email_cell: str = field(default="", repr=False)

    @property
    def envelope_recipients(self) -> tuple[str, ...]:
        """Every address the message goes to (To + Cc), without duplicates."""
        seen: dict[str, None] = {}
        for a in (*self.recipients, *self.cc):
            seen.setdefault(a.lower(), None)
        return tuple(seen)


def italian_date(day: dt.date) -> str:
    """``lunedì 31 marzo 2025``."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def ascii_address(address: str) -> str:
    """The address with an internationalised domain converted to IDNA (punycode)."""
    local, _, domain = address.rpartition("@")
    try:
        domain.encode("ascii")
        return address
    except UnicodeEncodeError:
        return f"{local}@{domain.encode('idna').decode('ascii')}"


def parse_recipients(cell: object) -> tuple[tuple[str, ...], str]:
    """Addresses of an ``Email`` cell (``;`` or ``,`` separated, ``Nome <a@b.it>`` ok).

    Returns (addresses, reason): ``reason`` is empty when every address is valid.
    """
    if is_blank(cell):
        return (), "manca l'indirizzo email nel foglio Settori"
    out, reason = addresses.parse_recipients(str(cell))
    if not out and not reason:
        return (), "manca l'indirizzo email nel foglio Settori"
    return out, reason


def _mb(n: int | float) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",")


def plan_messages(exports: Sequence[ExportedWorkbook], settings: MailSettings, year: int | None,
                  template: Template | None = None, *,
                  sizes: Mapping[Path, int] | None = None) -> list[Outgoing]:
    """One ``Outgoing`` per exported sector, in registry order.

    ``template``: the parsed template; ``None`` reads the one of the settings (or the
    packaged default) -- the only file access here, pass it to stay pure.

    ``sizes`` maps each attachment path to its size in bytes (the caller stats the files);
    a path missing from ``sizes`` is treated as a missing file. With ``sizes=None`` the
    size check is not done.
    """
    if template is None:
        template = load_template(settings.template)
    plan: list[Outgoing] = []
    limit = settings.max_attachment_bytes
    deadline = italian_date(settings.deadline) if settings.deadline else ""
    for exp in exports:
        sector = "" if is_blank(exp.sector) else str(exp.sector)
        dirigente = None if is_blank(exp.dirigente) else str(exp.dirigente).strip()
        sigla = "" if is_blank(exp.sigla) else str(exp.sigla)
        email_cell = "" if is_blank(exp.email) else str(exp.email)
        base = dict(sector=sector, sigla=sigla, dirigente=dirigente, sender=settings.sender,
                    cc=settings.cc, reply_to=settings.reply_to, attachment=exp.path,
                    led=int(exp.led), involved=int(exp.involved), email_cell=email_cell)
        recipients, reason = parse_recipients(exp.email)

        def skip(why: str, recipients=recipients, base=base) -> Outgoing:
            return Outgoing(recipients=recipients, status=SALTATO, reason=why, **base)

        problem = addresses.header_problem(sector) or addresses.header_problem(sigla)
        if problem:
            plan.append(skip(f"nome del settore rifiutato: {problem}"))
            continue
        problem = addresses.header_problem(dirigente or "", display_name=True)
        if problem:
            plan.append(skip(f"nome del dirigente rifiutato: {problem}"))
            continue
        if exp.path is None:
            plan.append(Outgoing(recipients=recipients, status=ESCLUSO,
                                 reason="nessun obiettivo per questo settore", **base))
            continue
        if reason:
            plan.append(skip(reason))
            continue
        size: int | None = None
        if sizes is not None:
            size = sizes.get(Path(exp.path))
            if size is None:
                plan.append(skip(f"file allegato «{Path(exp.path).name}» non trovato"))
                continue
            if size > limit:
                plan.append(replace(skip(
                    f"allegato di {_mb(size)} MB oltre il limite di "
                    f"{_mb(limit)} MB (limite_allegato_mb)"), size=size))
                continue
        filename = unicodedata.normalize("NFC", Path(exp.path).name)
        values = {
            "settore": sector, "sigla": sigla, "dirigente": dirigente or "Dirigente",
            "anno": year if year is not None else "", "n_obiettivi": exp.led + exp.involved,
            "n_responsabile": exp.led, "n_coinvolto": exp.involved, "scadenza": deadline,
            "mittente": settings.sender or "", "allegato": filename,
        }
        subject, body = render(template, values)
        plan.append(Outgoing(recipients=recipients, status=PRONTO, subject=subject, body=body,
                             filename=filename, size=size, **base))
    return plan


def _mime_type(filename: str) -> tuple[str, str]:
    return XLSM_TYPE if filename.lower().endswith(".xlsm") else XLSX_TYPE


def build_message(outgoing: Outgoing, attachment_bytes: bytes, filename: str | None = None,
                  *, draft: bool = False, when: dt.datetime | None = None) -> EmailMessage:
    """The MIME message of a ready ``Outgoing``: UTF-8 text body, the workbook attached
    (RFC 2231 file name), Message-ID and Date. ``draft`` adds ``X-Unsent: 1`` so Outlook
    opens the ``.eml`` as a message to send; a draft may have no sender (no ``From``: the
    mail program fills in the user's own account)."""
    if outgoing.status != PRONTO:
        raise ValueError(f"message for {outgoing.sector!r} is not ready: {outgoing.reason}")
    if not outgoing.sender and not draft:
        raise ValueError("sender missing")
    filename = filename or outgoing.filename
    msg = EmailMessage(policy=SMTP)
    if outgoing.sender:
        msg["From"] = ascii_address(outgoing.sender)
    if len(outgoing.recipients) == 1 and outgoing.dirigente:
        local, _, domain = ascii_address(outgoing.recipients[0]).rpartition("@")
        msg["To"] = Address(display_name=outgoing.dirigente, username=local, domain=domain)
    else:
        msg["To"] = ", ".join(ascii_address(a) for a in outgoing.recipients)
    if outgoing.cc:
        msg["Cc"] = ", ".join(ascii_address(a) for a in outgoing.cc)
    if outgoing.reply_to:
        msg["Reply-To"] = ascii_address(outgoing.reply_to)
    msg["Subject"] = outgoing.subject
    msg["Date"] = email.utils.format_datetime(when or dt.datetime.now().astimezone())
    domain = ascii_address(outgoing.sender or outgoing.recipients[0]).rpartition("@")[2]
    tag = "".join(ch for ch in outgoing.sigla if ch.isascii() and ch.isalnum()) or None
    msg["Message-ID"] = email.utils.make_msgid(idstring=tag, domain=domain)
    if draft:
        msg["X-Unsent"] = "1"
    msg.set_content(outgoing.body, charset="utf-8")
    maintype, subtype = _mime_type(filename)
    msg.add_attachment(attachment_bytes, maintype=maintype, subtype=subtype,
                       filename=unicodedata.normalize("NFC", filename))
    return msg
