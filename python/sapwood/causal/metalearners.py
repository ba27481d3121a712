"""S-, T- and X-learners, drop-in for econml.metalearners, predicting on sapwood's engine.

Each fits the same models on the same rows as EconML's class of the same name (Künzel et al.
2019, "Metalearners for estimating heterogeneous treatment effects using machine learning",
PNAS 116(10)), so with deterministic learners the effects agree to rounding. After fit, every
model is compiled with ``sapwood.load``; ``effect`` and ``ate`` evaluate the compiled models.

* SLearner: one model of Y on [X, control indicator, one-hot arms] (EconML's column layout,
  control column included); the effect is m(x, arm) - m(x, control), both read from X with
  the treatment columns supplied by ``set_features`` (no counterfactual copy of X).
* TLearner: one model per arm on that arm's rows; effect = m_arm(x) - m_control(x).
* XLearner: per arm, imputed effects on each group fitted by cate_models, blended with the
  propensity e(x): tau(x) = e(x) tau_control(x) + (1 - e(x)) tau_treated(x).
"""

from __future__ import annotations

from typing import Any, List, Optional, Set, Tuple

import numpy as np

from ._base import CateEstimator, check_inference
from ._common import (Arms, as_features, as_vector, check_models, fit, outcome_vector, take, weights_vector,
                      widened)
from ._native import Compiled

__all__ = ["SLearner", "TLearner", "XLearner"]


def _no_controls(W: Any, name: str) -> None:
    if W is not None:
        raise ValueError(
            f"{name} models effects of X only and takes no W (as EconML's); put controls into X, "
            "or use DRLearner, which adjusts for W in its nuisance models"
        )


def _fit_inputs(estimator: Any, name: str, Y: Any, T: Any, X: Any, W: Any, sample_weight: Any,
                inference: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, "Arms", np.ndarray]:
    """The checked arrays a per-arm learner fits on: X, y, T, weights, arms and arm codes."""
    check_inference(inference, name)
    _no_controls(W, name)
    X = as_features(X)
    n = X.shape[0]
    y = outcome_vector(Y, n)
    T = as_vector(T, n, "T")
    w = weights_vector(sample_weight, n)
    arms = Arms(T, estimator.categories)
    return X, y, T, w, arms, arms.codes(T)


class TLearner(CateEstimator):
    """T-learner: a separate outcome model per treatment arm.

    Parameters
    ----------
    models
        A regressor (cloned for every arm) or a list with one regressor per arm, baseline first.
    categories
        ``'auto'`` (sorted unique values of T) or the treatment labels, baseline first.
    n_threads
        Threads for the native predictions (None: all cores).

    After fit, ``models`` holds the fitted regressors, one per arm, as in EconML.

    Example
    -------
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sapwood.causal import TLearner, datasets
    >>> data = datasets.setup_b(n=2000, seed=0)
    >>> est = TLearner(models=HistGradientBoostingRegressor(max_iter=50, random_state=0))
    >>> est = est.fit(data.Y, data.T, X=data.X)
    >>> est.effect(data.X[:3]).shape
    (3,)
    """

    def __init__(self, *, models: Any, categories: Any = "auto", n_threads: Optional[int] = None) -> None:
        self.models = models
        self._models_param = models
        self.categories = categories
        self.n_threads = n_threads

    def fit(self, Y: Any, T: Any, *, X: Any, W: Any = None, sample_weight: Any = None,
            inference: Any = None) -> "TLearner":
        """Fit one model per arm on that arm's rows of (X, Y)."""
        X, y, T, w, arms, codes = _fit_inputs(self, "TLearner", Y, T, X, W, sample_weight, inference)
        fitted = check_models(self._models_param, arms.n_treatments + 1, "models")
        for arm, model in enumerate(fitted):
            rows = np.flatnonzero(codes == arm)
            fit(model, X[rows], y[rows], take(w, rows))
        warned: Set[str] = set()
        self._compiled = [Compiled(m, f"models[{arm}]", warned) for arm, m in enumerate(fitted)]
        self.models = fitted
        self._arms, self._n_features = arms, X.shape[1]
        return self

    def _theta(self, X: np.ndarray) -> np.ndarray:
        control = self._compiled[0].predict(X, n_threads=self.n_threads)
        return np.column_stack([c.predict(X, n_threads=self.n_threads) - control for c in self._compiled[1:]])


class SLearner(CateEstimator):
    """S-learner: one outcome model with the treatment as features.

    Parameters
    ----------
    overall_model
        A regressor, fitted on [X, control indicator, one-hot of arms 1..k] (EconML's layout).
    categories
        ``'auto'`` (sorted unique values of T) or the treatment labels, baseline first.
    n_threads
        Threads for the native predictions (None: all cores).

    ``effect`` predicts every arm from X alone: the treatment columns are supplied by
    ``Model.predict(..., set_features=...)`` on a strided view of X, so X is not copied.

    Example
    -------
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sapwood.causal import SLearner, datasets
    >>> data = datasets.setup_c(n=2000, seed=0)
    >>> est = SLearner(overall_model=HistGradientBoostingRegressor(max_iter=50, random_state=0))
    >>> round(est.fit(data.Y, data.T, X=data.X).ate(data.X), 1)      # doctest: +SKIP
    1.0
    """

    def __init__(self, *, overall_model: Any, categories: Any = "auto",
                 n_threads: Optional[int] = None) -> None:
        self.overall_model = overall_model
        self._overall_param = overall_model
        self.categories = categories
        self.n_threads = n_threads

    def fit(self, Y: Any, T: Any, *, X: Any = None, W: Any = None, sample_weight: Any = None,
            inference: Any = None) -> "SLearner":
        """Fit the overall model on [X, control indicator, one-hot arms]."""
        from sklearn.base import clone

        check_inference(inference, "SLearner")
        _no_controls(W, "SLearner")
        y = outcome_vector(Y)
        n = y.shape[0]
        # EconML's SLearner stands a column of zeros in for a missing X.
        X = np.zeros((n, 1)) if X is None else as_features(X)
        if X.shape[0] != n:
            raise ValueError(f"Y has {n} rows, X has {X.shape[0]}")
        T = as_vector(T, n, "T")
        w = weights_vector(sample_weight, n)
        arms = Arms(T, self.categories)
        hot = arms.one_hot(arms.codes(T))
        design = np.concatenate([X, 1.0 - hot.sum(axis=1, keepdims=True), hot], axis=1)
        model = fit(clone(self._overall_param, safe=False), design, y, w)
        self._compiled = Compiled(model, "overall_model")
        self.overall_model = model
        self._arms, self._n_features = arms, X.shape[1]
        return self

    def _arm_columns(self, arm: int) -> dict:
        d, k = self._n_features, self._arms.n_treatments
        columns = {d: float(arm == 0)}
        columns.update({d + 1 + j: float(arm == j + 1) for j in range(k)})
        return columns

    def _theta(self, X: np.ndarray) -> np.ndarray:
        compiled, threads = self._compiled, self.n_threads
        k = self._arms.n_treatments
        theta = np.empty((X.shape[0], k))
        for rows, matrix in widened(X, k + 1):
            control = compiled.predict(matrix, self._arm_columns(0), threads)
            for arm in range(1, k + 1):
                theta[rows, arm - 1] = compiled.predict(matrix, self._arm_columns(arm), threads) - control
        return theta

    def const_marginal_effect(self, X: Any = None) -> np.ndarray:
        if X is None:
            X = np.zeros((1, 1))
        return super().const_marginal_effect(X)


class XLearner(CateEstimator):
    """X-learner: outcome models per arm, imputed effects modelled per group, blended by the
    propensity.

    Parameters
    ----------
    models
        Outcome regressor, or one per arm (baseline first).
    cate_models
        Regressor(s) for the imputed effects; None reuses ``models``.
    propensity_model
        Classifier for P(arm | x) between the baseline and each arm; defaults to
        ``LogisticRegression()`` as in EconML.
    categories
        ``'auto'`` or the treatment labels, baseline first.
    n_threads
        Threads for the native predictions (None: all cores).

    Example
    -------
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from sapwood.causal import XLearner, datasets
    >>> data = datasets.setup_a(n=1000, seed=0)
    >>> est = XLearner(models=RandomForestRegressor(n_estimators=20, random_state=0))
    >>> est.fit(data.Y, data.T, X=data.X).effect(data.X[:2]).shape
    (2,)
    """

    def __init__(self, *, models: Any, cate_models: Any = None, propensity_model: Any = "default",
                 categories: Any = "auto", n_threads: Optional[int] = None) -> None:
        self.models = models
        self._models_param = models
        self.cate_models = cate_models
        self._cate_param = cate_models
        self.propensity_model = propensity_model
        self.categories = categories
        self.n_threads = n_threads

    def fit(self, Y: Any, T: Any, *, X: Any, W: Any = None, sample_weight: Any = None,
            inference: Any = None) -> "XLearner":
        """Fit outcome models per arm, effect models on the imputed effects and the propensity
        models, on the same rows as EconML's XLearner."""
        from sklearn.base import clone
        from sklearn.linear_model import LogisticRegression

        X, y, T, w, arms, codes = _fit_inputs(self, "XLearner", Y, T, X, W, sample_weight, inference)
        k = arms.n_treatments
        propensity = LogisticRegression() if isinstance(self.propensity_model, str) else self.propensity_model
        models = check_models(self._models_param, k + 1, "models")
        cate_param = self._models_param if self._cate_param is None else self._cate_param
        cate = check_models(cate_param, k + 1, "cate_models")
        warned: Set[str] = set()
        rows = [np.flatnonzero(codes == arm) for arm in range(k + 1)]
        compiled_models = []
        for arm, model in enumerate(models):
            fit(model, X[rows[arm]], y[rows[arm]], take(w, rows[arm]))
            compiled_models.append(Compiled(model, f"models[{arm}]", warned))
        controls, treated, propensities = [], [], []
        for arm in range(1, k + 1):
            on_controls = compiled_models[arm].predict(X[rows[0]], n_threads=self.n_threads) - y[rows[0]]
            on_treated = y[rows[arm]] - compiled_models[0].predict(X[rows[arm]], n_threads=self.n_threads)
            controls.append(fit(clone(cate[0], safe=False), X[rows[0]], on_controls, take(w, rows[0])))
            treated.append(fit(clone(cate[arm], safe=False), X[rows[arm]], on_treated, take(w, rows[arm])))
            both = np.concatenate([rows[0], rows[arm]])
            propensities.append(fit(clone(propensity, safe=False), X[both], codes[both], take(w, both)))
        self.models, self.cate_models = models, cate
        self.cate_controls_models, self.cate_treated_models = controls, treated
        self.propensity_models = propensities
        self._compiled_models = compiled_models
        self._compiled = [
            (Compiled(c, "cate_controls_models", warned),
             Compiled(t, "cate_treated_models", warned),
             Compiled(p, "propensity_models", warned))
            for c, t, p in zip(controls, treated, propensities)
        ]
        self._arms, self._n_features = arms, X.shape[1]
        return self

    def _theta(self, X: np.ndarray) -> np.ndarray:
        columns: List[np.ndarray] = []
        for on_controls, on_treated, propensity in self._compiled:
            threads = self.n_threads
            e = propensity.predict_proba(X, n_threads=threads)[:, 1]
            tau_controls = on_controls.predict(X, n_threads=threads)
            columns.append(e * tau_controls + (1.0 - e) * on_treated.predict(X, n_threads=threads))
        return np.column_stack(columns)
