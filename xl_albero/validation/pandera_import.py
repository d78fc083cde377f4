"""Import pandera without hypothesis (about a third of ``albero valida``'s start-up).

pandera imports its data-synthesis strategies, and with them ``hypothesis``, whenever
hypothesis is installed (it is, for the tests). xl-albero never synthesises data, so
``hypothesis`` is hidden while pandera is imported (``sys.modules[name] = None`` makes
that one import fail, and pandera falls back to its placeholders); it stays importable
afterwards. If hypothesis is already loaded (a test session), pandera is imported as is.
"""

from __future__ import annotations

import sys


def _import_pandera() -> None:
    hide = "hypothesis" not in sys.modules
    if hide:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]
    try:
        import pandera.errors
        import pandera.extensions
        import pandera.pandas
        import pandera.strategies.pandas_strategies  # noqa: F401  (imported by registering)
    finally:
        if hide and sys.modules.get("hypothesis", 0) is None:
            del sys.modules["hypothesis"]


_import_pandera()

import pandera.errors as pe  # noqa: E402
import pandera.extensions as ext  # noqa: E402
import pandera.pandas as pa  # noqa: E402

__all__ = ["ext", "pa", "pe"]
