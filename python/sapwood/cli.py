"""The `sapwood` command line (also `python -m sapwood`).

    sapwood demo      train small models, load them, check equality, time both engines
    sapwood config    print the build and runtime configuration
    sapwood convert MODEL -o OUT      any model file sapwood reads -> sapwood's own format
    sapwood inspect MODEL [--json]    kind, trees, depths, features used, objective, outputs
    sapwood predict MODEL INPUT -o OUTPUT   score a CSV/Parquet/Arrow/.npy file in bounded memory
    sapwood --version
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from .batch._outputs import OUTPUT_KINDS


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
    _add_predict(commands)
    return parser


def _add_predict(commands: "argparse._SubParsersAction") -> None:
    predict = commands.add_parser(
        "predict",
        help="score a data file (CSV, Parquet, Arrow/Feather, .npy) chunk by chunk",
        description="Score every row of INPUT and write the predictions to OUTPUT. Formats come from "
        "the extensions (.csv, .parquet, .arrow/.feather/.ipc, .npy). The file is read in chunks, "
        "so memory stays bounded; OUTPUT appears only when every row was written.",
    )
    predict.add_argument("model", help="model file (sapwood, XGBoost JSON/UBJSON, LightGBM text)")
    predict.add_argument("input", help="data file to score")
    predict.add_argument("-o", "--output", required=True, help="where to write the predictions")
    predict.add_argument("--columns", help="comma-separated input columns holding the model's features, in its "
                         "order (positions for .npy); default: the model's feature names, else every column but the id")
    predict.add_argument("--id-column", help="input column copied to the output ahead of the predictions")
    predict.add_argument("--output-kind", choices=OUTPUT_KINDS, default="predict",
                         help="predict (labels/values, default), proba (class probabilities), raw (margins) "
                         "or leaf (the leaf reached in each tree)")
    predict.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    predict.add_argument("--chunk-rows", type=int, default=65536, help="rows per chunk (default 65536)")
    predict.add_argument("--quiet", action="store_true", help="no progress line, even on a terminal")


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
    if args.command == "predict":
        return _predict_command(args)
    _parser().print_help(sys.stderr)
    return 2


def _model_command(args: argparse.Namespace) -> int:
    import json

    from . import SapwoodError, load

    try:
        model = load(args.model)
    except (OSError, SapwoodError, ValueError, TypeError) as error:
        print(f"sapwood {args.command}: {args.model}: {_reason(error)}", file=sys.stderr)
        return 1
    if args.command == "convert":
        try:
            model.save(args.output)
        except OSError as error:
            reason = error.strerror or str(error)
            print(f"sapwood convert: cannot write {args.output}: {reason} (is the folder there and writable?)",
                  file=sys.stderr)
            return 1
        print(f"wrote {args.output} ({model!r})")
        return 0
    from .inspect import describe, format_report

    report = describe(model)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _predict_command(args: argparse.Namespace) -> int:
    from . import SapwoodError, load
    from .batch import predict_file
    from .batch._progress import Progress

    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    progress = Progress(enabled=False if args.quiet else None)
    try:
        model = load(args.model)
    except (OSError, SapwoodError, ValueError, TypeError) as error:
        print(f"sapwood predict: {args.model}: {_reason(error)}", file=sys.stderr)
        return 1
    try:
        predict_file(
            model,
            args.input,
            args.output,
            columns=columns,
            id_column=args.id_column,
            output_kind=args.output_kind,
            n_threads=args.threads,
            chunk_rows=args.chunk_rows,
            progress=progress,
        )
    except KeyboardInterrupt:
        print("sapwood predict: interrupted; no output written", file=sys.stderr)
        return 130
    except OSError as error:  # the file it names (input or output), else the input
        print(f"sapwood predict: {error.filename or args.input}: {_reason(error)}", file=sys.stderr)
        return 1
    except (SapwoodError, ValueError, TypeError, AttributeError, ImportError, KeyError) as error:
        print(f"sapwood predict: {args.input}: {_reason(error)}", file=sys.stderr)
        return 1
    except Exception as error:  # pyarrow's parse errors (ArrowInvalid is a ValueError; others are not)
        print(f"sapwood predict: {args.input}: {type(error).__name__}: {_reason(error)}", file=sys.stderr)
        return 1
    return 0


def _reason(error: BaseException) -> str:
    """The error's message on one line (an OSError's without the file it names)."""
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    if isinstance(error, KeyError) and error.args:
        text = str(error.args[0])
    return " ".join(text.split())
