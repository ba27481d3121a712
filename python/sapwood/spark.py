"""Scoring Spark DataFrames: ``sapwood.spark.predict(df, model, features=[...])``.

The model is broadcast once (``SparkContext.broadcast``): every executor fetches it once and
each Python worker unpickles it once, as Spark caches broadcast values per worker process.
Rows travel as Arrow record batches through ``DataFrame.mapInArrow`` and sapwood reads their
float columns as they are (docs/input.md), so no row goes through pandas or Python objects.
The result is the input DataFrame with one more column, computed lazily like any Spark
transformation.

pyspark and pyarrow are imported here; ``import sapwood`` imports neither.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sequence

import numpy as np

from .batch._outputs import check_kind, predict as _predict

__all__ = ["predict"]


def predict(
    df: Any,
    model: Any,
    features: Optional[Sequence[str]] = None,
    output_col: str = "prediction",
    *,
    output: str = "predict",
    n_threads: Optional[int] = 1,
) -> Any:
    """``df`` with a column ``output_col`` holding the model's prediction of each row.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
    model : sapwood.Model
    features : the columns that hold the model's features, in the model's order (default: the
        model's feature names)
    output_col : name of the new column; it must not exist yet
    output : "predict" (labels or values), "proba", "raw" or "leaf"; an output of several columns
        (class probabilities, multiclass margins) becomes an array<double> column
    n_threads : threads per Arrow batch. Default 1: Spark already runs one task per core.

    Example
    -------
    >>> import sapwood, sapwood.spark                                       # doctest: +SKIP
    >>> events = spark.read.parquet("s3://bucket/events/")                  # doctest: +SKIP
    >>> scored = sapwood.spark.predict(events, sapwood.load("model.json"),
    ...                                output_col="score")                  # doctest: +SKIP
    >>> scored.select("user_id", "score").write.parquet("s3://bucket/scores/")  # doctest: +SKIP
    """
    from pyspark.sql import types as T

    check_kind(output)
    features = _features(df, model, features)
    if output_col in df.columns:
        raise ValueError(f"df already has a column {output_col!r}; choose another output_col")
    names = model.feature_names
    rename = names if names is not None and features != names else None
    template = _score(model, np.zeros((0, model.n_features)), output, n_threads)
    field = T.StructField(output_col, _spark_type(template), nullable=True)
    schema = T.StructType(df.schema.fields + [field])
    shipped = df.sparkSession.sparkContext.broadcast(model)

    def score(batches: Iterator[Any]) -> Iterator[Any]:
        return _score_batches(batches, shipped.value, features, rename, output, n_threads, output_col)

    return df.mapInArrow(score, schema)


def _features(df: Any, model: Any, features: Optional[Sequence[str]]) -> List[str]:
    if features is None:
        if model.feature_names is None:
            raise ValueError("the model has no feature names: pass features=[...] (the columns, in the model's order)")
        features = model.feature_names
    features = list(features)
    if len(features) != model.n_features:
        raise ValueError(f"features names {len(features)} columns; the model expects {model.n_features}")
    missing = [name for name in features if name not in df.columns]
    if missing:
        raise ValueError(f"df is missing feature columns: {', '.join(repr(m) for m in missing[:5])}")
    return features


def _score(model: Any, X: Any, output: str, n_threads: Optional[int]) -> np.ndarray:
    values = _predict(model, X, output, n_threads)
    return np.hstack(values) if isinstance(values, list) else values


def _score_batches(batches: Iterator[Any], model: Any, features: List[str], rename: Optional[List[str]],
                   output: str, n_threads: Optional[int], output_col: str) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        X = batch.select(features)
        if rename is not None:
            X = X.rename_columns(rename)
        column = _arrow_column(_score(model, X, output, n_threads))
        yield pa.RecordBatch.from_arrays(batch.columns + [column], names=batch.schema.names + [output_col])


def _arrow_column(values: np.ndarray) -> Any:
    import pyarrow as pa

    if values.ndim == 2:
        offsets = np.arange(0, values.size + 1, values.shape[1], dtype=np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets), _arrow_column(np.ascontiguousarray(values).ravel()))
    kind = values.dtype.kind
    if kind in "iu":
        return pa.array(values.astype(np.int64))
    if kind in "UO":
        return pa.array(values.astype(str))
    return pa.array(values)


def _spark_type(template: np.ndarray) -> Any:
    from pyspark.sql import types as T

    if template.ndim == 2:
        return T.ArrayType(_spark_type(template[:, 0]), containsNull=False)
    kind = template.dtype.kind
    if kind in "iu":
        return T.LongType()
    if kind == "b":
        return T.BooleanType()
    if kind in "UO":
        return T.StringType()
    return T.DoubleType()
