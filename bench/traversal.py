"""Walk against QuickScorer: the two forest traversals of the compiled engine, side by side.

For each zoo model of bench/run.py whose trees have at most 64 leaves (those that have the
QuickScorer form), and for the small LightGBM learners of sapwood.causal (200 trees x 15
leaves on design A's 6 features), one loaded model is predicted under each traversal in turn
(walk; quickscorer one row per pass, the portable level's; quickscorer in groups of rows, the
vector level's; and auto, the per-model choice), repeats interleaved so that the machine's
drift hits all alike: a batch (µs per row, 1 thread) and single rows (µs per call from
Python). Every configuration's output is checked to equal the walk's before timing.

    python bench/traversal.py                    # the table in bench/RESULTS.md
    python bench/traversal.py --models hgb-bin,causal-lgb15 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable, List, Tuple

import numpy as np

import run as zoo_bench
import sapwood
from sapwood import _core

SMALL_TREES = ("xgb-binary", "xgb-multiclass", "lgb-binary", "gb-reg", "gb-clf", "hgb-bin")


def causal_learner(rows: int) -> Tuple[str, str, Any, np.ndarray]:
    import lightgbm
    from sapwood.causal import datasets

    train = datasets.setup_a(n=2000, seed=0)
    model = lightgbm.LGBMRegressor(n_estimators=200, num_leaves=15, learning_rate=0.05, n_jobs=1, verbose=-1,
                                   random_state=0).fit(train.X, train.Y)
    return "causal-lgb15", "LightGBM 200 trees x 15 leaves, 6 features (sapwood.causal)", model, \
        datasets.setup_a(n=rows, seed=1).X


def seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(SMALL_TREES + ("causal-lgb15",)))
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--train-rows", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--single-calls", type=int, default=200)
    args = parser.parse_args()
    wanted = args.models.split(",")

    cases: List[Tuple[str, str, Any, np.ndarray]] = []
    for key, name, n_features, build in zoo_bench.zoo():
        if key in wanted:
            X_train, y = zoo_bench.data(args.train_rows, n_features, 0)
            cases.append((key, name, build(X_train, y, False).obj, zoo_bench.data(args.rows, n_features, 1)[0]))
    if "causal-lgb15" in wanted:
        cases.append(causal_learner(args.rows))

    level = sapwood.runtime_info()["isa_active"]
    # (column, kernel level, traversal): QuickScorer row by row is the portable level's; the
    # vector levels score groups of rows per pass.
    configs = [("walk", level, "walk"), ("quickscorer 1 row/pass", "portable", "quickscorer"),
               (f"quickscorer {level}", level, "quickscorer"), ("auto", level, "auto")]
    single_configs = [("walk", level, "walk"), ("quickscorer", level, "quickscorer"), ("auto", level, "auto")]
    print(f"sapwood {sapwood.__version__}, level {level}; {args.rows:,} rows, "
          f"1 thread, median of {args.repeats} interleaved repeats\n")
    print("| model | batch µs/row " + " | ".join(c[0] for c in configs) + " | single row µs "
          + " | ".join(c[0] for c in single_configs) + " |")
    print("|---|" + "---:|" * (len(configs) + len(single_configs)))

    def use(isa: str, traversal: str) -> None:
        _core._set_isa(isa)
        _core._set_traversal(traversal)

    for key, name, obj, X in cases:
        model = sapwood.load(obj)
        use(level, "walk")
        expected = model.predict_raw(X, n_threads=1)
        for label, isa, traversal in configs:
            use(isa, traversal)
            assert np.array_equal(model.predict_raw(X, n_threads=1), expected), (key, label)
        batch: dict = {c: [] for c in configs}
        single: dict = {c: [] for c in single_configs}
        one = X[:1]
        for _ in range(args.repeats):
            for config in configs:
                use(config[1], config[2])
                batch[config].append(seconds(lambda: model.predict_raw(X, n_threads=1)) / len(X) * 1e6)
            for config in single_configs:
                use(config[1], config[2])
                single[config].extend(seconds(lambda: model.predict_raw(one, n_threads=1)) * 1e6
                                      for _ in range(args.single_calls // args.repeats))
        use("", "")
        cells = [f"{statistics.median(batch[c]):.2f}" for c in configs]
        cells += [f"{statistics.median(single[c]):.2f}" for c in single_configs]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

if __name__ == "__main__":
    main()
