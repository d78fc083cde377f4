from xl_albero.cli import main

raise SystemExit(main())
