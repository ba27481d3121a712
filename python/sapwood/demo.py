"""`sapwood demo`: sapwood's main job on built-in data. Trains small scikit-learn models on
synthetic data (no downloads), loads each into sapwood, checks that the predictions are the
source's, and prints rows/s for both engines side by side."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any, Callable, List, Tuple

import numpy as np


def _median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm-up: first-touch allocations, lazy imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cases(quick: bool) -> List[Tuple[str, Any, str]]:
    from sklearn import ensemble, linear_model

    scale = 4 if quick else 1
    return [
        ("RandomForestClassifier", ensemble.RandomForestClassifier(n_estimators=100 // scale, max_depth=10, random_state=0), "classification"),
        ("ExtraTreesRegressor", ensemble.ExtraTreesRegressor(n_estimators=100 // scale, max_depth=10, random_state=0), "regression"),
        ("GradientBoostingRegressor", ensemble.GradientBoostingRegressor(n_estimators=200 // scale, max_depth=4, random_state=0), "regression"),
        ("HistGradientBoostingClassifier", ensemble.HistGradientBoostingClassifier(max_iter=200 // scale, random_state=0), "classification"),
        ("IsolationForest", ensemble.IsolationForest(n_estimators=100 // scale, random_state=0), "anomaly"),
        ("LogisticRegression", linear_model.LogisticRegression(max_iter=500), "classification"),
    ]


def _data(n_rows: int, seed: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 20))
    X[rng.random(X.shape) < 0.02] = np.nan
    signal = np.nan_to_num(X[:, 0]) + np.sin(np.nan_to_num(X[:, 1])) + 0.5 * np.nan_to_num(X[:, 2]) ** 2
    y_reg = signal + 0.3 * rng.normal(size=n_rows)
    y_clf = np.digitize(y_reg, np.quantile(y_reg, [0.33, 0.66]))
    return X, y_reg, y_clf


def _outputs(source: Any, model: Any, kind: str, X: np.ndarray) -> Tuple[Callable[[], Any], Callable[[], Any], float]:
    """Timed callables for both engines and the largest difference of their answers."""
    if kind == "anomaly":
        ours, theirs = model.score_samples, source.score_samples
    elif kind == "classification":
        ours, theirs = model.predict_proba, source.predict_proba
    else:
        ours, theirs = model.predict, source.predict
    expected, got = theirs(X), ours(X)
    if not np.array_equal(model.predict(X), source.predict(X)):
        raise AssertionError("sapwood's predict differs from the source's")
    difference = float(np.max(np.abs(np.asarray(got) - np.asarray(expected))))
    return (lambda: theirs(X)), (lambda: ours(X)), difference


def run_demo(rows: int = 20000, repeats: int = 5, quick: bool = False) -> int:
    try:
        import sklearn
    except ImportError:
        print("sapwood demo needs scikit-learn: pip install 'sapwood[demo]'")
        return 1
    import sapwood

    if quick:
        rows = min(rows, 4000)
    X_train, y_reg, y_clf = _data(3000 if not quick else 1000, seed=0)
    X, _, _ = _data(rows, seed=1)
    threads = os.cpu_count() or 1
    print(f"sapwood {sapwood.__version__} demo: scikit-learn {sklearn.__version__}, {rows:,} rows x 20 features "
          f"(2% NaN where the model accepts it), median of {repeats} runs, {threads} cores\n")
    header = f"{'model':<32}{'answers':<20}{'source rows/s':>15}{'sapwood rows/s':>16}{'speed-up':>10}"
    print(header)
    print("-" * len(header))
    failures = 0
    for name, estimator, kind in _cases(quick):
        finite = name in ("LogisticRegression", "GradientBoostingRegressor")
        X_fit = np.nan_to_num(X_train) if finite else X_train
        X_run = np.nan_to_num(X) if finite else X
        if kind == "anomaly":
            estimator.fit(X_fit)
        else:
            estimator.fit(X_fit, y_clf if kind == "classification" else y_reg)
        model = sapwood.load(estimator)
        try:
            source_fn, sapwood_fn, difference = _outputs(estimator, model, kind, X_run)
        except AssertionError as error:
            print(f"{name:<32}MISMATCH: {error}")
            failures += 1
            continue
        answers = "identical" if difference == 0.0 else f"max diff {difference:.1e}"
        source_s = _median_seconds(source_fn, repeats)
        # OpenBLAS's idle threads (scikit-learn's linear models call BLAS) spin for ~0.1 s
        # after a call before they sleep; timed at once, sapwood's threads would share the
        # cores with them (LogisticRegression measured 0.5x here instead of ~4x).
        time.sleep(0.3)
        sapwood_s = _median_seconds(sapwood_fn, repeats)
        print(f"{name:<32}{answers:<20}{rows / source_s:>15,.0f}{rows / sapwood_s:>16,.0f}{source_s / sapwood_s:>9.1f}x")
    print("\n'identical': bit for bit; 'max diff': a link function (exp, softmax) rounded differently.")
    print("Both engines use their defaults: scikit-learn's own threading, sapwood on all cores.")
    return 1 if failures else 0
