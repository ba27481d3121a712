"""The `sapwood` command line (also `python -m sapwood`).

    sapwood demo      train small models, load them, check equality, time both engines
    sapwood config    print the build and runtime configuration
    sapwood --version
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sapwood", description="Fast, exact inference for tree ensembles and linear models.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="train small models on synthetic data, check sapwood's answers, time both engines")
    demo.add_argument("--rows", type=int, default=20000, help="rows to score (default 20000)")
    demo.add_argument("--repeats", type=int, default=5, help="timing repeats; the median is shown (default 5)")
    demo.add_argument("--quick", action="store_true", help="smaller models and data, for a fast check")
    commands.add_parser("config", help="print how sapwood was built and what it runs with")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.version:
        from . import __version__

        print(__version__)
        return 0
    if args.command == "demo":
        from .demo import run_demo

        return run_demo(rows=args.rows, repeats=args.repeats, quick=args.quick)
    if args.command == "config":
        from . import show_config

        show_config()
        return 0
    _parser().print_help(sys.stderr)
    return 2
