from xl_albero.cli import run

raise SystemExit(run())
