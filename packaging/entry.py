"""Entry point of the frozen app: the same command line as ``outpost``."""

from app.cli import main

raise SystemExit(main())
