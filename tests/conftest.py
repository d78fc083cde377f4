"""Test session setup: xlwings must see its settings before anything imports it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
os.environ.setdefault("XLWINGS_PROJECT_DIR", str(Path(__file__).resolve().parents[1]
                                                 / "xl_albero" / "server" / "project"))
os.environ.setdefault("ALBERO_SERVER_DOWNLOADS", tempfile.mkdtemp(prefix="albero-test-dl-"))
