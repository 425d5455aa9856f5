"""Entry point of `python -m baselines`."""

from baselines.cli import main

raise SystemExit(main())
