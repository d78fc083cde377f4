"""Locate and load the pandera schema and the message catalogue (``schemas/``)."""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

import yaml

import xl_albero.validation.checks  # noqa: F401  (registers the custom checks)
from xl_albero.errors import InputFileError
from xl_albero.validation.pandera_import import pa

SCHEMA_FILE = "albero.yaml"
MESSAGES_FILE = "messaggi.yaml"


def schemas_dir() -> Path:
    """``schemas/`` of a source checkout, else the copy shipped in the wheel."""
    repo = Path(__file__).resolve().parents[2] / "schemas"
    if (repo / SCHEMA_FILE).is_file():
        return repo
    return Path(str(resources.files("xl_albero.schemas")))


@functools.lru_cache(maxsize=16)
def _load_schema(path: str, mtime: float) -> pa.DataFrameSchema:
    text = Path(path).read_text(encoding="utf-8")
    try:
        return pa.DataFrameSchema.from_yaml(text)
    except Exception as exc:
        raise InputFileError(
            f"Lo schema «{path}» non è valido: {exc}. Controllare il file YAML "
            "(nomi delle regole e parametri).") from exc


def load_schema(path: str | os.PathLike | None = None) -> pa.DataFrameSchema:
    """The schema from ``path`` (a user's file) or the default ``schemas/albero.yaml``."""
    p = Path(path) if path is not None else schemas_dir() / SCHEMA_FILE
    if not p.is_file():
        raise InputFileError(f"Il file di schema «{p}» non esiste.")
    return _load_schema(str(p.resolve()), p.stat().st_mtime)


@functools.lru_cache(maxsize=4)
def _load_messages(path: str, mtime: float) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): {kk: str(vv) for kk, vv in v.items()} for k, v in data.items()}


def load_messages(path: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    p = Path(path) if path is not None else schemas_dir() / MESSAGES_FILE
    return _load_messages(str(p.resolve()), p.stat().st_mtime)
