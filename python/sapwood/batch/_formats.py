"""Reading and writing the files `sapwood predict` scores, one chunk of rows at a time:
CSV, Parquet, Arrow IPC (file or stream; Feather v2 is the IPC file format) and .npy. The
format comes from the extension. Table formats go through pyarrow (imported here, on use); .npy
needs only numpy.

Memory stays bounded by the chunk: readers hand out one chunk at a time and read only the
columns asked for; writers append each chunk (a Parquet row group, an IPC record batch, CSV
lines, .npy rows whose header is rewritten with the final shape on close).
"""

from __future__ import annotations

import csv
import os
import struct
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".arrows": "arrow",
    ".npy": "npy",
}


def format_of(path: str) -> str:
    extension = os.path.splitext(path)[1].lower()
    if extension not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"cannot tell the format of {path!r} from its extension (known: {known})")
    return FORMATS[extension]


def _pyarrow(what: str) -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError(f"{what} needs pyarrow: pip install 'sapwood[cli]' (or pyarrow)") from None
    return pyarrow


# ---------------------------------------------------------------- readers


class Chunk:
    """Rows of the input: ``features`` (what Model.predict takes: a pyarrow RecordBatch or a
    2-D numpy array) and ``ids`` (a pyarrow Array, or None)."""

    __slots__ = ("features", "ids", "n_rows")

    def __init__(self, features: Any, ids: Any, n_rows: int) -> None:
        self.features, self.ids, self.n_rows = features, ids, n_rows


class Reader:
    """Iterates Chunks of at most ``chunk_rows`` rows; ``total_rows`` when the file says it."""

    total_rows: Optional[int] = None

    def __iter__(self) -> Iterator[Chunk]:  # pragma: no cover - interface
        raise NotImplementedError


def open_reader(
    path: str,
    *,
    features: Optional[Sequence[str]],
    rename: Optional[Sequence[str]],
    id_column: Optional[str],
    chunk_rows: int,
    categorical: Sequence[int] = (),
) -> Reader:
    """``features``: the input columns that hold the model's features, in its order (None: every
    column but the id); ``rename``: names to give them (the model's feature names) or None.
    ``categorical``: positions of features to leave as the file types them (category encoders
    read them), where the others are read as float64."""
    fmt = format_of(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no input file at {path!r}")
    if fmt == "npy":
        return _NpyReader(path, features, id_column, chunk_rows)
    return _TableReader(path, fmt, features, rename, id_column, chunk_rows, categorical)


class _TableReader(Reader):
    def __init__(self, path, fmt, features, rename, id_column, chunk_rows, categorical):
        self.pa = pa = _pyarrow(f"reading {fmt}")
        self.path, self.fmt, self.chunk_rows = path, fmt, chunk_rows
        self.id_column, self.rename = id_column, rename
        names = self._column_names()
        if id_column is not None and id_column not in names:
            raise ValueError(f"the input has no id column {id_column!r}")
        if features is None:
            features = [n for n in names if n != id_column]
        missing = [n for n in features if n not in names]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:5])
            raise ValueError(f"the input is missing feature columns: {shown}" + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
        self.features = list(features)
        self.read = list(dict.fromkeys(self.features + ([id_column] if id_column else [])))
        self.float_columns = [n for j, n in enumerate(self.features) if j not in set(categorical)]

    def _column_names(self) -> List[str]:
        if self.fmt == "csv":
            with open(self.path, newline="") as f:
                header = next(csv.reader(f), None)
            if header is None:
                raise ValueError(f"{self.path!r} is empty: a CSV input needs a header line")
            return header
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(self.path).names)
        with self._open_ipc() as reader:
            return list(reader.schema.names)

    def _open_ipc(self, included: Optional[List[int]] = None) -> Any:
        import pyarrow.ipc as ipc

        options = ipc.IpcReadOptions(included_fields=included) if included is not None else None
        with open(self.path, "rb") as f:
            is_file = f.read(6) == b"ARROW1"
        source = self.pa.OSFile(self.path)
        if is_file:
            return ipc.open_file(source, options=options)
        return ipc.open_stream(source, options=options)

    def _batches(self) -> Iterator[Any]:
        pa = self.pa
        if self.fmt == "csv":
            import pyarrow.csv as pcsv

            convert = pcsv.ConvertOptions(
                include_columns=self.read,
                # Fixed float64: type inference from the first block would make a column
                # that starts with integers fail on a later "1.5".
                column_types={name: pa.float64() for name in self.float_columns},
            )
            yield from pcsv.open_csv(self.path, read_options=pcsv.ReadOptions(block_size=1 << 24), convert_options=convert)
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            # pre_buffer would cache every column chunk it read ahead: the whole file, in the end.
            parquet = pq.ParquetFile(self.path, pre_buffer=False)
            self.total_rows = parquet.metadata.num_rows
            yield from parquet.iter_batches(batch_size=self.chunk_rows, columns=self.read)
        else:
            with self._open_ipc() as probe:
                names = list(probe.schema.names)
            reader = self._open_ipc([names.index(n) for n in self.read])
            if isinstance(reader, self.pa.ipc.RecordBatchFileReader):
                for i in range(reader.num_record_batches):
                    yield reader.get_batch(i)
            else:
                yield from reader

    def __iter__(self) -> Iterator[Chunk]:
        empty = True
        for batch in self._batches():
            for start in range(0, batch.num_rows, self.chunk_rows):
                empty = False
                yield self._chunk(batch.slice(start, self.chunk_rows))
        if empty:
            yield self._chunk(None)

    def _chunk(self, batch: Any) -> Chunk:
        pa = self.pa
        if batch is None:  # no rows at all: an empty chunk still gives the output its columns
            fields = [pa.field(n, pa.float64()) for n in self.features]
            features = pa.RecordBatch.from_arrays([pa.array([], pa.float64()) for _ in fields], schema=pa.schema(fields))
            ids = pa.array([], pa.string()) if self.id_column else None
        else:
            features = batch.select(self.features)
            ids = batch.column(self.id_column) if self.id_column else None
        if self.rename is not None:
            features = features.rename_columns(list(self.rename))
        return Chunk(features, ids, features.num_rows)


class _NpyReader(Reader):
    """Reads C-order .npy rows by plain file reads (a memory map would count every page it
    touched in the process's resident memory); other layouts through a memory map."""

    def __init__(self, path, features, id_column, chunk_rows):
        if id_column is not None:
            raise ValueError("--id-column needs a table input (csv, parquet, arrow); .npy has no column names")
        self.path, self.chunk_rows = path, chunk_rows
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            shape, fortran, dtype = _read_npy_header(f, version)
            self.offset = f.tell()
        if len(shape) != 2:
            raise ValueError(f"{path!r} holds a {len(shape)}-D array; sapwood predict reads 2-D (rows, features)")
        if dtype.kind not in "biuf":
            raise TypeError(f"{path!r} holds dtype {dtype}; sapwood predict reads numeric arrays")
        self.shape, self.fortran, self.dtype = shape, fortran, dtype
        self.total_rows = shape[0]
        self.columns = None
        if features is not None:
            try:
                self.columns = [int(c) for c in features]
            except ValueError:
                raise ValueError("--columns for a .npy input are column positions (0, 1, ...)") from None
            bad = [c for c in self.columns if not 0 <= c < shape[1]]
            if bad:
                raise ValueError(f"--columns {bad} out of range for {shape[1]} columns")

    def __iter__(self) -> Iterator[Chunk]:
        n_rows, n_cols = self.shape
        mapped = None
        if self.fortran:
            mapped = np.load(self.path, mmap_mode="r")
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            for start in range(0, max(n_rows, 1), self.chunk_rows):
                count = min(self.chunk_rows, n_rows - start)
                if mapped is not None:
                    block = np.array(mapped[start : start + count])
                else:
                    block = np.empty((count, n_cols), dtype=self.dtype)
                    if f.readinto(memoryview(block).cast("B")) != block.nbytes:
                        raise ValueError(f"{self.path!r} is shorter than its header says")
                if self.columns is not None:
                    block = block[:, self.columns]
                yield Chunk(block, None, count)


def _read_npy_header(f: Any, version: Tuple[int, int]) -> Tuple[tuple, bool, np.dtype]:
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f)


# ---------------------------------------------------------------- writers


class Writer:
    """Appends (id, named prediction columns) chunk by chunk to ``path``; close() finishes the
    file. The caller writes to a temporary name and renames it once close() returned."""

    def write(self, ids: Any, id_name: Optional[str], columns: List[Tuple[str, np.ndarray]]) -> None:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def abort(self) -> None:
        """Release the file after a failure; the caller deletes it."""


def open_writer(path: str, fmt: str) -> Writer:
    if fmt == "npy":
        return _NpyWriter(path)
    return _TableWriter(path, fmt)


class _TableWriter(Writer):
    def __init__(self, path: str, fmt: str) -> None:
        self.pa = _pyarrow(f"writing {fmt}")
        self.path, self.fmt = path, fmt
        self.writer: Any = None
        self.schema: Any = None

    def write(self, ids, id_name, columns):
        pa = self.pa
        arrays, names = [], []
        if ids is not None:
            arrays.append(ids)
            names.append(id_name)
        for name, values in columns:
            arrays.append(pa.array(values))
            names.append(name)
        if self.schema is not None:
            arrays = [a if a.type == f.type else a.cast(f.type) for a, f in zip(arrays, self.schema)]
        batch = pa.RecordBatch.from_arrays(arrays, names=names)
        if self.writer is None:
            self.schema = batch.schema
            self.writer = self._open(batch.schema)
        self.writer.write_batch(batch)

    def _open(self, schema: Any) -> Any:
        if self.fmt == "csv":
            import pyarrow.csv as pcsv

            return pcsv.CSVWriter(self.path, schema)
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetWriter(self.path, schema)
        return self.pa.ipc.new_file(self.path, schema)

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def abort(self):
        try:
            self.close()
        except Exception:  # the file is deleted anyway; the first error is the one to report
            pass


class _NpyWriter(Writer):
    """A .npy file written row chunk by row chunk. The header is written first with room for
    any shape and rewritten, with the same length, once the row count is known."""

    _HEADER_BYTES = 128  # magic (6) + version (2) + length (2) + a padded dict; a multiple of 64

    def __init__(self, path: str) -> None:
        self.path = path
        self.file = open(path, "wb")
        self.file.write(b"\0" * self._HEADER_BYTES)
        self.rows = 0
        self.dtype: Optional[np.dtype] = None
        self.width: Optional[int] = None

    def write(self, ids, id_name, columns):
        if ids is not None:
            raise ValueError("--id-column needs a table output (csv, parquet, arrow); .npy holds one array")
        values = columns[0][1] if len(columns) == 1 else np.column_stack([c for _, c in columns])
        if values.dtype.kind == "O":
            raise TypeError("a .npy output cannot hold these (object) predictions; write csv, parquet or arrow")
        width = None if values.ndim == 1 else values.shape[1]
        if self.dtype is None:
            self.dtype, self.width = values.dtype, width
        elif values.dtype != self.dtype:
            values = values.astype(self.dtype)
        self.file.write(np.ascontiguousarray(values).tobytes())
        self.rows += values.shape[0]

    def close(self):
        dtype = self.dtype if self.dtype is not None else np.dtype(np.float64)
        shape = (self.rows,) if self.width is None else (self.rows, self.width)
        header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (np.lib.format.dtype_to_descr(dtype), shape)
        room = self._HEADER_BYTES - 10
        if len(header) + 1 > room:  # pragma: no cover - needs shapes with ~80-digit sizes
            raise ValueError("shape too large for the .npy header")
        header = header.ljust(room - 1) + "\n"
        self.file.seek(0)
        self.file.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", room) + header.encode("latin1"))
        self.file.close()

    def abort(self) -> None:
        self.file.close()
