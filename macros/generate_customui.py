"""Regenerate ``macros/customUI14.xml`` from the command registry.

Run from the repository root after changing a ribbon command in
``xl_albero/commands.py``:  ``python macros/generate_customui.py``
(``tests/test_vba_ribbon.py`` fails until the committed file matches).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xl_albero.excel.ribbon_xml import customui_xml  # noqa: E402

TARGET = Path(__file__).with_name("customUI14.xml")

if __name__ == "__main__":
    TARGET.write_bytes(customui_xml().encode("ascii"))
    print(f"Scritto {TARGET}")
