"""sapwood against scikit-learn's own predict, measured side by side in one run.

Each case trains a model on seeded synthetic data, checks that sapwood's predictions equal the
source's (the run stops if not), then times both engines on the same input: median of
--repeats runs after one warm-up, at 1 thread and at all cores. Prints a Markdown table.

    python bench/run.py                 # the table in bench/RESULTS.md
    python bench/run.py --quick         # a smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any, Callable, List

import numpy as np

import sapwood


def median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cases(quick: bool) -> List[tuple]:
    from sklearn import ensemble, linear_model

    k = 5 if quick else 1
    return [
        ("RandomForestRegressor 100x depth 12", lambda: ensemble.RandomForestRegressor(100 // k, max_depth=12, random_state=0), "reg", 100),
        ("RandomForestClassifier 100 trees, 3 classes", lambda: ensemble.RandomForestClassifier(100 // k, max_depth=12, random_state=0), "clf", 100),
        ("ExtraTreesRegressor 100x depth 12", lambda: ensemble.ExtraTreesRegressor(100 // k, max_depth=12, random_state=0), "reg", 100),
        ("GradientBoostingRegressor 300x depth 5", lambda: ensemble.GradientBoostingRegressor(n_estimators=300 // k, max_depth=5, random_state=0), "reg", 100),
        ("GradientBoostingClassifier 100 rounds, 3 classes", lambda: ensemble.GradientBoostingClassifier(n_estimators=100 // k, random_state=0), "clf", 100),
        ("HistGradientBoostingClassifier 200 iterations", lambda: ensemble.HistGradientBoostingClassifier(max_iter=200 // k, early_stopping=False, random_state=0), "bin", 100),
        ("IsolationForest 200 trees", lambda: ensemble.IsolationForest(n_estimators=200 // k, random_state=0), "anomaly", 100),
        ("LogisticRegression 200 features, 3 classes", lambda: linear_model.LogisticRegression(max_iter=300), "clf", 200),
        ("Ridge 200 features", lambda: linear_model.Ridge(), "reg", 200),
    ]


def data(n_rows: int, n_features: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    signal = X[:, 0] + np.sin(X[:, 1]) + 0.5 * X[:, 2] ** 2 + 0.2 * X[:, 3:10].sum(axis=1)
    y_reg = signal + 0.3 * rng.normal(size=n_rows)
    return X, y_reg, np.digitize(y_reg, np.quantile(y_reg, [0.33, 0.66])), (y_reg > np.median(y_reg)).astype(int)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--train-rows", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.train_rows, args.repeats = 5_000, 1_000, 3

    import sklearn

    cores = os.cpu_count() or 1
    print(f"sapwood {sapwood.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
          f"{platform.machine()}, {cores} cores; {args.rows:,} float32 rows; median of {args.repeats}\n")
    print("| model | scikit-learn rows/s | sapwood 1 thread rows/s | sapwood all cores rows/s | speed-up 1 thread | speed-up all cores |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, make, kind, n_features in cases(args.quick):
        X_train, y_reg, y_clf, y_bin = data(args.train_rows, n_features, 0)
        X, *_ = data(args.rows, n_features, 1)
        estimator = make()
        if kind == "anomaly":
            estimator.fit(X_train)
            theirs, ours = estimator.score_samples, "score_samples"
        else:
            estimator.fit(X_train, {"reg": y_reg, "clf": y_clf, "bin": y_bin}[kind])
            theirs, ours = (estimator.predict, "predict") if kind == "reg" else (estimator.predict_proba, "predict_proba")
        model = sapwood.load(estimator)
        expected, got = theirs(X), getattr(model, ours)(X)
        # Linear models fitted on float32 compute in float32 in scikit-learn; sapwood sums in float64.
        rtol = 1e-5 if np.asarray(expected).dtype == np.float32 else 1e-9
        if not np.allclose(got, expected, rtol=rtol, atol=rtol * float(np.max(np.abs(expected)))):
            raise SystemExit(f"{name}: sapwood's answers differ from scikit-learn's")
        if not np.array_equal(model.predict(X), estimator.predict(X)) and kind != "reg":
            raise SystemExit(f"{name}: sapwood's labels differ from scikit-learn's")
        source = median_seconds(lambda: theirs(X), args.repeats)
        one = median_seconds(lambda: getattr(model, ours)(X, n_threads=1), args.repeats)
        every = median_seconds(lambda: getattr(model, ours)(X), args.repeats)
        rate = lambda s: f"{args.rows / s:,.0f}"  # noqa: E731
        print(f"| {name} | {rate(source)} | {rate(one)} | {rate(every)} | {source / one:.2f}x | {source / every:.2f}x |")


if __name__ == "__main__":
    main()
