"""sapwood.load: pick the adapter for a source and build a Model from it.

Model files (and their bytes) are parsed in C++ (cpp/src/formats), so loading a file needs
neither xgboost nor lightgbm. Fitted Python objects are adapted in Python, one module per
library; XGBoost and LightGBM objects are asked for their own saved bytes, which go through
the same C++ readers as files.
"""

from __future__ import annotations

import os
from typing import Any

from ..model import Model


def load(src: Any, **options: Any) -> Model:
    """Load a model into sapwood.

    Parameters
    ----------
    src
        One of:

        * a path (``str`` or ``os.PathLike``) to a model file: XGBoost JSON or UBJSON,
          LightGBM text. The format is detected from the content, not the name;
        * the bytes of such a file;
        * a fitted scikit-learn estimator (trees, forests, gradient boosting,
          HistGradientBoosting, IsolationForest, linear models, OneVsRestClassifier over
          those);
        * an ``xgboost.Booster`` or an xgboost scikit-learn wrapper (XGBRegressor,
          XGBClassifier, XGBRanker, XGBRFRegressor, XGBRFClassifier);
        * a ``lightgbm.Booster`` or a lightgbm scikit-learn wrapper (LGBMRegressor,
          LGBMClassifier, LGBMRanker).
    **options
        Loader options. XGBoost: ``iteration_range=(begin, end)``. LightGBM:
        ``start_iteration``, ``num_iteration``. Unknown ones raise TypeError.

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
    if isinstance(src, (str, os.PathLike)):
        from .files import load_file

        return load_file(src, **options)
    if isinstance(src, (bytes, bytearray, memoryview)):
        from .files import load_bytes

        return load_bytes(bytes(src), **options)
    root = type(src).__module__.split(".", 1)[0]
    if root == "sklearn":
        if options:
            raise TypeError(f"load() got unexpected options: {', '.join(sorted(options))}")
        from .sklearn import load_estimator

        return load_estimator(src)
    if root == "xgboost":
        from .xgboost import load_xgboost_object

        return load_xgboost_object(src, **options)
    if root == "lightgbm":
        from .lightgbm import load_lightgbm_object

        return load_lightgbm_object(src, **options)
    raise TypeError(
        f"sapwood cannot load {type(src).__module__}.{type(src).__name__}: expected a model file "
        "path or its bytes, or a fitted scikit-learn, xgboost or lightgbm model"
    )
