"""docs/ARCHITECTURE.md stays true: every module is listed; the layers hold."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "xl_albero"
DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")


def modules() -> list[str]:
    return sorted(str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
                  if "__pycache__" not in p.parts)


def test_every_module_is_listed_in_architecture():
    missing = [m for m in modules() if f"`{m}`" not in DOC]
    assert not missing, f"modules missing from docs/ARCHITECTURE.md: {missing}"


def test_listed_modules_exist():
    import re

    table = DOC.split("## The one registry")[0]
    listed = set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", table))
    assert listed, "no module listed"
    assert not sorted(listed - set(modules()))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_no_excel_code_reads_the_native_api():
    """Desktop Excel (COM/AppleScript) and the remote engine share only the public API."""
    offenders = []
    for path in (PKG / "excel").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "api":
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders


def test_excel_never_imports_server():
    bad = [str(p.relative_to(PKG)) for p in (PKG / "excel").rglob("*.py")
           if any(m.startswith("xl_albero.server") for m in _imports(p))]
    assert not bad, bad


def test_one_style_of_finding_codes():
    """Finding codes are UPPER_SNAKE_CASE everywhere (catalogue and code)."""
    import re

    import yaml

    from xl_albero.findings import FINDING_FIELDS as FIELDS

    style = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
    catalogue = yaml.safe_load((ROOT / "schemas" / "messaggi.yaml").read_text("utf-8"))
    bad = [k for k in catalogue if not style.match(k)]
    literal = re.compile(r"""(?:F\.(?:ERRORE|AVVISO),\s*|codice=|CODE_[A-Z_]+\s*=\s*)["']([^"']+)["']""")
    for path in PKG.rglob("*.py"):
        for code in literal.findall(path.read_text(encoding="utf-8")):
            if not style.match(code) and code not in FIELDS:  # a column, not a code
                bad.append(f"{path.relative_to(PKG)}: {code}")
    assert not bad, bad
