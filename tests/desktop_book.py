"""An xlwings ``Book`` that behaves, for our adapters, like desktop Excel's: ``.api`` is
unusable and merged areas are answered by ``Range.merge_cells`` / ``Range.merge_area``.

It is xlwings' remote engine (the real ``xw.Book`` on a workbook's JSON, whose writes are
recorded as actions) with two changes made for the duration of a ``with`` block:

* every ``.api`` of xlwings' public objects (``Book``, ``Sheet``, ``Range``, ``Name``...)
  raises when xl_albero's code reads it, as code written for xlwings Server's JSON would
  fail on COM/AppleScript objects: only the public API works (xlwings' own engine code
  still uses it internally);
* ``merge_cells`` / ``merge_area`` (which the remote engine cannot answer synchronously)
  answer from the workbook's merged ranges, as desktop Excel does.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import pytest
import xlwings as xw
from xlwings.pro import _xlremote

from tests.excel_model import WorkbookModel, block


class NativeApiUsed(AssertionError):
    """Code read ``.api``: on desktop Excel that is a COM/AppleScript object."""


def _guarded(original: property) -> property:
    """``.api`` that raises when read by xl_albero's code (xlwings' own internals, which
    use it for their engine, keep it)."""

    def get(self):  # noqa: ANN001, ANN202
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller == "xl_albero" or caller.startswith("xl_albero."):
            raise NativeApiUsed(f"{type(self).__name__}.api read by {caller}: only xlwings' "
                                "public API works in both desktop Excel and xlwings Server")
        return original.fget(self)

    return property(get)


def _public_classes() -> list[type]:
    out = []
    for obj in vars(xw.main).values():
        if isinstance(obj, type) and isinstance(obj.__dict__.get("api"), property):
            out.append(obj)
    return out


@contextlib.contextmanager
def desktop_book(model: WorkbookModel) -> Iterator[xw.Book]:
    """The model as a desktop-like xlwings Book (see the module docstring)."""
    areas = {s.name: [block(a) for a in s.merged] for s in model.sheets}
    book = xw.Book(json=model.payload(merged=False))

    def bounds(rng) -> tuple[int, int, int, int]:  # noqa: ANN001 - remote impl Range
        nrows, ncols = rng.shape
        return rng.row - 1, rng.column - 1, rng.row + nrows - 2, rng.column + ncols - 2

    def overlapping(rng) -> list[tuple[int, int, int, int]]:  # noqa: ANN001
        r0, c0, r1, c1 = bounds(rng)
        return [a for a in areas.get(rng.sheet.name, [])
                if a[0] <= r1 and r0 <= a[2] and a[1] <= c1 and c0 <= a[3]]

    def merge_cells(rng) -> bool | None:  # noqa: ANN001
        found = overlapping(rng)
        if not found:
            return False
        r0, c0, r1, c1 = bounds(rng)
        covered = sum((min(a[2], r1) - max(a[0], r0) + 1) * (min(a[3], c1) - max(a[1], c0) + 1)
                      for a in found)
        return True if covered == (r1 - r0 + 1) * (c1 - c0 + 1) else None

    def merge_area(rng):  # noqa: ANN001
        r, c = rng.row - 1, rng.column - 1
        for a in areas.get(rng.sheet.name, []):
            if a[0] <= r <= a[2] and a[1] <= c <= a[3]:
                return _xlremote.Range(rng.sheet, (a[0] + 1, a[1] + 1), (a[2] + 1, a[3] + 1))
        return rng

    with pytest.MonkeyPatch.context() as mp:
        for cls in _public_classes():
            mp.setattr(cls, "api", _guarded(cls.__dict__["api"]))
        mp.setattr(_xlremote.Range, "merge_cells", property(merge_cells))
        mp.setattr(_xlremote.Range, "merge_area", property(merge_area))
        yield book
