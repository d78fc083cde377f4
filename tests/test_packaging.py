"""The wheel ships the pandera schemas; the core imports without any xlwings PRO part."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_the_schemas(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("xl_albero-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"xl_albero/schemas/albero.yaml", "xl_albero/schemas/messaggi.yaml",
            "xl_albero/schemas/misura.yaml"} <= names
    assert "xl_albero/templates/relazione.docx" in names  # the relazione's Word template


def test_core_and_cli_import_without_xlwings():
    code = (
        "import sys; sys.modules['xlwings'] = None; sys.modules['xlwings_server'] = None\n"
        "from xl_albero.cli import main\n"
        "raise SystemExit(main(['valida', 'workbooks/albero_2025.xlsx']))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    assert "48 obiettivi operativi" in p.stdout
