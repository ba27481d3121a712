"""Adapters for fitted scikit-learn estimators, chosen by exact class (no subclass guessing:
a subclass may predict differently)."""

from __future__ import annotations

from typing import Any, Callable, Dict

from ...model import Model
from . import hist_gradient_boosting, linear, multiclass, trees


def _adapters() -> Dict[str, Callable[[Any], Model]]:
    table: Dict[str, Callable[[Any], Model]] = {}
    for module in (trees, hist_gradient_boosting, linear, multiclass):
        table.update(module.ADAPTERS)
    return table


def load_estimator(estimator: Any) -> Model:
    name = type(estimator).__name__
    adapter = _adapters().get(name)
    if adapter is None or not type(estimator).__module__.startswith("sklearn."):
        raise TypeError(f"sapwood does not support scikit-learn's {name}")
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except Exception as error:  # NotFittedError; re-raised with the estimator named
        raise ValueError(f"{name} is not fitted; call fit() before sapwood.load()") from error
    return adapter(estimator)
