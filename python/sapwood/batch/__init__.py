"""Scoring files in bounded memory: the engine behind `sapwood predict`.

A reader hands out chunks of rows (only the columns the model reads, plus an id column), the
model predicts each chunk, and a writer appends the predictions to a temporary file that is
renamed onto the output only when every row was written, so that a failure never leaves a
partial output behind. The next chunk is read on a second thread while the current one is
scored (both pyarrow's readers and sapwood's predict release the GIL), so at most three
chunks are in memory at once.

Example
-------
>>> import sapwood, sapwood.batch
>>> model = sapwood.load("model.json")                                   # doctest: +SKIP
>>> sapwood.batch.predict_file(model, "big.parquet", "scores.parquet",
...                            id_column="user_id", output_kind="proba")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from typing import Any, Iterator, List, Optional, Sequence

from ._formats import FORMATS, format_of, open_reader, open_writer
from ._outputs import OUTPUT_KINDS, check_kind, predict_columns
from ._progress import Progress

__all__ = ["FORMATS", "OUTPUT_KINDS", "predict_file"]


def predict_file(
    model: Any,
    input: str,
    output: str,
    *,
    columns: Optional[Sequence[str]] = None,
    id_column: Optional[str] = None,
    output_kind: str = "predict",
    n_threads: Optional[int] = None,
    chunk_rows: int = 65536,
    progress: Optional[Progress] = None,
) -> int:
    """Score every row of the file ``input`` and write the predictions to ``output``.

    Parameters
    ----------
    model : sapwood.Model, or a path that ``sapwood.load`` reads
    input, output : paths; the format comes from the extension (.csv, .parquet, .arrow,
        .feather, .npy)
    columns : the input columns that hold the model's features, in the model's order (for .npy,
        column positions). Default: the model's feature names, else every column but the id.
    id_column : an input column copied to the output ahead of the predictions
    output_kind : "predict", "proba", "raw" or "leaf" (Model.predict, predict_proba, predict_raw,
        predict_leaf)
    n_threads : threads per chunk (None: all cores)
    chunk_rows : rows per chunk; memory grows with it

    Returns
    -------
    int
        The number of rows written.
    """
    check_kind(output_kind)
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    if not hasattr(model, "predict_raw"):
        from .. import load

        model = load(model)
    out_format = format_of(output)  # before any reading: a bad extension fails fast
    features, rename = _feature_columns(model, columns)
    if format_of(input) == "npy":
        features = columns  # positions, and only when asked: a .npy file has no names to match
    encoders = getattr(model, "_meta", {}).get("encoders") or {}
    reader = open_reader(
        input,
        features=features,
        rename=rename,
        id_column=id_column,
        chunk_rows=chunk_rows,
        categorical=sorted(encoders),
    )
    progress = progress if progress is not None else Progress(enabled=False)
    temporary = _temporary_name(output)
    writer = open_writer(temporary, out_format)
    rows = 0
    try:
        for chunk in _read_ahead(iter(reader)):
            writer.write(chunk.ids, id_column, predict_columns(model, chunk.features, output_kind, n_threads))
            rows += chunk.n_rows
            progress.update(chunk.n_rows, reader.total_rows)
        writer.close()
        os.replace(temporary, output)
    except BaseException:
        writer.abort()
        _remove(temporary)
        raise
    finally:
        progress.close()
    return rows


def _feature_columns(model: Any, columns: Optional[Sequence[str]]) -> tuple:
    """(input columns to read as features, names to give them for Model.predict)."""
    names = model.feature_names
    if columns is None:
        return names, None
    columns = list(columns)
    if len(columns) != model.n_features:
        raise ValueError(f"--columns names {len(columns)} columns; the model expects {model.n_features} features")
    rename = names if names is not None and columns != names else None
    return columns, rename


def _temporary_name(output: str) -> str:
    directory, name = os.path.split(os.path.abspath(output))
    return os.path.join(directory, f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


def _read_ahead(chunks: Iterator[Any]) -> Iterator[Any]:
    """``chunks``, with the next one read on a thread while the caller works on this one."""
    ready: "queue.Queue[Any]" = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not hand_over(chunk):
                    return
            hand_over(_END)
        except BaseException as error:  # handed to the caller's thread, which raises it
            hand_over(_Failed(error))

    thread = threading.Thread(target=read, name="sapwood-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
