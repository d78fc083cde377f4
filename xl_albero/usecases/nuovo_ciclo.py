"""``nuovo_ciclo``: the next year's tree, multi-year objectives kept."""

from __future__ import annotations

from dataclasses import dataclass

from xl_albero import findings as F
from xl_albero.errors import TreeRefused
from xl_albero.rawsheet import SheetSource
from xl_albero.rollover import (
    Rollover,
    check_extension,
    check_target_year,
    plan_year,
    roll_over,
)
from xl_albero.usecases.checks import read_tree
from xl_albero.validation import require_valid


@dataclass(frozen=True)
class NuovoCicloOptions:
    anno: int
    estendi_periodo: str | None = None
    foglio: str | None = None
    schema: str | None = None


@dataclass(frozen=True)
class NuovoCicloResult:
    """The rollover (new tree, counts, items to review, passage and history sheets)."""

    rollover: Rollover


def nuovo_ciclo(source: SheetSource, options: NuovoCicloOptions) -> NuovoCicloResult:
    """Refuse cheap, specific problems first (no year, mixed years, year not after the
    plan's, bad period), then a tree with errori (no going ahead: a new plan starts from a
    valid one), then roll over."""
    tree = read_tree(source, options.foglio)
    old_year = plan_year(tree)
    check_target_year(old_year, options.anno)
    if options.estendi_periodo:
        check_extension(options.estendi_periodo, options.anno)
    try:
        require_valid(tree, schema=options.schema)
    except TreeRefused as exc:
        n = F.counts(exc.findings)["errori"]
        raise TreeRefused(
            f"L'albero ha {n} {'errore' if n == 1 else 'errori'}: "
            f"{'correggerlo' if n == 1 else 'correggerli'} (sono elencati "
            "dalla validazione) prima di preparare il nuovo ciclo. L'albero di partenza non è "
            "stato modificato.", exc.findings) from None
    ro = roll_over(tree, options.anno, extend_period=options.estendi_periodo)
    return NuovoCicloResult(rollover=ro)
