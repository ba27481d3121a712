"""Model files and their bytes: the C++ readers parse them (the format is detected from the
content), then the library's Python module describes the result (task, classes, encoders)."""

from __future__ import annotations

import os
from typing import Any, Optional

from .. import _core
from ..model import Model


def load_file(path: Any, *, format: Optional[str] = None, **options: Any) -> Model:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    with open(path, "rb") as f:
        data = f.read()
    if format is None and _looks_pickled(data):
        raise ValueError(
            f"{path!r} is a Python pickle (pickle.dump or joblib.dump of an estimator); sapwood does "
            "not unpickle files, because unpickling runs whatever code the file names. From a file "
            "you trust: sapwood.load(joblib.load(path)), or save it once as a sapwood file with "
            "python -c \"import joblib, sapwood; sapwood.load(joblib.load('model.pkl')).save('model.sapwood')\""
        )
    return load_bytes(data, format=format, **options)


def load_bytes(data: bytes, *, format: Optional[str] = None, **options: Any) -> Model:
    """``format``: None (detect), "sapwood", "xgboost-json", "xgboost-ubjson" or "lightgbm-text"."""
    core = _core.load_model_bytes(data, format or "")
    info = core.info()
    if _is_native(data):
        return _native_model(core, **options)
    library = info["source"].split(".", 1)[0]
    if library == "xgboost":
        from .xgboost import model_from_core as xgboost_model

        return xgboost_model(core, **options)
    if library == "lightgbm":
        from .lightgbm import model_from_core as lightgbm_model

        return lightgbm_model(core, **options)
    raise AssertionError(f"no describer for models from {library!r}")  # pragma: no cover


def _looks_pickled(data: bytes) -> bool:
    """Pickle protocol 2+ opens with PROTO (0x80) and its version; joblib's compressed files
    with zlib's, gzip's, bz2's, xz's or lz4's magic numbers."""
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        return True
    return data[:2] in (b"x\x01", b"x\x5e", b"x\x9c", b"x\xda", b"\x1f\x8b") or data[:3] == b"BZh" or \
        data[:6] == b"\xfd7zXZ\x00" or data[:4] == b"\x04\x22\x4d\x18"


def _is_native(data: bytes) -> bool:
    return data[:8] == b"SAPWOOD\0"


def _native_model(core: Any, **options: Any) -> Model:
    """A model saved by sapwood: its Python metadata travelled inside the file."""
    from .. import _metadata

    if options:
        raise TypeError(f"load() got unexpected options for a sapwood model file: {', '.join(sorted(options))}")
    model = Model(core, _metadata.loads(core.info()["metadata_json"]))
    family = model._meta.get("iterations")
    if family is not None:  # the saved trees are all there is to select from
        if family == "xgboost":
            from .xgboost import XGBoostIterations as rules
        else:
            from .lightgbm import LightGBMIterations as rules
        model._select_iterations_at_predict(rules(core, None), core)
    return model
