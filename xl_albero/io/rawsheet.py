"""Compatibility re-export: ``RawSheet`` now lives in ``xl_albero.rawsheet`` (model layer)."""

from xl_albero.rawsheet import RawSheet, SheetSource

__all__ = ["RawSheet", "SheetSource"]
