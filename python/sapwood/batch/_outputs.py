"""What a batch scorer writes for each ``output_kind``: which Model method runs and what the
output columns are called. The CLI, sapwood.dask and sapwood.spark share these names so that
the same model gives the same columns wherever it runs."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

OUTPUT_KINDS = ("predict", "proba", "raw", "leaf")
_BASE_NAMES = {"predict": "prediction", "proba": "proba", "raw": "raw", "leaf": "leaf"}


def check_kind(kind: str) -> str:
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"output kind must be one of {', '.join(OUTPUT_KINDS)}, got {kind!r}")
    return kind


def predict(model: Any, X: Any, kind: str, n_threads: Optional[int] = None) -> Any:
    """``model.predict``, ``predict_proba``, ``predict_raw`` or ``predict_leaf`` of X."""
    if kind == "predict":
        return model.predict(X, n_threads=n_threads)
    if kind == "proba":
        return model.predict_proba(X, n_threads=n_threads)
    if kind == "raw":
        return model.predict_raw(X, n_threads=n_threads)
    if kind == "leaf":
        return model.predict_leaf(X, n_threads=n_threads)
    raise ValueError(check_kind(kind))


def predict_columns(model: Any, X: Any, kind: str, n_threads: Optional[int] = None) -> List[Tuple[str, np.ndarray]]:
    """The prediction of X as named 1-D columns."""
    return named_columns(model, kind, predict(model, X, kind, n_threads))


def named_columns(model: Any, kind: str, values: Any) -> List[Tuple[str, np.ndarray]]:
    """``prediction`` / ``raw`` for one column; ``prediction_0``, ... for several (``leaf_<tree>``
    always, one per tree);
    ``proba_<class>`` per class (``proba_<output>_<class>`` for multi-output classifiers)."""
    base = _BASE_NAMES[kind]
    if isinstance(values, list):  # predict_proba of a multi-output classifier
        columns = []
        for k, part in enumerate(values):
            labels = _labels(model, part.shape[1], output=k)
            columns += [(f"{base}_{k}_{label}", part[:, j]) for j, label in enumerate(labels)]
        return columns
    if values.ndim == 1 and kind != "leaf":
        return [(base, values)]
    labels = _labels(model, values.shape[1]) if kind == "proba" else [str(j) for j in range(values.shape[1])]
    return [(f"{base}_{label}", values[:, j]) for j, label in enumerate(labels)]


def _labels(model: Any, n: int, output: Optional[int] = None) -> List[str]:
    try:
        classes = model.classes_ if output is None else model.classes_[output]
    except AttributeError:
        return [str(j) for j in range(n)]
    labels = [_label(c) for c in np.asarray(classes).tolist()]
    return labels if len(labels) == n else [str(j) for j in range(n)]


def _label(value: Any) -> str:
    # 1.0 -> "1": XGBoost Boosters report class indices as floats.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
