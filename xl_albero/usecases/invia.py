"""``invia``: each sector's workbook to its dirigente, as drafts or over SMTP.

The steps are the same in every front end; the mail edge does the I/O through a
:class:`Mailer` (``mail.campaign.Campaign``: settings, send log, attachments, SMTP).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from xl_albero.rawsheet import SheetSource
from xl_albero.usecases.sectors import SectorOptions, SectorsResult, sectors


@dataclass(frozen=True)
class InviaOptions:
    invia: bool = False
    riprendi: bool = False
    foglio: str | None = None
    schema: str | None = None
    forza: bool = False


class Mailer(Protocol):
    """The mail edge, as the use case needs it."""

    def check(self, options: InviaOptions) -> None:
        """Refuse unusable settings (no sender, no SMTP server when sending...) before
        reading the tree."""
        ...

    def plan(self, result: SectorsResult, options: InviaOptions) -> list[Any]:
        """Write the sector workbooks and compose one message per sector (the plan)."""
        ...

    def deliver(self, plan: list[Any], options: InviaOptions) -> Any:
        """Send the plan (``options.invia``) or write it as drafts; the outcomes."""
        ...


@dataclass(frozen=True)
class InviaResult:
    """The sectors, the plan (``mail.compose.Outgoing`` per sector) and the outcomes
    (``mail.campaign.MailResult``)."""

    sectors: SectorsResult
    plan: list[Any]
    outcome: Any


def invia(source: SheetSource, options: InviaOptions, mailer: Mailer) -> InviaResult:
    mailer.check(options)
    found = sectors(source, SectorOptions(foglio=options.foglio, schema=options.schema,
                                          forza=options.forza))
    plan = mailer.plan(found, options)
    return InviaResult(sectors=found, plan=plan, outcome=mailer.deliver(plan, options))
