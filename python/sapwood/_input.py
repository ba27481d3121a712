"""Turn what users pass as X into a 2-D float32/float64 array that native code reads in place.

Rules (documented in docs/input.md):

* float32 and float64 arrays in any layout (C, Fortran, strided views, negative strides) are
  passed through without a copy.
* bool and integer arrays are converted to float64 (one deliberate copy); object, string,
  complex and other dtypes raise TypeError.
* pandas DataFrames: when the model knows its feature names, columns are selected by name
  (any order; a missing column raises); a frame of one float dtype is read without a copy
  where pandas allows it. Category columns are encoded with the model's category tables.
* pyarrow Tables and RecordBatches, polars DataFrames: columns selected by name as for pandas;
  nulls are missing. Float columns of one dtype whose buffers lie at a constant distance from
  each other (a memory-mapped Arrow file, a table built from one 2-D array) are read in place
  through a strided view; anything else is gathered column by column into one Fortran-order
  array. polars frames go through ``to_arrow()``, which shares their buffers.
* scipy.sparse matrices and arrays: densified once; an absent entry means what the model's source
  library makes of it (missing for XGBoost, zero for scikit-learn and LightGBM).
* NaN means missing; infinities are ordinary values.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _is_dataframe(X: Any) -> bool:
    module = type(X).__module__
    return module.startswith("pandas") and hasattr(X, "columns") and hasattr(X, "dtypes")


# Checked by module name so that `import sapwood` never imports pyarrow, polars or scipy.
def _is_arrow_table(X: Any) -> bool:
    return type(X).__module__.startswith("pyarrow") and type(X).__name__ in ("Table", "RecordBatch")


def _is_polars_frame(X: Any) -> bool:
    return type(X).__module__.startswith("polars") and type(X).__name__ in ("DataFrame", "LazyFrame")


def _is_sparse(X: Any) -> bool:
    return type(X).__module__.startswith("scipy.sparse") and hasattr(X, "tocsr")


def _aligned_view(X: np.ndarray) -> np.ndarray:
    """X itself when native code can read it in place, else the one copy that it can."""
    # numpy's ALIGNED flag: the address and every stride are multiples of the item's alignment
    # (its size, for float32/float64), what the native reader requires.
    if X.flags.aligned:
        return X
    return np.array(X, order="C", copy=True)  # a fresh allocation is always aligned


def _numeric_array(X: Any) -> np.ndarray:
    if isinstance(X, np.ndarray):
        array = X
    else:
        array = np.asarray(X)
        _check_within_buffer(array)
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


def _check_within_buffer(array: np.ndarray) -> None:
    """numpy trusts an object's ``__array_interface__``: a shape or strides that reach past the
    buffer it names would make native code read memory it does not own. Where the buffer's
    owner is known (an ndarray or any buffer-protocol object), the array must lie inside it; a
    bare pointer cannot be checked by anyone and is taken on trust, as numpy takes it."""
    if array.size == 0:
        return
    owner: Any = array
    while isinstance(owner, np.ndarray) and owner.base is not None:
        owner = owner.base
    if owner is array:
        return
    try:
        bounds = memoryview(owner)
    except TypeError:
        return
    if bounds.nbytes == 0:
        first = last = 0
    else:
        first = np.frombuffer(bounds.cast("B"), dtype=np.uint8).ctypes.data
        last = first + bounds.nbytes
    start = array.ctypes.data
    low = start + sum(min(0, (n - 1) * s) for n, s in zip(array.shape, array.strides))
    high = start + sum(max(0, (n - 1) * s) for n, s in zip(array.shape, array.strides)) + array.itemsize
    if low < first or high > last:
        raise ValueError(
            f"X claims shape {array.shape} with strides {array.strides}, which reaches outside the "
            f"{bounds.nbytes}-byte buffer it points to (a broken __array_interface__?)"
        )


def _select_columns(frame: Any, feature_names: Optional[Sequence[str]]) -> Any:
    if feature_names is None:
        return frame
    columns = list(frame.columns)
    if columns == list(feature_names):
        return frame
    _check_present(columns, feature_names)
    return frame[list(feature_names)]


def _select_lightgbm_columns(frame: Any, feature_names: Sequence[str]) -> Any:
    """LightGBM's rules for a DataFrame: the model file holds each training column's name with
    spaces made underscores (Dataset::set_feature_names), and predict reads the columns by
    position (validate_features=False). So the frame's columns are matched by that name
    first, and a frame of exactly the model's column count that matches no other way is read
    by position, as LightGBM reads it."""
    columns = [str(c).replace(" ", "_") for c in frame.columns]
    if columns == list(feature_names):
        return frame
    if set(feature_names) <= set(columns) and len(set(columns)) == len(columns):
        return frame.iloc[:, [columns.index(name) for name in feature_names]]
    if len(columns) == len(feature_names):
        return frame
    _check_present(columns, feature_names)
    return frame  # not reached: _check_present raises


def _check_present(columns: Sequence[str], feature_names: Sequence[str]) -> None:
    present = set(columns)
    missing = [name for name in feature_names if name not in present]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ValueError(f"X is missing feature columns the model needs: {shown}{more}")


def _frame_to_array(frame: Any, encoders: Optional[dict]) -> np.ndarray:
    encoders = encoders or {}
    if hasattr(encoders, "for_frame"):  # encoders that pair with the frame's columns as a whole
        encoders = encoders.for_frame(frame)
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
    source: Optional[str] = None,
) -> np.ndarray:
    """Return X as a 2-D float32/float64 array with n_features columns, copying only when needed.

    ``encoders`` maps a column position to an object whose ``encode(values)`` returns float64
    category codes (NaN for missing or unknown); those columns are always re-coded.
    ``source`` is the model's ``Model.source`` ("xgboost.XGBClassifier", ...); only sparse X
    needs it, to decide what an absent entry means.
    """
    if type(X) is np.ndarray and not encoders and X.ndim == 2 and X.shape[1] == n_features and X.dtype in _FLOAT_DTYPES:
        return _aligned_view(X)  # the common case, first: single-row calls are microseconds
    if _is_dataframe(X):
        names = feature_names if _has_string_columns(X) else None
        if names is not None and source is not None and source.split(".", 1)[0] == "lightgbm":
            frame = _select_lightgbm_columns(X, names)
        else:
            frame = _select_columns(X, names)
        array = _frame_to_array(frame, encoders)
    elif _is_arrow_table(X):
        array = _arrow_to_array(X, n_features, feature_names, encoders)
    elif _is_polars_frame(X):
        array = _arrow_to_array(_polars_to_arrow(X, feature_names), n_features, feature_names, encoders)
    elif _is_sparse(X):
        array = _sparse_to_array(X, source)
        if encoders:
            array = _encode_array_columns(array, encoders)
    else:
        array = _numeric_array(X)
        if encoders:
            array = _encode_array_columns(array, encoders)
    if array.ndim == 1 and array.size == 0:
        raise ValueError(f"X is an empty 1-D array; for no rows give shape (0, {n_features})")
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


# ---------------------------------------------------------------- Arrow and polars


class _BufferView:
    """Exposes memory owned by Arrow as a numpy array; ``owner`` keeps that memory alive for
    as long as the array (whose base this object becomes) exists."""

    def __init__(self, address: int, shape: tuple, strides: tuple, dtype: np.dtype, owner: Any) -> None:
        self.__array_interface__ = {
            "version": 3,
            "data": (address, True),  # read-only: the buffer may be a memory-mapped file
            "shape": shape,
            "strides": strides,
            "typestr": dtype.str,
        }
        self.owner = owner


def _arrow_columns(table: Any, n_features: int, feature_names: Optional[Sequence[str]]) -> tuple:
    """The names of the model's columns in a Table or RecordBatch, and each column as a list of
    pyarrow Arrays (a RecordBatch column is one; a Table column one per chunk)."""
    names = list(table.column_names)
    if feature_names is not None and names != list(feature_names):
        _check_present(names, feature_names)
        names = list(feature_names)
        positions = [table.column_names.index(name) for name in names]
    else:
        if len(names) != n_features:
            raise ValueError(f"model expects {n_features} features, X has {len(names)}")
        positions = list(range(len(names)))
    columns = []
    for position in positions:
        column = table.column(position)
        columns.append(list(column.chunks) if hasattr(column, "chunks") else [column])
    return names, columns


def _arrow_to_array(
    table: Any, n_features: int, feature_names: Optional[Sequence[str]], encoders: Optional[dict]
) -> np.ndarray:
    import pyarrow as pa

    names, columns = _arrow_columns(table, n_features, feature_names)
    encoders = encoders or {}
    n_rows = table.num_rows
    if not encoders:
        view = _arrow_view(columns, n_rows, table)
        if view is not None:
            return view
    all_float32 = bool(columns) and all(pa.types.is_float32(c.type) for chunks in columns for c in chunks)
    dtype = np.float32 if all_float32 and not encoders else np.float64
    # Fortran order: each column is then one contiguous write.
    out = np.empty((n_rows, len(columns)), dtype=dtype, order="F")
    for j, chunks in enumerate(columns):
        if j in encoders:
            out[:, j] = _encode_arrow_column(encoders[j], chunks)
            continue
        start = 0
        for chunk in chunks:
            out[start : start + len(chunk), j] = _arrow_numeric(chunk, names[j])
            start += len(chunk)
    return out


def _arrow_view(columns: list, n_rows: int, owner: Any) -> Optional[np.ndarray]:
    """A strided numpy view of float columns when their buffers are evenly spaced, else None."""
    import pyarrow as pa

    if n_rows == 0 or not columns:
        return None
    first = columns[0][0].type
    if not (pa.types.is_float32(first) or pa.types.is_float64(first)):
        return None
    arrays = []
    for chunks in columns:
        if len(chunks) != 1 or chunks[0].type != first or chunks[0].null_count:
            return None
        arrays.append(chunks[0].to_numpy(zero_copy_only=True))
    itemsize = arrays[0].itemsize
    addresses = [a.__array_interface__["data"][0] for a in arrays]
    step = addresses[1] - addresses[0] if len(arrays) > 1 else n_rows * itemsize
    if step % itemsize or any(b - a != step for a, b in zip(addresses, addresses[1:])):
        return None
    holder = _BufferView(addresses[0], (n_rows, len(arrays)), (itemsize, step), arrays[0].dtype, (owner, arrays))
    return np.asarray(holder)


def _arrow_numeric(chunk: Any, name: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = chunk.type
    if (pa.types.is_float64(kind) or pa.types.is_float32(kind)) and not chunk.null_count:
        return chunk.to_numpy(zero_copy_only=True)
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_null(kind):
        # The cast keeps nulls as nulls; to_numpy then gives them as NaN (missing).
        return pc.cast(chunk, pa.float64()).to_numpy(zero_copy_only=False)
    if pa.types.is_dictionary(kind):
        raise TypeError(f"column {name!r} is categorical but the model has no categories for it")
    raise TypeError(f"column {name!r} must be numeric, got Arrow type {kind}")


def _encode_arrow_column(encoder: Any, chunks: list) -> np.ndarray:
    import pyarrow as pa

    column = pa.chunked_array(chunks) if chunks else pa.chunked_array([], pa.float64())
    kind = column.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        # As a numpy column, like the numpy path: encoders read those as codes or values.
        return encoder.encode(_arrow_numeric(column.combine_chunks(), ""))
    # Dictionary columns become pandas categories, strings object columns: what the pandas
    # path hands the same encoders.
    return encoder.encode(column.to_pandas())


def _polars_to_arrow(frame: Any, feature_names: Optional[Sequence[str]]) -> Any:
    if type(frame).__name__ == "LazyFrame":
        raise TypeError("X is a polars LazyFrame: collect() it first")
    if feature_names is not None and list(frame.columns) != list(feature_names):
        _check_present(list(frame.columns), feature_names)
        frame = frame.select(list(feature_names))
    return frame.to_arrow()


# ---------------------------------------------------------------- scipy.sparse


def absent_value(source: Optional[str]) -> float:
    """What an entry a sparse matrix does not store means to the model's source library.

    XGBoost builds its DMatrix from the stored entries only, so absent is missing (NaN) and a
    stored 0 is the value 0. LightGBM's CSR/CSC predictors start every row from 0.0 and set the
    stored entries, so absent is 0, as it is for scikit-learn (trees and linear models densify
    or multiply as scipy does). HistGradientBoosting itself refuses sparse X; sapwood reads it
    as zeros, as scipy means it.
    """
    if source is None:
        raise TypeError(
            "sparse X: what an absent entry means depends on the model's source library, which "
            "was not given (pass source= to as_matrix)"
        )
    return float("nan") if source.split(".", 1)[0] == "xgboost" else 0.0


def _sparse_to_array(X: Any, source: Optional[str]) -> np.ndarray:
    absent = absent_value(source)
    if len(X.shape) != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got a sparse array with {len(X.shape)} dimensions")
    dtype = X.dtype if X.dtype in _FLOAT_DTYPES else None
    if dtype is None:
        if X.dtype.kind not in "biuf":
            raise TypeError(f"X must be numeric (float32, float64, int or bool), got dtype {X.dtype}")
        dtype = np.dtype(np.float64)
    if absent == 0.0:
        return np.asarray(X.toarray(), dtype=dtype)
    # Duplicate entries are summed, as scipy's own toarray() does.
    coo = X.tocoo(copy=True)
    coo.sum_duplicates()
    out = np.full(X.shape, absent, dtype=dtype)
    out[coo.row, coo.col] = coo.data
    return out
