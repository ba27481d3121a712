"""DRLearner: doubly robust (AIPW) pseudo-outcomes from cross-fitted nuisances, regressed on X
by a final model. Drop-in for econml.dr.DRLearner, with the final models compiled by sapwood.

Method (Kennedy 2023, "Towards optimal doubly robust estimation of heterogeneous causal
effects", EJS 17(2); EconML's DRLearner). For each cross-fitting fold, fit on the other folds

* the propensity e_t(x, w) = P(T = t | x, w) (``model_propensity``, on [X, W]), clipped to
  [min_propensity, 1 - min_propensity];
* the outcome mu(x, w, t) (``model_regression``, one model on [X, W, one-hot arms 1..k]),

and score the fold's rows with the pseudo-outcome of every arm t (baseline 0 included)

    Y_t = mu(x, w, t) + 1{T = t} (Y - mu(x, w, t)) / e_t(x, w).

The final model of arm t regresses Y_t - Y_0 on X. The mean of Y_t - Y_0 is the AIPW estimate
of the average effect, and its sample standard deviation / sqrt(n) the influence-function
standard error (``ate_interval``). With a ``LinearRegression`` final model, ``effect_interval``
gives heteroskedasticity-robust (HC0, as EconML's StatsModelsLinearRegression) intervals for
the linear CATE.

Counterfactual outcomes mu(x, w, t) are predicted from the training matrix itself, with the
treatment columns supplied by ``set_features``; every fold model is evaluated natively when
sapwood can load it.
"""

from __future__ import annotations

import math
from typing import Any, List, Optional, Set, Tuple

import numpy as np

from ._base import CateEstimator, check_inference
from ._common import (Arms, as_features, as_vector, fit, folds, mean_and_stderr, outcome_vector, take,
                      weights_vector, z_value)
from ._native import Compiled

__all__ = ["DRLearner"]

#: EconML's default: clipping only guards against division by zero; raise it under poor overlap.
DEFAULT_MIN_PROPENSITY = 1e-6


class DRLearner(CateEstimator):
    """Doubly robust learner (AIPW pseudo-outcomes + a final regression on X).

    Parameters
    ----------
    model_propensity
        Classifier for P(T = t | X, W), fitted on [X, W]. ``'auto'``: ``LogisticRegression``
        (EconML's 'auto' selects between linear and forest models by cross-validation; this
        one does not select).
    model_regression
        Regressor for E[Y | X, W, T], fitted on [X, W, one-hot arms 1..k] (EconML's layout).
        A classifier when ``discrete_outcome`` (its probability of the positive class is used).
        ``'auto'``: ``HistGradientBoostingRegressor`` (classifier for discrete outcomes).
    model_final
        Regressor of the pseudo-effects on X (one clone per arm, or one multi-output model with
        ``multitask_model_final``). Default ``LinearRegression()``, which also enables
        ``effect_interval``.
    discrete_outcome
        Y is binary 0/1 and ``model_regression`` a classifier.
    multitask_model_final
        Fit one model on all arms' pseudo-effects at once.
    featurizer
        Transformer applied to X before the final model (fit_transform at fit, transform after).
    min_propensity
        Propensities are clipped to [min_propensity, 1 - min_propensity] before dividing.
        Default 1e-6, EconML's, so the same settings give the same estimates; under poor
        overlap a value such as 0.01 trades a little bias for much less variance.
    categories
        ``'auto'`` (sorted unique values of T; the first is the baseline) or the labels.
    cv
        Cross-fitting folds: an int (StratifiedKFold over T, shuffled with ``random_state``,
        EconML's rule), a splitter, or an iterable of (train, test) index arrays. Default 2.
    mc_iters, mc_agg
        Repeat cross-fitting ``mc_iters`` times on fresh splits and aggregate the nuisances by
        ``'mean'`` or ``'median'``.
    random_state
        Seed or RandomState for the fold shuffling.
    n_threads
        Threads for the native predictions (None: all cores).

    Example
    -------
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sapwood.causal import DRLearner, datasets
    >>> data = datasets.setup_c(n=2000, seed=1)
    >>> est = DRLearner(model_regression=HistGradientBoostingRegressor(max_iter=50, random_state=0),
    ...                 model_propensity=LogisticRegression(), cv=2, random_state=0)
    >>> lo, hi = est.fit(data.Y, data.T, X=data.X).ate_interval()
    >>> bool(lo < hi)
    True
    """

    def __init__(self, *, model_propensity: Any = "auto", model_regression: Any = "auto",
                 model_final: Any = "default", discrete_outcome: bool = False,
                 multitask_model_final: bool = False, featurizer: Any = None,
                 min_propensity: float = DEFAULT_MIN_PROPENSITY, trimming_threshold: Any = None,
                 categories: Any = "auto", cv: Any = 2, mc_iters: Optional[int] = None, mc_agg: str = "mean",
                 random_state: Any = None, n_threads: Optional[int] = None) -> None:
        self.model_propensity = model_propensity
        self.model_regression = model_regression
        self.model_final = model_final
        self.discrete_outcome = discrete_outcome
        self.multitask_model_final = multitask_model_final
        self.featurizer = featurizer
        self.min_propensity = min_propensity
        self.trimming_threshold = trimming_threshold
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.n_threads = n_threads

    # ---------------------------------------------------------------- fitting
    def _resolved_models(self) -> Tuple[Any, Any, Any]:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        from sklearn.linear_model import LinearRegression, LogisticRegression

        propensity = LogisticRegression() if _is_auto(self.model_propensity) else self.model_propensity
        if _is_auto(self.model_regression):
            discrete = self.discrete_outcome
            regression = HistGradientBoostingClassifier() if discrete else HistGradientBoostingRegressor()
        else:
            regression = self.model_regression
        final = LinearRegression() if _is_auto(self.model_final) else self.model_final
        return propensity, regression, final

    def fit(self, Y: Any, T: Any, *, X: Any, W: Any = None, sample_weight: Any = None,
            inference: Any = None) -> "DRLearner":
        """Cross-fit the nuisances, form the doubly robust pseudo-outcomes and fit the final
        model(s) on X; every model is compiled with ``sapwood.load``."""
        from sklearn.base import clone
        from sklearn.utils import check_random_state

        check_inference(inference, "DRLearner")
        if self.trimming_threshold is not None:
            raise NotImplementedError("trimming_threshold is not supported; "
                                      "use min_propensity to clip propensities")
        if self.mc_agg not in ("mean", "median"):
            raise ValueError(f"mc_agg must be 'mean' or 'median', got {self.mc_agg!r}")
        if not 0 <= self.min_propensity < 0.5:
            raise ValueError(f"min_propensity must be in [0, 0.5), got {self.min_propensity}")
        if X is None:
            raise ValueError("DRLearner needs X: the final model regresses effects on it")
        X = as_features(X)
        n = X.shape[0]
        y = outcome_vector(Y, n)
        T = as_vector(T, n, "T")
        w = weights_vector(sample_weight, n)
        features = X if W is None else np.concatenate([X, as_features(W, "W")], axis=1)
        if features.shape[0] != n:
            raise ValueError(f"W has {features.shape[0]} rows, X has {n}")
        arms = Arms(T, self.categories)
        codes = arms.codes(T)
        propensity_model, regression_model, final_model = self._resolved_models()
        if self.discrete_outcome and not set(np.unique(y).tolist()) <= {0.0, 1.0}:
            raise ValueError("discrete_outcome=True needs Y in {0, 1}")

        # The training matrix of the outcome model doubles as the input of its counterfactual
        # predictions: set_features swaps the treatment columns, so no per-arm copy is made.
        design = np.concatenate([features, arms.one_hot(codes)], axis=1)
        state = check_random_state(self.random_state)
        warned: Set[str] = set()
        runs: List[Tuple[np.ndarray, np.ndarray]] = []
        self.models_propensity, self.models_regression = [], []
        for _ in range(self.mc_iters or 1):
            splits = folds(self.cv, features, T, state)
            outcomes, propensities, fitted_p, fitted_r = self._crossfit(
                splits, features, design, y, codes, w, arms, propensity_model, regression_model, warned)
            runs.append((outcomes, propensities))
            self.models_propensity.append(fitted_p)
            self.models_regression.append(fitted_r)
        combine = np.mean if self.mc_agg == "mean" else np.median
        outcomes = combine(np.stack([r[0] for r in runs]), axis=0)
        propensities = combine(np.stack([r[1] for r in runs]), axis=0)

        self._fit_final(X, outcomes, w, final_model, arms, warned, clone)
        self._pseudo_outcomes, self._propensities, self._weights = outcomes, propensities, w
        self._arms, self._n_features = arms, X.shape[1]
        self._fit_theta = self._theta(X)
        residual = (outcomes[:, 1:] - outcomes[:, :1]) - self._fit_theta
        self.score_ = float(np.mean(np.average(residual ** 2, axis=0, weights=w)))
        return self

    def _crossfit(self, splits: List[Tuple[np.ndarray, np.ndarray]], features: np.ndarray, design: np.ndarray,
                  y: np.ndarray, codes: np.ndarray, w: Optional[np.ndarray], arms: Arms,
                  propensity_model: Any, regression_model: Any, warned: Set[str]) -> Tuple[Any, ...]:
        from sklearn.base import clone

        n, k = y.shape[0], arms.n_treatments
        d = features.shape[1]
        covered = np.zeros(n, dtype=bool)
        outcomes = np.full((n, k + 1), np.nan)
        propensities = np.full((n, k + 1), np.nan)
        fitted_p, fitted_r = [], []
        for train, test in splits:
            if np.unique(codes[train]).size != k + 1:
                raise ValueError("a cross-fitting training fold lacks a treatment arm; use fewer folds")
            p_model = fit(clone(propensity_model, safe=False), features[train], codes[train], take(w, train))
            r_model = fit(clone(regression_model, safe=False), design[train], y[train], take(w, train))
            fitted_p.append(p_model)
            fitted_r.append(r_model)
            p_native = Compiled(p_model, "model_propensity", warned)
            r_native = Compiled(r_model, "model_regression", warned)
            e = self._propensity(p_native, features[test], k)
            propensities[test] = np.clip(e, self.min_propensity, 1.0 - self.min_propensity)
            rows = design[test]
            for arm in range(k + 1):
                arm_columns = {d + j: float(arm == j + 1) for j in range(k)}
                if self.discrete_outcome:
                    mu = r_native.predict_proba(rows, arm_columns, self.n_threads)[:, 1]
                else:
                    mu = r_native.predict(rows, arm_columns, self.n_threads)
                observed = codes[test] == arm
                outcomes[test, arm] = mu + observed * (y[test] - mu) / propensities[test, arm]
            covered[test] = True
        if not covered.all():
            raise ValueError(f"the cross-fitting folds leave {int((~covered).sum())} rows "
                             "out of every test fold")
        return outcomes, propensities, fitted_p, fitted_r

    def _propensity(self, native: Compiled, rows: np.ndarray, k: int) -> np.ndarray:
        if native.has_proba():
            e = native.predict_proba(rows, None, self.n_threads)
            if e.shape[1] != k + 1:
                raise ValueError(f"model_propensity predicts {e.shape[1]} classes, the treatment has {k + 1}")
            return e
        import warnings

        # EconML's rule for a regressor: its prediction is P(T = 1), binary treatment only.
        warnings.warn("A regressor was passed to model_propensity; using a classifier is recommended",
                      UserWarning, stacklevel=4)
        if k != 1:
            raise ValueError("a regressor as model_propensity supports a binary treatment only")
        p = np.clip(native.predict(rows, None, self.n_threads), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def _fit_final(self, X, outcomes, w, final_model, arms, warned, clone) -> None:
        self.featurizer_ = None
        inputs = X
        if self.featurizer is not None:
            self.featurizer_ = clone(self.featurizer, safe=False)
            inputs = np.asarray(self.featurizer_.fit_transform(X), dtype=np.float64)
        effects = outcomes[:, 1:] - outcomes[:, :1]
        if self.multitask_model_final:
            target = effects[:, 0] if arms.n_treatments == 1 else effects
            model = fit(clone(final_model, safe=False), inputs, target, w)
            self.models_cate = [model]
            self._final = [Compiled(model, "model_final", warned)]
        else:
            self.models_cate = [fit(clone(final_model, safe=False), inputs, effects[:, t], w)
                                for t in range(arms.n_treatments)]
            self._final = [Compiled(m, "model_final", warned) for m in self.models_cate]
        self._final_inputs = inputs

    # ---------------------------------------------------------------- prediction
    def _final_features(self, X: np.ndarray) -> np.ndarray:
        if self.featurizer_ is None:
            return X
        return np.asarray(self.featurizer_.transform(X), dtype=np.float64)

    def _theta(self, X: np.ndarray) -> np.ndarray:
        inputs = self._final_features(X)
        if self.multitask_model_final:
            return self._final[0].predict(inputs, None, self.n_threads).reshape(X.shape[0], -1)
        return np.column_stack([f.predict(inputs, None, self.n_threads) for f in self._final])

    def model_cate(self, T: Any = 1) -> Any:
        """The fitted final model of treatment label ``T`` against the baseline."""
        arms = self._require_fitted()
        if self.multitask_model_final:
            raise AttributeError("with multitask_model_final the one final model is multitask_model_cate")
        code = int(arms.codes(np.asarray([T]))[0])
        if code == 0:
            raise ValueError(f"{T!r} is the baseline treatment; it has no final model")
        return self.models_cate[code - 1]

    @property
    def multitask_model_cate(self) -> Any:
        if not self.multitask_model_final:
            raise AttributeError("multitask_model_cate exists only with multitask_model_final=True")
        return self.models_cate[0]

    @property
    def pseudo_outcomes_(self) -> np.ndarray:
        """Cross-fitted doubly robust scores, one column per arm (baseline first)."""
        self._require_fitted()
        return self._pseudo_outcomes

    @property
    def propensities_(self) -> np.ndarray:
        """Cross-fitted, clipped propensities, one column per arm (baseline first)."""
        self._require_fitted()
        return self._propensities

    # ---------------------------------------------------------------- inference
    def _scores(self, T0: Any, T1: Any) -> np.ndarray:
        arms = self._require_fitted()
        c0, c1 = (int(arms.codes(np.asarray([t]))[0]) for t in (T0, T1))
        return self._pseudo_outcomes[:, c1] - self._pseudo_outcomes[:, c0]

    def ate_stderr(self, X: Any = None, *, T0: Any = 0, T1: Any = 1) -> float:
        """Standard error of :meth:`ate_interval`'s centre."""
        return self._ate_inference(X, T0, T1)[1]

    def ate_interval(self, X: Any = None, *, T0: Any = 0, T1: Any = 1,
                     alpha: float = 0.05) -> Tuple[float, float]:
        """Influence-function (AIPW) confidence interval for the average effect of T0 -> T1.

        With ``X=None`` (recommended) it is the interval for the average effect in the
        population the fitting sample was drawn from: the mean of the cross-fitted doubly
        robust scores ± z · sd / sqrt(n) (weighted when fit had sample weights).

        With X, the target is the average over the population X was drawn from, estimated by
        the mean of the final model over X plus the mean correction (score - final model)
        on the fitting sample; the two variances add (a prediction-powered estimate, Angelopoulos
        et al. 2023). For X = the training rows and a linear final model, the two agree.
        """
        estimate, stderr = self._ate_inference(X, T0, T1)
        z = z_value(alpha)
        return estimate - z * stderr, estimate + z * stderr

    def _ate_inference(self, X: Any, T0: Any, T1: Any) -> Tuple[float, float]:
        arms = self._require_fitted()
        scores = self._scores(T0, T1)
        if X is None:
            return mean_and_stderr(scores, self._weights)
        fit_effect = arms.pick(self._fit_theta, T0, T1)
        correction, correction_se = mean_and_stderr(scores - fit_effect, self._weights)
        plug_in = self.effect(X, T0=T0, T1=T1)
        m = plug_in.shape[0]
        plug_in_se = float(np.std(plug_in, ddof=1) / math.sqrt(m)) if m > 1 else 0.0
        return float(np.mean(plug_in)) + correction, math.hypot(plug_in_se, correction_se)

    def effect_interval(self, X: Any, *, T0: Any = 0, T1: Any = 1,
                        alpha: float = 0.05) -> Tuple[np.ndarray, np.ndarray]:
        """Pointwise confidence intervals for the CATE, available when ``model_final`` is a
        ``sklearn.linear_model.LinearRegression``: the final model is then OLS of the scores on
        [1, X] and its heteroskedasticity-robust (HC0) covariance gives the interval, as
        EconML's default final model (StatsModelsLinearRegression, cov_type='HC0') does."""
        from sklearn.linear_model import LinearRegression

        arms = self._require_fitted()
        if self.multitask_model_final or not all(type(m) is LinearRegression for m in self.models_cate):
            raise NotImplementedError(
                "effect_interval needs model_final=LinearRegression() (its intervals are OLS "
                f"sandwich intervals); this DRLearner's final model is {type(self.models_cate[0]).__name__}"
            )
        X = self._check_X(X)
        design = self._design(self._final_inputs)
        scores = self._scores(T0, T1)
        c0, c1 = (int(arms.codes(np.asarray([t]))[0]) for t in (T0, T1))
        beta = self._coefficients(c1) - self._coefficients(c0)
        covariance = _hc0(design, scores - design @ beta, self._weights)
        rows = self._design(self._final_features(X))
        centre = rows @ beta
        spread = z_value(alpha) * np.sqrt(np.einsum("ij,jk,ik->i", rows, covariance, rows))
        return centre - spread, centre + spread

    def _design(self, inputs: np.ndarray) -> np.ndarray:
        if self.models_cate[0].fit_intercept:
            return np.concatenate([np.ones((inputs.shape[0], 1)), inputs], axis=1)
        return inputs

    def _coefficients(self, code: int) -> np.ndarray:
        if code == 0:
            return np.zeros(self._design(self._final_inputs[:1]).shape[1])
        model = self.models_cate[code - 1]
        coef = np.ravel(model.coef_)
        return np.concatenate([[float(model.intercept_)], coef]) if model.fit_intercept else coef


def _hc0(design: np.ndarray, residual: np.ndarray, weights: Optional[np.ndarray]) -> np.ndarray:
    """HC0 (White) sandwich covariance of weighted least squares coefficients."""
    w = np.ones(design.shape[0]) if weights is None else weights
    bread = np.linalg.pinv(design.T @ (design * w[:, None]))
    scaled = design * (w * residual)[:, None]
    return bread @ (scaled.T @ scaled) @ bread


def _is_auto(model: Any) -> bool:
    return isinstance(model, str) and model in ("auto", "default")
