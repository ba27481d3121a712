"""The model families real tabular data produces, against their sources and the peers that load them.

bench/run.py's zoo is numeric; this one is what users train on tables: categorical columns (pandas
category dtype), missing values, exact zeros, LightGBM's zero_as_missing and linear_tree. Data:
26 features, 6 of them categorical with 8-250 levels, 5 % NaN in every column, 10 % exact zeros
in the numeric ones. Models: 300 trees of up to 63 leaves (depth 6 for XGBoost).

Every engine computes margins (raw scores) on the same rows; each is timed on the input its
users pass: the DataFrame for engines that take one (the sources, sapwood, lleaves), a float32
array of category codes for those that take arrays only (tl2cgen, onnxruntime, daal4py; noted
per row), plus sapwood on that array too. Nothing but the predict call is inside the timed region
(thread counts are set before it). Median of --repeats after a warm-up, 1 and 2 threads. The
busy-machine columns rerun 1 thread and the default thread count while another process burns
one core (--busy).

    python bench/families.py --json bench/families.json          # measure, write the JSON
    python bench/families.py --table bench/families.json         # print RESULTS' tables from it

The peers install as for bench/run.py (see its docstring).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
from run import median_seconds  # noqa: E402

import sapwood  # noqa: E402

LEVELS = [8, 16, 40, 100, 180, 250]  # categories of the 6 categorical columns
N_NUMERIC = 20


def table_data(n_rows: int, seed: int) -> tuple:
    """A frame with category columns, the same rows as a float32 array of codes, and a label."""
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n_rows, N_NUMERIC))
    numeric[rng.random(numeric.shape) < 0.10] = 0.0
    codes = np.column_stack([rng.integers(0, k, n_rows) for k in LEVELS])
    effects = [np.random.default_rng(100 + j).normal(size=k) for j, k in enumerate(LEVELS)]
    signal = numeric[:, 0] + np.sin(numeric[:, 1]) + 0.5 * numeric[:, 2] ** 2 + 0.2 * numeric[:, 3:10].sum(axis=1)
    signal += sum(e[codes[:, j]] for j, e in enumerate(effects))
    signal += 0.8 * (numeric[:, 4] == 0)
    y = signal + 0.3 * rng.normal(size=n_rows)
    numeric[rng.random(numeric.shape) < 0.05] = np.nan
    missing = rng.random(codes.shape) < 0.05
    frame = pd.DataFrame(numeric.astype(np.float32), columns=[f"x{j}" for j in range(N_NUMERIC)])
    for j, k in enumerate(LEVELS):
        column = pd.Categorical.from_codes(np.where(missing[:, j], -1, codes[:, j]), categories=[f"c{i}" for i in range(k)])
        frame[f"cat{j}"] = column
    array = frame.copy()
    for j in range(len(LEVELS)):
        array[f"cat{j}"] = np.where(missing[:, j], np.nan, codes[:, j])
    return frame, array.to_numpy(np.float32), y


class Case:
    def __init__(self, key: str, name: str, build: Callable[[Any, Any, np.ndarray], tuple], categorical: bool):
        self.key, self.name, self.build, self.categorical = key, name, build, categorical


def _lightgbm(params: Dict[str, Any]) -> Callable:
    def build(frame, array, y):
        import lightgbm as lgb

        label = (y > np.median(y)).astype(int) if params.get("objective") == "binary" else y
        booster = lgb.train({"num_leaves": 63, "min_data_in_leaf": 20, "verbose": -1, "seed": 0, "num_threads": 2,
                             **params}, lgb.Dataset(frame, label), num_boost_round=300)

        def predict(X, threads):
            return booster.predict(X, raw_score=True, num_threads=threads)
        return booster, predict, None
    return build


def _xgboost(frame, array, y):
    import xgboost as xgb

    label = (y > np.median(y)).astype(int)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 6, "tree_method": "hist", "seed": 0,
                         "nthread": 2}, xgb.DMatrix(frame, label, enable_categorical=True), num_boost_round=300)

    def predict(X, threads):
        return booster.inplace_predict(X, predict_type="margin")

    def set_threads(threads):
        booster.set_param({"nthread": threads})
    return booster, predict, set_threads


def _hist_gradient_boosting(frame, array, y):
    from sklearn.ensemble import HistGradientBoostingClassifier

    estimator = HistGradientBoostingClassifier(max_iter=300, max_leaf_nodes=63, early_stopping=False,
                                               categorical_features="from_dtype", random_state=0)
    estimator.fit(frame, (y > np.median(y)).astype(int))

    def predict(X, threads):
        return estimator.decision_function(X)

    limits: List[Any] = []

    def set_threads(threads):
        from threadpoolctl import threadpool_limits

        # scikit-learn's predict runs OpenMP threads: the limit is set before the timed calls
        # and stays in force until the next one.
        while limits:
            limits.pop().restore_original_limits()
        limits.append(threadpool_limits(threads))
    return estimator, predict, set_threads


def cases() -> List[Case]:
    return [
        Case("lgb-cat", "LightGBM, categorical columns", _lightgbm({"objective": "binary"}), True),
        Case("lgb-zero", "LightGBM, zero_as_missing", _lightgbm({"objective": "binary", "zero_as_missing": True}),
             False),
        Case("lgb-linear", "LightGBM, linear_tree", _lightgbm({"objective": "regression", "linear_tree": True}),
             False),
        Case("xgb-cat", "XGBoost, enable_categorical", _xgboost, True),
        Case("hgb-cat", "HistGradientBoostingClassifier, categorical columns", _hist_gradient_boosting, True),
    ]


# ------------------------------------------------------------------ timing


def burn(stop) -> None:
    """A process that keeps one core busy until told to stop."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


@contextlib.contextmanager
def busy_core():
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=burn, args=(stop,), daemon=True)
    process.start()
    time.sleep(0.5)
    try:
        yield
    finally:
        stop.set()
        process.join(5)


def time_engine(predict: Callable[[Any, int], np.ndarray], set_threads: Optional[Callable[[int], None]], X: Any,
                repeats: int, busy: bool) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for threads in (1, 2):
        if set_threads:
            set_threads(threads)
        out[f"seconds_{threads}"] = median_seconds(lambda: predict(X, threads), repeats)
    if busy:
        with busy_core():
            for label, threads in (("busy_1", 1), ("busy_default", os.cpu_count() or 1)):
                if set_threads:
                    set_threads(threads)
                out[f"seconds_{label}"] = median_seconds(lambda: predict(X, threads), repeats)
    return out


def measure(args) -> Dict[str, Any]:
    frame_train, array_train, y = table_data(args.train_rows, 0)
    frame, array, _ = table_data(args.rows, 1)
    wanted = [m for m in args.models.split(",") if m]
    results: List[Dict[str, Any]] = []
    for case in cases():
        if wanted and case.key not in wanted:
            continue
        train = frame_train if case.categorical else array_train  # else the codes are plain numbers
        X_frame = frame if case.categorical else array
        source, source_predict, source_threads = case.build(train, array_train, y)
        model = sapwood.load(source)
        if source_threads:
            source_threads(2)
        expected = np.asarray(source_predict(X_frame, 2), dtype=np.float64)
        got = np.asarray(model.predict_raw(X_frame), dtype=np.float64)
        diff = float(np.max(np.abs(got - expected)))
        if diff > 0:
            raise SystemExit(f"{case.name}: sapwood differs from the source by {diff:g}")
        row: Dict[str, Any] = {"key": case.key, "name": case.name, "rows": args.rows,
                               "engine_summary": model.summary().get("engine"), "engines": {}}

        def record(engine: str, predict, set_threads, X, note: str = "", exact_diff: Optional[float] = None):
            timing = time_engine(predict, set_threads, X, args.repeats, args.busy)
            timing["max_abs_diff"] = exact_diff if exact_diff is not None else 0.0
            timing["note"] = note
            row["engines"][engine] = timing
            print(f"{case.key} {engine}: {args.rows / timing['seconds_1']:,.0f} rows/s 1 thread", flush=True)

        record("source", source_predict, source_threads, X_frame, "DataFrame" if case.categorical else "")
        record("sapwood", lambda X, t: model.predict_raw(X, n_threads=t), None, X_frame,
               "DataFrame" if case.categorical else "")
        if case.categorical and case.key != "hgb-cat":  # scikit-learn takes the category values only
            codes_diff = float(np.max(np.abs(np.asarray(model.predict_raw(array), dtype=np.float64) - expected)))
            if codes_diff > 0:
                raise SystemExit(f"{case.name}: sapwood on codes differs from the source by {codes_diff:g}")
            record("sapwood (codes array)", lambda X, t: model.predict_raw(X, n_threads=t), None, array,
                   "float32 array of category codes", 0.0)
        for peer in [e for e in args.engines.split(",") if e in peers.ADAPTERS]:
            X_peer = frame if case.categorical and peer == "lleaves" else array
            if peer == "onnxruntime" and case.key == "xgb-cat":
                # onnxmltools' XGBoost converter has no categorical splits; on this model it
                # recursed for over 10 minutes without finishing, so it is not tried.
                row["engines"][peer] = {"skipped": "onnxmltools converts no XGBoost categorical splits (ran > 10 min)"}
                continue
            try:
                adapter = peers.ADAPTERS[peer](source, "predict_raw")
                peer_diff = peers_diff(adapter, X_peer, expected)
            except Exception as error:  # a peer that cannot take the model is skipped, with why
                row["engines"][peer] = {"skipped": f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
                                        if str(error) else type(error).__name__}
                print(f"{case.key} {peer}: skipped ({row['engines'][peer]['skipped']})", flush=True)
                continue
            note = adapter.note or ("DataFrame" if X_peer is frame else "float32 array of codes"
                                    if case.categorical else "")
            record(peer, adapter.predict, None, X_peer, note, peer_diff)
        results.append(row)
        if args.json:  # after every model, so that a run cut short keeps what it measured
            write_json(args.json, report(results))
    return report(results)


def report(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"machine": machine(), "command": " ".join(sys.argv), "results": results,
            "time": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def write_json(path: str, data: Dict[str, Any]) -> None:
    with open(path, "w") as f:
        json.dump(data, f, indent=1)


def peers_diff(adapter, X, expected) -> float:
    got = np.asarray(adapter.predict(X, 1), dtype=np.float64).reshape(expected.shape)
    return float(np.max(np.abs(got - adapter.reference(expected))))


def machine() -> Dict[str, Any]:
    info = sapwood.runtime_info()
    cpu = ""
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    versions = {}
    for name in ("lightgbm", "xgboost", "sklearn", "lleaves", "tl2cgen", "onnxruntime", "numpy", "pandas"):
        with contextlib.suppress(Exception):
            versions[name] = __import__(name).__version__
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "sapwood_level": info["isa_active"], "traversal": info.get("traversal"), "versions": versions}


# ------------------------------------------------------------------ tables


def print_tables(report: Dict[str, Any]) -> None:
    m = report["machine"]
    print(f"Measured {report['time']} on {m['cpu']} ({m['cores']} cores), sapwood level {m['sapwood_level']}; "
          + ", ".join(f"{k} {v}" for k, v in sorted(m["versions"].items())) + ".\n")
    busy = any("seconds_busy_1" in e for r in report["results"] for e in r["engines"].values())
    header = "| model | engine | input | rows/s 1 thread | rows/s 2 threads | 2-thread scaling |"
    rule = "|---|---|---|---:|---:|---:|"
    if busy:
        header += " busy: 1 thread | busy: default threads | busy scaling |"
        rule += "---:|---:|---:|"
    print(header + " sapwood / engine, 1 thread | max abs diff |")
    print(rule + "---:|---:|")
    for r in report["results"]:
        ours = r["engines"]["sapwood"]["seconds_1"]
        for engine, e in r["engines"].items():
            if "skipped" in e:
                continue
            rate = lambda key: r["rows"] / e[key]  # noqa: E731
            cells = [r["name"], engine, e.get("note", "") or "array", f"{rate('seconds_1'):,.0f}",
                     f"{rate('seconds_2'):,.0f}", f"{e['seconds_1'] / e['seconds_2']:.2f}x"]
            if busy:
                cells += [f"{rate('seconds_busy_1'):,.0f}", f"{rate('seconds_busy_default'):,.0f}",
                          f"{e['seconds_busy_1'] / e['seconds_busy_default']:.2f}x"]
            cells += [f"{e['seconds_1'] / ours:.2f}x", f"{e['max_abs_diff']:.3g}"]
            print("| " + " | ".join(cells) + " |")
    skipped = [(r["key"], engine, e["skipped"]) for r in report["results"] for engine, e in r["engines"].items()
               if "skipped" in e]
    if skipped:
        print()
        for key, engine, reason in skipped:
            print(f"- {engine} skipped for {key}: {reason}")
    print()
    for r in report["results"]:
        print(f"- {r['key']}: engine {r['engine_summary']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--train-rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", default="", help="comma-separated keys (default: all)")
    parser.add_argument("--engines", default="lleaves,treelite,onnxruntime,daal4py")
    parser.add_argument("--busy", action="store_true", help="also time with another process burning a core")
    parser.add_argument("--json", metavar="FILE", help="write the measurements here")
    parser.add_argument("--table", metavar="FILE", help="print the tables of a JSON written by --json, and stop")
    args = parser.parse_args()
    if args.table:
        with open(args.table) as f:
            print_tables(json.load(f))
        return
    measured = measure(args)
    print()
    print_tables(measured)


if __name__ == "__main__":
    main()
