"""sapwood.causal against EconML, side by side: the same designs, learners, folds and seeds.

For each design of sapwood.causal.datasets (Nie & Wager setups A-D, poor overlap) and each
replication, both libraries fit the T-, S-, X- and DR-learner with the same LightGBM learners
(and, for the X-learner and the DR propensity, the same classifier), and are scored on a
held-out sample from the design:

* CATE RMSE against the true tau(x), and the ratio sapwood / EconML (target <= 1.05);
* ATE bias: ate(X_test) minus the design's population ATE, averaged over replications;
* ATE 95% interval coverage and mean width: sapwood's DRLearner.ate_interval() (AIPW
  influence function) against EconML's DRLearner with its default linear final model
  (StatsModelsLinearRegression, the EconML estimator whose ate_interval exists without
  bootstrap);
* fit time, and effect() time per million rows with the fitted learners (1 thread each:
  LightGBM n_jobs=1, sapwood n_threads=1). EconML's effect() is timed on --econml-rows rows and
  scaled to a million.

    python bench/causal.py               # the table for bench/RESULTS.md
    python bench/causal.py --designs overlap --propensity logistic --min-propensity 0.01 --no-timing
    python bench/causal.py --propensity select --no-timing   # propensity chosen by CV log-loss
    python bench/causal.py --quick       # a smoke run
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
import warnings
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

import sapwood
from sapwood.causal import DRLearner, SLearner, TLearner, XLearner, datasets

LEARNERS = ("T", "S", "X", "DR")


def lgbm(trees: int, leaves: int, min_child: int = 20) -> Any:
    import lightgbm

    return lightgbm.LGBMRegressor(n_estimators=trees, num_leaves=leaves, min_child_samples=min_child,
                                  learning_rate=0.05, n_jobs=1, verbose=-1, random_state=0)


#: Propensity classifier (X-learner, DR): "lgbm" (default), "logistic", or "select": the one of
#: the two with the better 3-fold cross-validated log-loss on the data it is fitted on (a
#: GridSearchCV over the pair, the kind of choice EconML's own 'auto' propensity makes).
PROPENSITY = "lgbm"
#: DRLearner's min_propensity for both libraries (--min-propensity; default EconML's 1e-6).
MIN_PROPENSITY = 1e-6


def classifier() -> Any:
    import lightgbm
    from sklearn.linear_model import LogisticRegression

    boosted = lightgbm.LGBMClassifier(n_estimators=100, num_leaves=7, min_child_samples=50, learning_rate=0.05,
                                      n_jobs=1, verbose=-1, random_state=0)
    if PROPENSITY == "logistic":
        return LogisticRegression()
    if PROPENSITY == "select":
        from sklearn.model_selection import GridSearchCV
        from sklearn.pipeline import Pipeline

        return GridSearchCV(Pipeline([("classifier", LogisticRegression())]),
                            {"classifier": [LogisticRegression(), boosted]}, scoring="neg_log_loss", cv=3)
    return boosted


def pair(learner: str, trees: int, seed: int) -> Tuple[Any, Any]:
    """(sapwood estimator, EconML estimator), configured identically."""
    from econml.dr import DRLearner as EconDR
    from econml.metalearners import SLearner as EconS, TLearner as EconT, XLearner as EconX

    outcome = lgbm(trees, 15)
    if learner == "T":
        return TLearner(models=outcome, n_threads=1), EconT(models=outcome)
    if learner == "S":
        return SLearner(overall_model=outcome, n_threads=1), EconS(overall_model=outcome)
    if learner == "X":
        return (XLearner(models=outcome, propensity_model=classifier(), n_threads=1),
                EconX(models=outcome, propensity_model=classifier()))
    final = lgbm(max(trees // 2, 10), 7, min_child=50)
    common = dict(model_regression=outcome, model_propensity=classifier(), model_final=final, cv=2, random_state=seed,
                  min_propensity=MIN_PROPENSITY)
    return DRLearner(**common, n_threads=1), EconDR(**common)


def econml_linear_dr(trees: int, seed: int) -> Any:
    from econml.dr import DRLearner as EconDR

    return EconDR(model_regression=lgbm(trees, 15), model_propensity=classifier(), cv=2, random_state=seed,
                  min_propensity=MIN_PROPENSITY)


def timed(fn: Callable[[], Any]) -> Tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run_design(name: str, n: int, n_test: int, reps: int, trees: int) -> Dict[str, Dict[str, List[float]]]:
    make = datasets.DESIGNS[name]
    test = make(n=n_test, seed=10_000)
    stats: Dict[str, Dict[str, List[float]]] = {}
    for rep in range(reps):
        data = make(n=n, seed=rep)
        for learner in LEARNERS:
            ours, theirs = pair(learner, trees, rep)
            _, fit_ours = timed(lambda: ours.fit(data.Y, data.T, X=data.X))
            _, fit_theirs = timed(lambda: theirs.fit(data.Y, data.T, X=data.X))
            tau_ours, tau_theirs = ours.effect(test.X), theirs.effect(test.X)
            row = stats.setdefault(learner, {})
            row.setdefault("rmse_ours", []).append(math.sqrt(np.mean((tau_ours - test.tau) ** 2)))
            row.setdefault("rmse_theirs", []).append(math.sqrt(np.mean((tau_theirs - test.tau) ** 2)))
            row.setdefault("bias_ours", []).append(float(np.mean(tau_ours)) - test.ate)
            row.setdefault("bias_theirs", []).append(float(np.mean(tau_theirs)) - test.ate)
            row.setdefault("fit_ours", []).append(fit_ours)
            row.setdefault("fit_theirs", []).append(fit_theirs)
            if learner == "DR":
                low, high = ours.ate_interval()
                row.setdefault("cover_ours", []).append(float(low <= test.ate <= high))
                row.setdefault("width_ours", []).append(high - low)
                linear = econml_linear_dr(trees, rep).fit(data.Y, data.T, X=data.X)
                low, high = (float(v) for v in linear.ate_interval(data.X))
                row.setdefault("cover_theirs", []).append(float(low <= test.ate <= high))
                row.setdefault("width_theirs", []).append(high - low)
    return stats


def effect_timing(rows: int, econml_rows: int, trees: int) -> List[Tuple[str, float, float, float]]:
    """Seconds per million rows of effect() for each learner fitted on design A."""
    data = datasets.setup_a(n=4000, seed=0)
    big = np.random.default_rng(1).random((rows, data.X.shape[1]))
    out = []
    for learner in LEARNERS:
        ours, theirs = pair(learner, trees, 0)
        ours.fit(data.Y, data.T, X=data.X)
        theirs.fit(data.Y, data.T, X=data.X)
        # The two agree on these rows before either is timed.
        sample = big[:2000]
        diff = float(np.max(np.abs(ours.effect(sample) - theirs.effect(sample))))
        ours.effect(big[:1000])
        _, t_ours = timed(lambda: ours.effect(big))
        _, t_theirs = timed(lambda: theirs.effect(big[:econml_rows]))
        out.append((learner, t_ours * 1e6 / rows, t_theirs * 1e6 / econml_rows, diff))
    return out


def mean(values: List[float]) -> float:
    return float(np.mean(values)) if values else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="training rows per replication")
    parser.add_argument("--n-test", type=int, default=5000, help="held-out rows for CATE RMSE")
    parser.add_argument("--reps", type=int, default=20, help="replications per design")
    parser.add_argument("--trees", type=int, default=200, help="LightGBM trees of the outcome models")
    parser.add_argument("--effect-rows", type=int, default=1_000_000, help="rows for sapwood's effect() timing")
    parser.add_argument("--econml-rows", type=int, default=200_000, help="rows for EconML's effect() timing")
    parser.add_argument("--designs", default="A,B,C,D,overlap")
    parser.add_argument("--propensity", choices=("lgbm", "logistic", "select"), default="lgbm",
                        help="propensity classifier: LightGBM 100 trees x 7 leaves, LogisticRegression, or "
                             "the better of the two by cross-validated log-loss")
    parser.add_argument("--min-propensity", type=float, default=1e-6, help="DRLearner clipping, both libraries")
    parser.add_argument("--no-timing", action="store_true", help="skip the effect() timing")
    parser.add_argument("--quick", action="store_true", help="n=1000, 3 replications, 50 trees, 200k rows")
    args = parser.parse_args()
    global PROPENSITY, MIN_PROPENSITY
    PROPENSITY, MIN_PROPENSITY = args.propensity, args.min_propensity
    if args.quick:
        args.n, args.reps, args.trees, args.effect_rows, args.econml_rows = 1000, 3, 50, 200_000, 50_000
    warnings.simplefilter("ignore")  # EconML's deprecation and convergence chatter

    import econml
    import lightgbm

    print(f"sapwood {sapwood.__version__}, econml {econml.__version__}, lightgbm {lightgbm.__version__}, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs; n={args.n}, n_test={args.n_test}, "
          f"reps={args.reps}, LightGBM {args.trees} trees x 15 leaves (final: {max(args.trees // 2, 10)} x 7), "
          f"propensity {args.propensity}, min_propensity {args.min_propensity:g}\n")
    print("| design | learner | CATE RMSE sapwood | CATE RMSE EconML | ratio | ATE bias sapwood | ATE bias EconML "
          "| ATE 95% coverage sapwood / EconML | interval width sapwood / EconML | fit s sapwood | fit s EconML |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.designs.split(","):
        stats = run_design(name, args.n, args.n_test, args.reps, args.trees)
        for learner in LEARNERS:
            s = stats[learner]
            ratio = mean(s["rmse_ours"]) / mean(s["rmse_theirs"])
            cover = width = ""
            if learner == "DR":
                cover = f"{mean(s['cover_ours']):.2f} / {mean(s['cover_theirs']):.2f}"
                width = f"{mean(s['width_ours']):.3f} / {mean(s['width_theirs']):.3f}"
            print(f"| {name} | {learner} | {mean(s['rmse_ours']):.4f} | {mean(s['rmse_theirs']):.4f} | {ratio:.3f} "
                  f"| {mean(s['bias_ours']):+.4f} | {mean(s['bias_theirs']):+.4f} | {cover} | {width} "
                  f"| {mean(s['fit_ours']):.2f} | {mean(s['fit_theirs']):.2f} |", flush=True)

    if args.no_timing:
        return
    print(f"\neffect() per million rows, 1 thread (sapwood on {args.effect_rows:,} rows, EconML on {args.econml_rows:,}, scaled):\n")
    print("| learner | sapwood s / 1M rows | EconML s / 1M rows | speed-up | max abs difference |")
    print("|---|---:|---:|---:|---:|")
    for learner, ours, theirs, diff in effect_timing(args.effect_rows, args.econml_rows, args.trees):
        print(f"| {learner} | {ours:.3f} | {theirs:.3f} | {theirs / ours:.1f}x | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
