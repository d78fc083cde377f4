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


#: Limits of a schema file: a real one is a few KB with no alias at all.
MAX_SCHEMA_BYTES = 1024 * 1024
MAX_SCHEMA_ALIASES = 100
MAX_SCHEMA_NODES = 100_000


def check_schema_yaml(text: str, name: str) -> None:
    """Refuse YAML that would expand out of proportion (an alias «bomb»): aliases are
    counted, and so are the nodes they would expand to, before anything is built."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise InputFileError(f"Lo schema «{name}» non è un file YAML valido: {exc}.") from exc
    if root is None:
        raise InputFileError(f"Lo schema «{name}» è vuoto: non definisce alcuna regola. "
                             "Indicare un file di schema con le colonne e i controlli.")
    aliases = text.count("*")  # an upper bound, cheap; the walk below is exact
    expanded: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > 100:
            raise InputFileError(f"Lo schema «{name}» è annidato troppo in profondità.")
        done = expanded.get(id(node))
        if done is not None:
            return done
        n = 1
        if isinstance(node, yaml.SequenceNode):
            n += sum(size(v, depth + 1) for v in node.value)
        elif isinstance(node, yaml.MappingNode):
            n += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        expanded[id(node)] = n
        if n > MAX_SCHEMA_NODES:
            raise InputFileError(
                f"Lo schema «{name}» è stato rifiutato per sicurezza: una volta espanso "
                f"conterrebbe più di {MAX_SCHEMA_NODES:_} elementi (possibile «bomba» di "
                "alias YAML). Uno schema normale è lungo poche pagine: usare quello fornito "
                "come modello.".replace("_", "."))
        return n

    if aliases:
        size(root, 0)


def _has_rules(schema: pa.DataFrameSchema) -> bool:
    return bool(schema.columns) or bool(schema.checks) or schema.index is not None


@functools.lru_cache(maxsize=16)
def _load_schema(path: str, mtime: float) -> pa.DataFrameSchema:
    p = Path(path)
    if p.stat().st_size > MAX_SCHEMA_BYTES:
        raise InputFileError(f"Lo schema «{p.name}» è troppo grande "
                             f"({p.stat().st_size // 1024} KB): uno schema normale è di "
                             "pochi KB.")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"Lo schema «{p.name}» non è un testo UTF-8.") from None
    check_schema_yaml(text, p.name)
    try:
        schema = pa.DataFrameSchema.from_yaml(text)
    except Exception as exc:
        raise InputFileError(
            f"Lo schema «{path}» non è valido: {exc}. Controllare il file YAML "
            "(nomi delle regole e parametri).") from exc
    if not _has_rules(schema):
        raise InputFileError(
            f"Lo schema «{p.name}» non definisce alcuna regola (nessuna colonna e nessun "
            "controllo): con questo file l'albero non verrebbe controllato affatto. Indicare "
            "uno schema con le colonne e i controlli.")
    return schema


def load_schema(path: str | os.PathLike | None = None) -> pa.DataFrameSchema:
    """The schema from ``path`` (a user's file) or the default ``schemas/albero.yaml``."""
    p = Path(path) if path is not None else schemas_dir() / SCHEMA_FILE
    if not p.is_file():
        what = "non è un file normale" if p.exists() else "non esiste"
        raise InputFileError(f"Il file di schema «{p}» {what}.")
    return _load_schema(str(p.resolve()), p.stat().st_mtime)


@functools.lru_cache(maxsize=4)
def _load_messages(path: str, mtime: float) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): {kk: str(vv) for kk, vv in v.items()} for k, v in data.items()}


def load_messages(path: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    p = Path(path) if path is not None else schemas_dir() / MESSAGES_FILE
    return _load_messages(str(p.resolve()), p.stat().st_mtime)
