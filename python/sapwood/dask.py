"""Scoring dask DataFrames and arrays: ``sapwood.dask.predict(model, data)``.

Each partition (block) is scored by the partition's worker with ``Model.predict`` and friends.
The model enters the task graph once, as one ``dask.delayed`` value that every partition task
depends on: the distributed scheduler computes it on one worker and copies it to each other
worker the first time that worker needs it, so a model is shipped once per worker, not once per
task, and a worker process unpickles it once. Nothing is computed until the caller asks: the
result is a lazy dask collection whose meta is the output of the same function on an empty
input, so its dtypes are the ones the partitions will have.

dask is imported here, when this module is; ``import sapwood`` does not import it.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from .batch._outputs import check_kind, named_columns, predict as _predict

__all__ = ["predict"]


def predict(
    model: Any,
    data: Any,
    *,
    output: str = "predict",
    columns: Optional[Sequence[str]] = None,
    n_threads: Optional[int] = 1,
) -> Any:
    """Score a dask DataFrame or 2-D dask array, lazily.

    Parameters
    ----------
    model : sapwood.Model
    data : dask.dataframe.DataFrame (columns matched to the model's feature names, as for
        pandas) or dask.array.Array of shape (rows, features)
    output : "predict", "proba", "raw" or "leaf" (Model.predict, predict_proba, predict_raw,
        predict_leaf)
    columns : DataFrame columns that hold the features, in the model's order (default: the
        model's feature names, else every column)
    n_threads : threads per partition task. Default 1, because dask already runs one task per
        worker thread; None uses every core for each task.

    Returns
    -------
    For a DataFrame: a dask Series named ``prediction`` / ``raw`` for one output column, else a
    dask DataFrame with the columns ``sapwood predict`` writes (``proba_<class>``, ...), on the
    input's index. For an array: a dask array, 1-D or (rows, outputs), chunked by the input's
    rows.

    Example
    -------
    >>> import dask.dataframe as dd, sapwood, sapwood.dask            # doctest: +SKIP
    >>> frame = dd.read_parquet("s3://bucket/events/")                # doctest: +SKIP
    >>> scores = sapwood.dask.predict(sapwood.load("model.json"), frame, output="proba")  # doctest: +SKIP
    >>> scores.to_parquet("s3://bucket/scores/")                      # doctest: +SKIP
    """
    import dask

    check_kind(output)
    # One graph node holds the model; its key is fresh per call, so nothing hashes the model.
    shipped = dask.delayed(model, pure=False, traverse=False)
    if _is_dask_array(data):
        return _predict_array(model, shipped, data, output, n_threads)
    if not hasattr(data, "map_partitions"):
        raise TypeError(f"sapwood.dask.predict takes a dask DataFrame or array, got {type(data).__name__}")
    columns = list(columns) if columns is not None else None
    meta = _score_frame(data._meta, model, output, n_threads, columns)
    return data.map_partitions(_score_frame, shipped, output, n_threads, columns, meta=meta)


def _is_dask_array(data: Any) -> bool:
    return type(data).__module__.startswith("dask.array") and hasattr(data, "map_blocks")


def _score_frame(frame: Any, model: Any, output: str, n_threads: Optional[int], columns: Optional[List[str]]) -> Any:
    import pandas as pd

    X = frame
    if columns is not None:
        X = frame[columns]
        names = model.feature_names
        if names is not None and columns != names:
            X = X.set_axis(names, axis=1)
    named = named_columns(model, output, _predict(model, X, output, n_threads))
    if len(named) == 1:
        name, values = named[0]
        return pd.Series(values, index=frame.index, name=name)
    return pd.DataFrame({name: values for name, values in named}, index=frame.index)


def _score_block(block: np.ndarray, model: Any, output: str, n_threads: Optional[int]) -> np.ndarray:
    values = _predict(model, block, output, n_threads)
    return np.hstack(values) if isinstance(values, list) else values


def _predict_array(model: Any, shipped: Any, data: Any, output: str, n_threads: Optional[int]) -> Any:
    if data.ndim != 2:
        raise ValueError(f"data must be a 2-D dask array (rows, features), got {data.ndim} dimensions")
    if data.shape[1] != model.n_features:
        raise ValueError(f"model expects {model.n_features} features, data has {data.shape[1]}")
    if data.numblocks[1] != 1:
        data = data.rechunk({1: -1})  # a task must see whole rows
    template = _score_block(np.zeros((0, data.shape[1]), dtype=data.dtype), model, output, n_threads)
    if template.ndim == 1:
        return data.map_blocks(
            _score_block, shipped, output, n_threads, dtype=template.dtype, drop_axis=1, meta=template
        )
    return data.map_blocks(
        _score_block,
        shipped,
        output,
        n_threads,
        dtype=template.dtype,
        chunks=(data.chunks[0], (template.shape[1],)),
        meta=template,
    )
