"""`python -m sapwood ...`: the same command line as the `sapwood` script."""

from .cli import main

raise SystemExit(main())
