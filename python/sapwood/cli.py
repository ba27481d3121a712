"""The `sapwood` command line (also `python -m sapwood`).

    sapwood demo      train small models, load them, check equality, time both engines
    sapwood config    print the build and runtime configuration
    sapwood convert MODEL -o OUT      any model file sapwood reads -> sapwood's own format
    sapwood inspect MODEL [--json]    kind, trees, depths, features used, objective, outputs
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
    convert = commands.add_parser("convert", help="save a model file (XGBoost, LightGBM, sapwood) in sapwood's own format")
    convert.add_argument("model", help="model file to read")
    convert.add_argument("-o", "--output", required=True, help="where to write the .sapwood file")
    inspect = commands.add_parser("inspect", help="describe a model file")
    inspect.add_argument("model", help="model file to read")
    inspect.add_argument("--json", action="store_true", help="print JSON for machines")
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
    if args.command in ("convert", "inspect"):
        return _model_command(args)
    _parser().print_help(sys.stderr)
    return 2


def _model_command(args: argparse.Namespace) -> int:
    import json

    from . import SapwoodError, load

    try:
        model = load(args.model)
    except (OSError, SapwoodError, ValueError) as error:
        print(f"sapwood {args.command}: {error}", file=sys.stderr)
        return 1
    if args.command == "convert":
        model.save(args.output)
        print(f"wrote {args.output} ({model!r})")
        return 0
    from .inspect import describe, format_report

    report = describe(model)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0
