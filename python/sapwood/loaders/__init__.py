"""sapwood.load: pick the adapter for a source and build a Model from it.

Fitted Python objects are adapted in Python, one module per library, and handed to the
native builders as arrays. (Model files are parsed in C++; those loaders arrive with their
formats.)
"""

from __future__ import annotations

from typing import Any

from ..model import Model


def load(src: Any, **options: Any) -> Model:
    """Load a model into sapwood.

    Parameters
    ----------
    src
        A fitted scikit-learn estimator (trees, forests, gradient boosting,
        HistGradientBoosting, IsolationForest, linear models, OneVsRestClassifier over
        those).
    **options
        Reserved for loader options; unknown ones raise TypeError.

    Returns
    -------
    Model
        Predicts what ``src`` predicts.

    Example
    -------
    >>> from sklearn.linear_model import LinearRegression
    >>> import numpy as np, sapwood
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> model = sapwood.load(LinearRegression().fit(X, X @ [1.0, 2.0]))
    >>> model.predict(X[:2]).round(6).tolist()
    [2.0, 8.0]
    """
    if options:
        raise TypeError(f"load() got unexpected options: {', '.join(sorted(options))}")
    root = type(src).__module__.split(".", 1)[0]
    if root == "sklearn":
        from .sklearn import load_estimator

        return load_estimator(src)
    raise TypeError(
        f"sapwood cannot load {type(src).__module__}.{type(src).__name__}: expected a fitted "
        "scikit-learn estimator"
    )
