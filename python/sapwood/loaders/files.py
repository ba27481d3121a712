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
        return load_bytes(f.read(), format=format, **options)


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


def _is_native(data: bytes) -> bool:
    return data[:8] == b"SAPWOOD\0"


def _native_model(core: Any, **options: Any) -> Model:
    """A model saved by sapwood: its Python metadata travelled inside the file."""
    from .. import _metadata

    if options:
        raise TypeError(f"load() got unexpected options for a sapwood model file: {', '.join(sorted(options))}")
    return Model(core, _metadata.loads(core.info()["metadata_json"]))
