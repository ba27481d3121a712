"""Fitted nuisance and final models of the causal estimators, evaluated on sapwood's engine.

Owns: compiling a fitted estimator with ``sapwood.load`` right after it is fitted, predicting
through the compiled Model (with ``set_features`` for counterfactual treatment columns), and
the fallback to the estimator's own predict, announced once per role with a
:class:`NativeFallbackWarning` that names the model and the reason. The estimators
(metalearners.py, dr.py, _ate.py) decide which model plays which role.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, Optional, Set

import numpy as np

from ..loaders import load
from ..model import Model


class NativeFallbackWarning(UserWarning):
    """A fitted model could not be compiled by sapwood; it predicts through its own ``predict``."""


class Compiled:
    """A fitted estimator and, when sapwood can load it, the native Model that predicts for it.

    ``warned`` is shared by the models an estimator fits (one per fold or arm), so a learner
    sapwood cannot load is reported once per role, not once per fold or arm.
    """

    def __init__(self, estimator: Any, role: str, warned: Optional[Set[str]] = None) -> None:
        self.estimator = estimator
        self.model: Optional[Model]
        try:
            self.model = load(estimator)
        # Any failure to compile leaves a working estimator; the warning carries the reason.
        except Exception as error:  # noqa: BLE001
            self.model = None
            family = role.split("[", 1)[0]  # models[0], models[1]: one warning for the list
            if warned is None or family not in warned:
                name = f"{type(estimator).__module__}.{type(estimator).__qualname__}"
                warnings.warn(
                    f"sapwood.causal: {role} ({name}) is not compiled and predicts through its "
                    f"own predict, at the source library's speed: {error}",
                    NativeFallbackWarning,
                    stacklevel=4,
                )
                if warned is not None:
                    warned.add(family)

    @property
    def native(self) -> bool:
        return self.model is not None

    def predict(self, X: np.ndarray, set_features: Optional[Dict[int, float]] = None,
                n_threads: Optional[int] = None) -> np.ndarray:
        if self.model is not None:
            return np.asarray(self.model.predict(X, n_threads=n_threads, set_features=set_features))
        return np.asarray(self.estimator.predict(_overwritten(X, set_features)))

    def predict_proba(self, X: np.ndarray, set_features: Optional[Dict[int, float]] = None,
                      n_threads: Optional[int] = None) -> np.ndarray:
        if self.model is not None:
            return np.asarray(self.model.predict_proba(X, n_threads=n_threads, set_features=set_features))
        return np.asarray(self.estimator.predict_proba(_overwritten(X, set_features)))

    def has_proba(self) -> bool:
        return hasattr(self.estimator, "predict_proba")


def _overwritten(X: np.ndarray, set_features: Optional[Dict[int, float]]) -> np.ndarray:
    """What the native path reads without a copy, materialised for a model that needs real
    columns (the fallback path only)."""
    if not set_features:
        return X
    copy = np.array(X, dtype=np.float64, order="C")
    for column, value in set_features.items():
        copy[:, column] = value
    return copy
