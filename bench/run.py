"""sapwood against each model's source library and peer engines, measured side by side in one run.

Each case trains a model on seeded synthetic data, checks that sapwood's answers match the
source's (the run stops if not), then times every engine on the same float32 input: median of
--repeats runs after one warm-up, at 1 and 2 threads, plus the median latency of one-row calls
from Python. Engines: "source" (the library's own predict), sapwood under each kernel level
("scalar" is the reference walk, "portable", "avx2", "avx512" the compiled layouts; "sapwood"
is whatever level sapwood picks by default), and the peers of bench/peers.py: "onnxruntime"
(models converted by skl2onnx / onnxmltools), "treelite" (compiled to a shared library by tl2cgen
with gcc), "lleaves" (LightGBM only) and "daal4py" (daal4py.mb's models). Peers are not exact:
their max abs diff is reported, never checked, and a peer that can't take a model (or isn't
installed) is skipped for it, with a note under the table. ns/node is a 1-thread row's time
divided by the internal nodes it visits, summed over all trees (counted by walking sapwood's IR
on a sample of rows). Prints a Markdown table.

    python bench/run.py                                   # everything
    python bench/run.py --quick                           # a smoke run: smaller models and inputs
    python bench/run.py --models xgb,lgb --engines source,scalar,avx512,treelite

The peers install with the "bench" extra (pyproject.toml). There, lleaves 1.3 (the latest) needs
llvmlite < 0.45, which holds numba (econml's) at 0.61 and numpy below 2.3. To time the peers with
the numpy and sapwood already installed, give them a virtual environment of their own:

    python -m venv --system-site-packages benchvenv
    benchvenv/bin/pip install onnxruntime skl2onnx onnxmltools treelite tl2cgen scikit-learn-intelex
    benchvenv/bin/pip install lleaves==1.3.0 llvmlite==0.44.0
    benchvenv/bin/python bench/run.py --quick

(numba, if installed outside it, no longer imports inside it; bench/run.py doesn't use it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import time
from typing import Any, Callable, Dict, List, Optional

import numpy as np

import peers
import sapwood
from sapwood import _core


def median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def latency_seconds(fn: Callable[[np.ndarray], Any], X: np.ndarray, calls: int = 200) -> float:
    rows = [X[i:i + 1] for i in range(min(calls, len(X)))]
    fn(rows[0])
    times = []
    for row in rows:
        start = time.perf_counter()
        fn(row)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def data(n_rows: int, n_features: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    signal = X[:, 0] + np.sin(X[:, 1]) + 0.5 * X[:, 2] ** 2 + 0.2 * X[:, 3:10].sum(axis=1)
    y = signal + 0.3 * rng.normal(size=n_rows)
    return X, y


def quantile_labels(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.digitize(y, np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1]))


# ------------------------------------------------------------------ the zoo
#
# A case: name, n_features, and build(X, y, quick) -> Source. A Source holds the fitted object,
# a predict(X, threads) that returns what sapwood's `method` must match, and the tolerance.


class Source:
    """predict(X, threads) must not change thread settings itself: set_threads(n), when
    given, does that before the timed calls, so that only the predict call is timed."""

    def __init__(self, obj: Any, predict: Callable[[np.ndarray, int], np.ndarray], method: str, exact: bool,
                 set_threads: Optional[Callable[[int], None]] = None):
        self.obj, self.predict, self.method, self.exact = obj, predict, method, exact
        self.set_threads = set_threads


class _ThreadLimit:
    """BLAS and OpenMP thread limits (threadpoolctl) that stay in force until the next set."""

    def __init__(self) -> None:
        self._limits: Any = None

    def __call__(self, n: int) -> None:
        from threadpoolctl import threadpool_limits

        if self._limits is not None:
            self._limits.restore_original_limits()
        self._limits = threadpool_limits(n)


def _sklearn(make: Callable[[int], Any], kind: str):
    def build(X, y, quick):
        estimator = make(5 if quick else 1)
        if kind == "anomaly":
            estimator.fit(X)
        else:
            estimator.fit(X, {"reg": y, "clf": quantile_labels(y, 3), "clf10": quantile_labels(y, 10),
                              "bin": (y > np.median(y)).astype(int)}[kind])
        method = {"reg": "predict", "anomaly": "score_samples"}.get(kind, "predict_proba")

        limit = _ThreadLimit()

        def set_threads(threads):
            if "n_jobs" in estimator.get_params():
                estimator.set_params(n_jobs=threads)
            limit(threads)

        def predict(X, threads):
            return getattr(estimator, method)(X)

        return Source(estimator, predict, method, exact=kind != "linear", set_threads=set_threads)
    return build


def _xgboost(n_trees: int, n_classes: int):
    def build(X, y, quick):
        import xgboost as xgb

        rounds = max(1, n_trees // (5 if quick else 1))
        if n_classes == 2:
            params, label = {"objective": "binary:logistic"}, (y > np.median(y)).astype(int)
        else:
            params, label = {"objective": "multi:softprob", "num_class": n_classes}, quantile_labels(y, n_classes)
        booster = xgb.train({**params, "max_depth": 6, "tree_method": "hist", "seed": 0, "nthread": 2},
                            xgb.DMatrix(X, label), num_boost_round=rounds)

        def predict(X, threads):
            return booster.inplace_predict(X, predict_type="margin")

        return Source(booster, predict, "predict_raw", exact=True,
                      set_threads=lambda threads: booster.set_param({"nthread": threads}))
    return build


def _lightgbm(n_trees: int, n_leaves: int, objective: str):
    def build(X, y, quick):
        import lightgbm as lgb

        rounds = max(1, n_trees // (5 if quick else 1))
        label = (y > np.median(y)).astype(int) if objective == "binary" else y
        booster = lgb.train({"objective": objective, "num_leaves": n_leaves, "min_data_in_leaf": 5, "verbose": -1,
                             "seed": 0, "num_threads": 2}, lgb.Dataset(X, label), num_boost_round=rounds)

        def predict(X, threads):
            return booster.predict(X, raw_score=True, num_threads=threads)

        return Source(booster, predict, "predict_raw", exact=True)
    return build


def zoo() -> List[tuple]:
    from sklearn import ensemble, linear_model

    return [
        ("xgb-binary", "XGBoost binary, 500 trees depth 6", 100, _xgboost(500, 2)),
        ("xgb-multiclass", "XGBoost 10-class, 100 rounds depth 6", 100, _xgboost(100, 10)),
        ("lgb-binary", "LightGBM binary, 500 trees, 63 leaves", 100, _lightgbm(500, 63, "binary")),
        ("rf-reg", "RandomForestRegressor 100x depth 12", 100,
         _sklearn(lambda k: ensemble.RandomForestRegressor(100 // k, max_depth=12, random_state=0), "reg")),
        ("rf-clf", "RandomForestClassifier 100 trees, 3 classes", 100,
         _sklearn(lambda k: ensemble.RandomForestClassifier(100 // k, max_depth=12, random_state=0), "clf")),
        ("et-reg", "ExtraTreesRegressor 100x depth 12", 100,
         _sklearn(lambda k: ensemble.ExtraTreesRegressor(100 // k, max_depth=12, random_state=0), "reg")),
        ("gb-reg", "GradientBoostingRegressor 300x depth 5", 100,
         _sklearn(lambda k: ensemble.GradientBoostingRegressor(n_estimators=300 // k, max_depth=5, random_state=0), "reg")),
        ("gb-clf", "GradientBoostingClassifier 100 rounds, 3 classes", 100,
         _sklearn(lambda k: ensemble.GradientBoostingClassifier(n_estimators=100 // k, random_state=0), "clf")),
        ("hgb-bin", "HistGradientBoostingClassifier 200 iterations", 100,
         _sklearn(lambda k: ensemble.HistGradientBoostingClassifier(max_iter=200 // k, early_stopping=False,
                                                                    random_state=0), "bin")),
        ("iforest", "IsolationForest 200 trees", 100,
         _sklearn(lambda k: ensemble.IsolationForest(n_estimators=200 // k, random_state=0), "anomaly")),
        ("logreg", "LogisticRegression 200 features, 3 classes", 200,
         _sklearn(lambda k: linear_model.LogisticRegression(max_iter=300), "clf")),
        ("logreg10", "LogisticRegression 200 features, 10 classes", 200,
         _sklearn(lambda k: linear_model.LogisticRegression(max_iter=300), "clf10")),
        ("ridge", "Ridge 200 features", 200, _sklearn(lambda k: linear_model.Ridge(), "reg")),
    ]


# ------------------------------------------------------------------ measuring


def nodes_visited_per_row(model: sapwood.Model, X: np.ndarray) -> Optional[float]:
    """Internal nodes a row visits, summed over trees, averaged over X (numeric splits only)."""
    a = model._core.arrays()
    if a["kind"] != "forest":
        return None
    offsets, left, right = a["tree_offsets"], a["left_child"], a["right_child"]
    feature, threshold, flags = a["feature"], a["threshold"], a["split_flags"]
    x = X.astype(np.float64)
    rows = np.arange(len(x))
    total = 0
    for t in range(len(offsets) - 1):
        base = offsets[t]
        node = np.full(len(x), base)
        active = left[node] != -1
        while active.any():
            total += int(active.sum())
            n = node[active]
            value = x[rows[active], feature[n]]
            less_equal = (flags[n] & 4) != 0
            go_left = np.where(less_equal, value <= threshold[n], value < threshold[n])
            go_left |= np.isnan(value) & ((flags[n] & 2) != 0)
            node[active] = base + np.where(go_left, left[n], right[n])
            active = left[node] != -1
    return total / len(x)


def engines_for(requested: List[str]) -> List[str]:
    supported = sapwood.runtime_info()["isa_supported"]
    out = []
    for engine in requested:
        if engine in ("source", "sapwood") or engine in supported or engine in peers.ADAPTERS:
            out.append(engine)
        else:
            print(f"(engine {engine!r} is not available on this machine; skipped)")
    return out


def run_engine(engine: str, model: sapwood.Model, source: Source) -> Callable[[np.ndarray, int], np.ndarray]:
    if engine == "source":
        return source.predict

    def predict(X, threads):
        return np.asarray(getattr(model, source.method)(X, n_threads=threads))
    return predict


@contextlib.contextmanager
def isa(engine: str):
    if engine not in ("source", "sapwood"):
        _core._set_isa(engine)
    try:
        yield
    finally:
        _core._set_isa("")


def max_abs_diff(got: np.ndarray, expected: np.ndarray) -> float:
    got = np.asarray(got, dtype=np.float64).reshape(expected.shape)
    return float(np.max(np.abs(got - expected))) if got.size else 0.0


def timings(predict: Callable[[np.ndarray, int], np.ndarray], X: np.ndarray, repeats: int,
            set_threads: Optional[Callable[[int], None]] = None) -> tuple:
    """Seconds for all of X at 1 and at 2 threads, and for one row at 1 thread; set_threads
    (the source's thread settings) runs before each timed series, outside it."""
    set_threads = set_threads or (lambda threads: None)
    set_threads(2)
    two = median_seconds(lambda: predict(X, 2), repeats)
    set_threads(1)
    one = median_seconds(lambda: predict(X, 1), repeats)
    return one, two, latency_seconds(lambda row: predict(row, 1), X)


def measure_sapwood(engine: str, key: str, name: str, model: sapwood.Model, source: Source, X: np.ndarray,
                    expected: np.ndarray, repeats: int) -> tuple:
    """Timings and max abs diff of the source or a sapwood engine; stops the run if sapwood is not exact."""
    with isa(engine):
        predict = run_engine(engine, model, source)
        diff = max_abs_diff(predict(X, 1), expected)
        scale = float(np.max(np.abs(expected))) or 1.0
        if diff > (0.0 if source.exact and key[:3] in ("xgb", "lgb") else 1e-5 * scale):
            raise SystemExit(f"{name}: {engine} differs from the source by {diff:g}")
        return (*timings(predict, X, repeats, source.set_threads if engine == "source" else None), diff)


def why(error: BaseException) -> str:
    """One line: the error, and the one it was raised while handling, which converters wrap
    in messages that dump the whole model."""
    causes = [error]
    while causes[-1].__cause__ or causes[-1].__context__:
        causes.append(causes[-1].__cause__ or causes[-1].__context__)
    lines = [f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[0][:100]}" for e in (error, causes[-1])]
    return lines[0] if causes[-1] is error else " <- ".join(lines)


def measure_peer(engine: str, key: str, source: Source, X: np.ndarray, expected: np.ndarray, repeats: int,
                 notes: List[str]) -> Optional[tuple]:
    """Timings and max abs diff of a peer, or None (and a note) when it can't take this model."""
    try:
        peer = peers.ADAPTERS[engine](source.obj, source.method)
        diff = max_abs_diff(peer.predict(X, 1), peer.reference(expected))
        measured = (*timings(peer.predict, X, repeats), diff)
    except Exception as error:  # converters and compilers fail in many ways: any of them skips the peer
        notes.append(f"{engine} skipped for {key}: {why(error)}")
        return None
    if peer.note:
        notes.append(f"{engine} on {key}: {peer.note}")
    return measured


def write_chart(path: str, speeds: Dict[str, Dict[str, float]]) -> None:
    """A PNG of each engine's 1-thread rows/s as a multiple of the source library's, per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = [m for m in speeds if "source" in speeds[m]]
    engines = sorted({e for m in models for e in speeds[m] if e != "source"})
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(models) * max(1, len(engines)) / 2 + 1.5))
    height = 0.8 / max(1, len(engines))
    for j, engine in enumerate(engines):
        ratios = [speeds[m].get(engine, 0.0) / speeds[m]["source"] for m in models]
        positions = [i + j * height for i in range(len(models))]
        ax.barh(positions, ratios, height=height, label=engine)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(models))], models)
    ax.invert_yaxis()
    ax.set_xlabel("rows/s at 1 thread, as a multiple of the source library's (log scale)")
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--train-rows", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--models", default="", help="comma-separated model keys (default: all)")
    parser.add_argument("--engines", default="source,scalar,portable,avx512,onnxruntime,treelite,lleaves,daal4py",
                        help="comma-separated: source, sapwood (default level), a level name, or a peer: "
                             + ", ".join(peers.ADAPTERS))
    parser.add_argument("--quick", action="store_true", help="smaller models, 5,000 rows, 3 repeats")
    parser.add_argument("--chart", metavar="PNG", help="also draw each engine's speed-up over the source")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.train_rows, args.repeats = 5_000, 1_000, 3
    wanted = [m for m in args.models.split(",") if m]
    cases = [c for c in zoo() if not wanted or any(w == c[0] or w in c[0] for w in wanted)]
    engines = engines_for([e for e in args.engines.split(",") if e])

    info = sapwood.runtime_info()
    print(f"sapwood {sapwood.__version__} (levels supported: {', '.join(info['isa_supported'])}; default "
          f"{info['isa_active']}), numpy {np.__version__}; {platform.machine()}, {os.cpu_count()} cores; "
          f"{args.rows:,} float32 rows; median of {args.repeats}\n")
    print("| model | engine | rows/s 1 thread | rows/s 2 threads | ns/node 1 thread | 1-row latency µs "
          "| max abs diff vs source |")
    print("|---|---|---:|---:|---:|---:|---:|")
    notes: List[str] = []  # printed under the table, which a line between its rows would split
    speeds: Dict[str, Dict[str, float]] = {}  # model -> engine -> rows/s at 1 thread
    for key, name, n_features, build in cases:
        X_train, y = data(args.train_rows, n_features, 0)
        X, _ = data(args.rows, n_features, 1)
        source = build(X_train, y, args.quick)
        model = sapwood.load(source.obj)
        if source.set_threads:
            source.set_threads(2)
        expected = np.asarray(source.predict(X, 2), dtype=np.float64)
        visited = nodes_visited_per_row(model, X[:2000])
        for engine in engines:
            if engine in peers.ADAPTERS:
                measured = measure_peer(engine, key, source, X, expected, args.repeats, notes)
            else:
                measured = measure_sapwood(engine, key, name, model, source, X, expected, args.repeats)
            if measured is None:
                continue
            one, two, latency, diff = measured
            speeds.setdefault(name, {})[engine] = args.rows / one
            ns_node = f"{one / args.rows / visited * 1e9:.2f}" if visited else "–"
            print(f"| {name} | {engine} | {args.rows / one:,.0f} | {args.rows / two:,.0f} | {ns_node} "
                  f"| {latency * 1e6:.1f} | {diff:.3g} |", flush=True)
        if visited is None:  # a linear model: one pass over X is its memory bound
            bound = median_seconds(lambda: np.add.reduce(X, axis=None), args.repeats)
            print(f"| {name} | read X once (bound) | {args.rows / bound:,.0f} | – | – | – | – |", flush=True)
            notes.append(f"read X once for {key}: numpy's sum over X, 1 thread ({X.nbytes / bound / 1e9:.1f} GB/s), "
                         "the rate no engine that reads X once can beat")
    if notes:
        print("\n" + "\n".join(f"- {note}" for note in notes))
    if args.chart:
        write_chart(args.chart, speeds)


if __name__ == "__main__":
    main()
