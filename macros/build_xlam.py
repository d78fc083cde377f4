"""Put macros/customUI14.xml into an add-in saved from Excel (instead of the RibbonX Editor).

    python macros/build_xlam.py "Albero senza ribbon.xlam" "Albero Performance.xlam"

The first file is the .xlam saved from Excel with the VBA modules (see macros/README.md);
it is not modified. The second is written new (add --sovrascrivi to replace it).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xl_albero.errors import AlberoError  # noqa: E402
from xl_albero.excel.xlam import add_customui  # noqa: E402

XML = Path(__file__).with_name("customUI14.xml")


def main(argv: list[str]) -> int:
    overwrite = "--sovrascrivi" in argv
    args = [a for a in argv if a != "--sovrascrivi"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        out = add_customui(args[0], args[1], XML.read_text(encoding="utf-8"),
                           overwrite=overwrite)
    except AlberoError as exc:
        print(f"Errore: {exc}", file=sys.stderr)
        return 2
    print(f"Scritto «{out}» con la scheda Albero Performance.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
