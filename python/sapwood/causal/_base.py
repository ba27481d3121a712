"""The surface shared by sapwood.causal's CATE estimators: effect, const_marginal_effect,
ate, marginal/ate helpers and the n_threads plumbing. Each estimator supplies
``_theta(X)``, the (m, k) effects of arms 1..k over the baseline, computed natively."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ._common import Arms, as_features


class CateEstimator:
    """Base of SLearner, TLearner, XLearner and DRLearner (not public)."""

    _arms: Optional[Arms] = None
    n_threads: Optional[int] = None

    def _theta(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _require_fitted(self) -> Arms:
        if self._arms is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit(Y, T, X=X) first")
        return self._arms

    def _check_X(self, X: Any) -> np.ndarray:
        features = as_features(X)
        expected = getattr(self, "_n_features", None)
        if expected is not None and features.shape[1] != expected:
            raise ValueError(f"{type(self).__name__} was fitted on X with {expected} features, "
                             f"X has {features.shape[1]}")
        return features

    def const_marginal_effect(self, X: Any) -> np.ndarray:
        """Effects of each non-baseline arm over the baseline, shape (m, n_arms - 1) (EconML's
        shape for a single outcome)."""
        self._require_fitted()
        return self._theta(self._check_X(X))

    def effect(self, X: Any, *, T0: Any = 0, T1: Any = 1) -> np.ndarray:
        """CATE of moving from treatment ``T0`` to ``T1`` (labels; scalars or one per row),
        one value per row of X, computed on sapwood's engine.

        Example
        -------
        >>> est.effect(X_test)            # doctest: +SKIP
        """
        arms = self._require_fitted()
        return arms.pick(self._theta(self._check_X(X)), T0, T1)

    def ate(self, X: Any, *, T0: Any = 0, T1: Any = 1) -> float:
        """Average of :meth:`effect` over the rows of X."""
        return float(np.mean(self.effect(X, T0=T0, T1=T1)))

    def marginal_ate(self, T: Any, X: Any) -> float:
        """Average effect of moving each row from the baseline to its own treatment ``T``."""
        arms = self._require_fitted()
        return float(np.mean(self.effect(X, T0=arms.labels[0], T1=T)))

    @property
    def categories_(self) -> list:
        """Treatment labels, baseline first."""
        return self._require_fitted().labels.tolist()


def check_inference(inference: Any, name: str) -> None:
    if inference not in (None, "auto"):
        raise NotImplementedError(
            f"{name}.fit(inference={inference!r}) is not supported; intervals come from "
            "DRLearner.ate_interval / effect_interval or sapwood.causal.ate"
        )
