"""sapwood.causal.ate: the average treatment effect of a binary treatment, by AIPW, IPW or
regression (g-computation), with cross-fitted nuisance models evaluated on sapwood's engine.

Scores per row i (e: propensity clipped to [min_propensity, 1 - min_propensity]; mu_t:
outcome model at treatment t; all nuisances predicted by models fitted on the other folds):

* aipw:        mu_1 - mu_0 + T (Y - mu_1) / e - (1 - T) (Y - mu_0) / (1 - e)
  (Robins, Rotnitzky & Zhao 1994; cross-fitted as in Chernozhukov et al. 2018, "Double/debiased
  machine learning", Econometrics Journal 21(1)). Standard error: sd(scores) / sqrt(n), the
  influence function of the estimator.
* ipw:         T Y / e - (1 - T) Y / (1 - e) (Horvitz-Thompson). The same standard error is
  conservative when e is estimated (Hirano, Imbens & Ridder 2003).
* regression:  mu_1 - mu_0. A plug-in of flexible learners has no influence-function standard
  error (its error is driven by the outcome model's bias, not by a sqrt(n) average), so
  stderr and the interval are NaN: use aipw for inference.

The outcome model is one regressor on [X, T] (as EconML's DRLearner); mu_1 and mu_0 are read
from that same matrix with the treatment column supplied by ``set_features``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Optional, Set, Tuple

import numpy as np

from ._common import (Arms, as_features, as_vector, fit, folds, mean_and_stderr, outcome_vector, take,
                      weights_vector, z_value)
from ._native import Compiled

__all__ = ["AteResult", "ate", "DEFAULT_ATE_MIN_PROPENSITY"]

#: Clipping for ate(): estimates of e near 0 or 1 make 1/e scores explode; 0.01 (DoubleML's
#: default trimming threshold) bounds the weights at 100.
DEFAULT_ATE_MIN_PROPENSITY = 0.01

_METHODS = ("aipw", "ipw", "regression")


class AteResult(NamedTuple):
    """An average treatment effect with its standard error and confidence interval."""

    estimate: float
    stderr: float
    ci_lower: float
    ci_upper: float
    alpha: float
    method: str
    n: int

    @property
    def ci(self) -> Tuple[float, float]:
        """(lower, upper) of the 1 - alpha confidence interval."""
        return self.ci_lower, self.ci_upper

    def __str__(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        return (f"ATE ({self.method}, n={self.n}): {self.estimate:.4g} ± {self.stderr:.2g} "
                f"(s.e.), {level} CI [{self.ci_lower:.4g}, {self.ci_upper:.4g}]")


def ate(Y: Any, T: Any, X: Any, *, outcome_model: Any = None, propensity_model: Any = None,
        method: str = "aipw", cv: Any = 2, min_propensity: float = DEFAULT_ATE_MIN_PROPENSITY, alpha: float = 0.05,
        sample_weight: Any = None, random_state: Any = None, n_threads: Optional[int] = None) -> AteResult:
    """Average treatment effect of a binary treatment T on Y, adjusting for X.

    Parameters
    ----------
    Y, T, X
        Outcomes (n,), treatments (n,) with two values (the larger is "treated"), covariates (n, d).
    outcome_model
        Regressor of Y on [X, T] (needed by ``aipw`` and ``regression``).
    propensity_model
        Classifier of T on X (needed by ``aipw`` and ``ipw``).
    method
        ``"aipw"`` (doubly robust, default), ``"ipw"`` or ``"regression"``.
    cv
        Cross-fitting folds (int: StratifiedKFold over T, shuffled by ``random_state``; or a
        splitter; or (train, test) index pairs).
    min_propensity
        Clip propensities to [min_propensity, 1 - min_propensity]; default 0.01.
    alpha
        The interval is 1 - alpha (default 95%).
    sample_weight
        Row weights for the nuisance fits and the average.
    n_threads
        Threads for the native predictions.

    Returns
    -------
    AteResult
        ``estimate``, ``stderr``, ``ci_lower``, ``ci_upper`` (also ``.ci``), ``alpha``,
        ``method``, ``n``.

    Example
    -------
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sapwood.causal import ate, datasets
    >>> data = datasets.setup_c(n=2000, seed=0)
    >>> result = ate(data.Y, data.T, data.X, outcome_model=HistGradientBoostingRegressor(max_iter=50),
    ...              propensity_model=LogisticRegression(), random_state=0)
    >>> bool(result.ci_lower < result.estimate < result.ci_upper)
    True
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    needs_outcome, needs_propensity = method != "ipw", method != "regression"
    if needs_outcome and outcome_model is None:
        raise ValueError(f"method={method!r} needs outcome_model (a regressor of Y on [X, T])")
    if needs_propensity and propensity_model is None:
        raise ValueError(f"method={method!r} needs propensity_model (a classifier of T on X)")
    if not 0 <= min_propensity < 0.5:
        raise ValueError(f"min_propensity must be in [0, 0.5), got {min_propensity}")
    X = as_features(X)
    n, d = X.shape
    y = outcome_vector(Y, n)
    T = as_vector(T, n, "T")
    w = weights_vector(sample_weight, n)
    arms = Arms(T)
    if arms.n_treatments != 1:
        raise ValueError(f"ate() takes a binary treatment; T has {arms.n_treatments + 1} values "
                         "(use DRLearner for several arms)")
    treated = (arms.codes(T) == 1).astype(np.float64)
    design = np.concatenate([X, treated[:, None]], axis=1) if needs_outcome else X

    from sklearn.base import clone

    warned: Set[str] = set()
    mu0, mu1, e = np.zeros(n), np.zeros(n), np.full(n, 0.5)
    for train, test in folds(cv, X, treated, random_state):
        if np.unique(treated[train]).size != 2:
            raise ValueError("a cross-fitting training fold lacks treated or control rows; use fewer folds")
        if needs_propensity:
            model = fit(clone(propensity_model, safe=False), X[train], treated[train], take(w, train))
            native = Compiled(model, "propensity_model", warned)
            e[test] = native.predict_proba(X[test], None, n_threads)[:, 1]
        if needs_outcome:
            model = fit(clone(outcome_model, safe=False), design[train], y[train], take(w, train))
            native = Compiled(model, "outcome_model", warned)
            rows = design[test]
            mu0[test] = native.predict(rows, {d: 0.0}, n_threads)
            mu1[test] = native.predict(rows, {d: 1.0}, n_threads)
    e = np.clip(e, min_propensity, 1.0 - min_propensity)

    if method == "aipw":
        scores = mu1 - mu0 + treated * (y - mu1) / e - (1.0 - treated) * (y - mu0) / (1.0 - e)
    elif method == "ipw":
        scores = treated * y / e - (1.0 - treated) * y / (1.0 - e)
    else:
        scores = mu1 - mu0
    estimate, stderr = mean_and_stderr(scores, w)
    if method == "regression":
        stderr = math.nan
    z = z_value(alpha)
    return AteResult(estimate, stderr, estimate - z * stderr, estimate + z * stderr, alpha, method, n)
