"""Per-validation context the registered checks read (registry, formula cells, plan year).

pandera passes a check only the column or frame it checks; the workbook-level facts a
check needs travel in a ContextVar, so concurrent validations (the server) don't mix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckContext:
    sectors: frozenset[str] = frozenset()
    formulas: dict[str, frozenset[int]] = field(default_factory=dict)  # column -> row positions
    year: int | None = None
    #: per-validation memo (e.g. group ids of a column, shared by several table checks)
    memo: dict = field(default_factory=dict)


_EMPTY = CheckContext()
_CURRENT: ContextVar[CheckContext | None] = ContextVar("albero_check_context", default=None)


def active() -> CheckContext | None:
    """The context of the validation under way, if any (memos live only that long)."""
    return _CURRENT.get()


def current() -> CheckContext:
    return _CURRENT.get() or _EMPTY


@contextlib.contextmanager
def using(ctx: CheckContext) -> Iterator[CheckContext]:
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)
