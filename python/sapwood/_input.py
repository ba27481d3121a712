"""Turn what users pass as X into a 2-D float32/float64 array that native code reads in place.

Rules (documented in docs/input.md):

* float32 and float64 arrays in any layout (C, Fortran, strided views, negative strides) are
  passed through without a copy.
* bool and integer arrays are converted to float64 (one deliberate copy); object, string,
  complex and other dtypes raise TypeError.
* pandas DataFrames: when the model knows its feature names, columns are selected by name
  (any order; a missing column raises); a frame of one float dtype is read without a copy
  where pandas allows it. Category columns are encoded with the model's category tables.
* NaN means missing; infinities are ordinary values.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _is_dataframe(X: Any) -> bool:
    module = type(X).__module__
    return module.startswith("pandas") and hasattr(X, "columns") and hasattr(X, "dtypes")


def _aligned_view(X: np.ndarray) -> np.ndarray:
    """X itself when native code can read it in place, else the one copy that it can."""
    itemsize = X.dtype.itemsize
    strides_ok = all(s % itemsize == 0 for s in X.strides)
    address_ok = X.__array_interface__["data"][0] % itemsize == 0
    if strides_ok and address_ok:
        return X
    return np.array(X, order="C", copy=True)  # a fresh allocation is always aligned


def _numeric_array(X: Any) -> np.ndarray:
    array = X if isinstance(X, np.ndarray) else np.asarray(X)
    if array.dtype in _FLOAT_DTYPES:
        return array
    kind = array.dtype.kind
    if kind in "biu":
        return array.astype(np.float64)
    if kind == "f":  # float16, longdouble
        return array.astype(np.float64)
    raise TypeError(
        f"X must be numeric (float32, float64, int or bool), got dtype {array.dtype}"
    )


def _select_columns(frame: Any, feature_names: Optional[Sequence[str]]) -> Any:
    if feature_names is None:
        return frame
    columns = list(frame.columns)
    if columns == list(feature_names):
        return frame
    missing = [name for name in feature_names if name not in set(columns)]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ValueError(f"X is missing feature columns the model needs: {shown}{more}")
    return frame[list(feature_names)]


def _frame_to_array(frame: Any, encoders: Optional[dict]) -> np.ndarray:
    encoders = encoders or {}
    if not encoders:
        dtypes = set(frame.dtypes)
        if len(dtypes) == 1 and np.dtype(next(iter(dtypes))) in _FLOAT_DTYPES:
            return frame.to_numpy()
    columns = []
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if position in encoders:
            columns.append(encoders[position].encode(column))
            continue
        if str(column.dtype) == "category":
            raise TypeError(
                f"column {name!r} is categorical but the model has no categories for it"
            )
        values = column.to_numpy()
        if values.dtype.kind not in "biuf":
            raise TypeError(
                f"column {name!r} must be numeric, got dtype {column.dtype}"
            )
        columns.append(values.astype(np.float64, copy=False))
    if not columns:
        return np.empty((len(frame), 0), dtype=np.float64)
    return np.column_stack(columns).astype(np.float64, copy=False)


def as_matrix(
    X: Any,
    n_features: int,
    *,
    feature_names: Optional[Sequence[str]] = None,
    encoders: Optional[dict] = None,
) -> np.ndarray:
    """Return X as a 2-D float32/float64 array with n_features columns, copying only when needed.

    ``encoders`` maps a column position to an object whose ``encode(values)`` returns float64
    category codes (NaN for missing or unknown); those columns are always re-coded.
    """
    if _is_dataframe(X):
        names = feature_names if _has_string_columns(X) else None
        array = _frame_to_array(_select_columns(X, names), encoders)
    else:
        array = _numeric_array(X)
        if encoders:
            array = _encode_array_columns(array, encoders)
    if array.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features), got an array with {array.ndim} dimension"
            + ("s" if array.ndim != 1 else "")
            + (f"; reshape with X.reshape(1, -1) for one sample" if array.ndim == 1 else "")
        )
    if array.shape[1] != n_features:
        raise ValueError(f"model expects {n_features} features, X has {array.shape[1]}")
    return _aligned_view(array)


def _has_string_columns(frame: Any) -> bool:
    return all(isinstance(c, str) for c in frame.columns)


def _encode_array_columns(array: np.ndarray, encoders: dict) -> np.ndarray:
    if array.ndim != 2:
        return array
    encoded = np.array(array, dtype=np.float64, order="C")
    for position, encoder in encoders.items():
        if position < encoded.shape[1]:
            encoded[:, position] = encoder.encode(array[:, position])
    return encoded
