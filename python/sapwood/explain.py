"""Partial dependence and ICE curves (Friedman 2001, "Greedy function approximation", Section
8.2; Goldstein et al. 2015, "Peeking inside the black box") on sapwood's engine.

Owns: ``partial_dependence``, which evaluates the model once per grid value with the feature
read as that value (``Model.predict(..., set_features=...)``), so X is never copied or
modified. It is sklearn.inspection.partial_dependence with method='brute', computed natively;
the per-row curves are the ICE curves and their mean is the partial dependence.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from .model import Model

__all__ = ["partial_dependence"]

_RESPONSES = ("auto", "predict", "predict_proba", "predict_raw")


def partial_dependence(model: Model, X: Any, feature: Union[int, str], grid: Any, *, kind: str = "average",
                       response_method: str = "auto", n_threads: Optional[int] = None) -> np.ndarray:
    """Partial dependence (``kind="average"``) or ICE curves (``kind="individual"``) of
    ``model`` on one feature.

    Parameters
    ----------
    model
        A :class:`sapwood.Model`.
    X
        The rows to average over (anything ``Model.predict`` accepts); read, never copied.
    feature
        Column position, or name when the model knows its feature names.
    grid
        The values to set the feature to (1-D), or an int: that many evenly spaced values
        between the 5th and 95th percentiles of the feature in X, or its unique values when
        there are fewer (scikit-learn's default grid).
    kind
        ``"average"``: the mean over rows, shape (len(grid),) or (len(grid), n_outputs);
        ``"individual"``: one curve per row, shape (n_rows, len(grid)) or
        (n_rows, len(grid), n_outputs).
    response_method
        ``"auto"`` (classifiers: ``predict_proba``, the positive class alone when binary, as
        scikit-learn does; other models: ``predict``), ``"predict"``, ``"predict_proba"`` or
        ``"predict_raw"``.
    n_threads
        Threads per native pass (None: all cores).

    Returns
    -------
    numpy.ndarray
        The curves; the grid values are the ``grid`` given (or computed).

    Example
    -------
    >>> import numpy as np, sapwood
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from sapwood.explain import partial_dependence
    >>> X = np.random.default_rng(0).normal(size=(300, 3))
    >>> model = sapwood.load(RandomForestRegressor(n_estimators=10, random_state=0).fit(X, X[:, 0] ** 2))
    >>> partial_dependence(model, X, 0, [-2.0, 0.0, 2.0]).shape
    (3,)
    """
    if kind not in ("average", "individual"):
        raise ValueError(f"kind must be 'average' or 'individual', got {kind!r}")
    if response_method not in _RESPONSES:
        raise ValueError(f"response_method must be one of {', '.join(_RESPONSES)}, got {response_method!r}")
    column = _column(model, feature)
    values = _grid(model, X, column, grid)
    predict = _response(model, response_method)
    curves = [np.asarray(predict(X, n_threads=n_threads, set_features={column: float(v)}), dtype=np.float64)
              for v in values]
    # (n_rows, n_grid) or (n_rows, n_grid, n_outputs): rows first, as ICE curves are plotted.
    stacked = np.stack(curves, axis=1)
    if kind == "individual":
        return stacked
    return stacked.mean(axis=0)


def _column(model: Model, feature: Union[int, str]) -> int:
    if isinstance(feature, str):
        names = model.feature_names
        if not names or feature not in names:
            raise KeyError(f"the model has no feature named {feature!r}")
        return names.index(feature)
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
        if not 0 <= int(feature) < model.n_features:
            raise IndexError(f"feature {feature} is out of range for {model.n_features} features")
        return int(feature)
    raise TypeError(f"feature must be a column position or name, got {feature!r}")


def _grid(model: Model, X: Any, column: int, grid: Any) -> np.ndarray:
    if isinstance(grid, (int, np.integer)) and not isinstance(grid, bool):
        if grid < 1:
            raise ValueError(f"an int grid is a number of points and must be positive, got {grid}")
        data = X.iloc[:, column] if hasattr(X, "iloc") else np.asarray(X)[:, column]
        values = np.asarray(data, dtype=np.float64)
        values = np.sort(values[~np.isnan(values)])
        if values.size == 0:
            raise ValueError("the feature has no non-missing values in X to build a grid from")
        # scikit-learn's rule: the unique values when there are fewer than the points asked.
        uniques = np.unique(values)
        if uniques.size < grid:
            return uniques
        return np.linspace(_mquantile(values, 0.05), _mquantile(values, 0.95), int(grid))
    values = np.asarray(grid, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"grid must be 1-D, got shape {values.shape}")
    return values


def _mquantile(ordered: np.ndarray, p: float, alphap: float = 0.4, betap: float = 0.4) -> float:
    """scipy.stats.mstats.mquantiles with its defaults (Cunnane's plotting positions), which
    scikit-learn uses for its grid ends; numpy.percentile has no such method."""
    n = ordered.size
    aleph = n * p + alphap + p * (1.0 - alphap - betap)
    k = int(np.floor(min(max(aleph, 1.0), n - 1.0)))
    gamma = min(max(aleph - k, 0.0), 1.0)
    if n == 1:
        return float(ordered[0])
    return float((1.0 - gamma) * ordered[k - 1] + gamma * ordered[k])


def _response(model: Model, response_method: str) -> Any:
    if response_method == "auto":
        if not model.is_classifier:
            return model.predict
        response_method = "predict_proba"
    if response_method == "predict_proba":
        if not model.is_classifier:
            raise AttributeError(f"{model.source or 'this model'} is not a classifier; "
                                 "use response_method='predict'")

        def proba(X: Any, **kwargs: Any) -> np.ndarray:
            p = model.predict_proba(X, **kwargs)
            if isinstance(p, list):
                raise ValueError("partial dependence of a multi-output classifier is not supported")
            # scikit-learn reports the positive class alone for a binary classifier.
            return p[:, 1] if p.shape[1] == 2 else p

        return proba
    if response_method == "predict_raw":
        return model.predict_raw
    return model.predict
