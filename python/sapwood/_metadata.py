"""The Python half of a model (task, class labels, encoders, ...) as JSON text, so that it
travels inside sapwood's own model files (ModelInfo::metadata_json) and any front end can
read it. numpy arrays keep their dtype; category encoders keep their categories."""

from __future__ import annotations

import json
from typing import Any, Dict

import numpy as np

from .loaders.sklearn._categories import CategoryEncoder

_FORMAT = 1


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufUO":
            raise TypeError(f"cannot save an array of dtype {value.dtype} in model metadata")
        kind = "str" if value.dtype.kind in "UO" else value.dtype.str
        if kind == "str":
            items = [None if v is None or v != v else str(v) for v in value.tolist()]
        else:
            items = value.tolist()
        return {"__ndarray__": items, "dtype": kind}
    if isinstance(value, CategoryEncoder):
        return {"__category_encoder__": _encode(np.asarray(value.categories))}
    from .loaders.lightgbm import PandasCategoricalTables, PandasCategoryEncoder
    from .loaders.xgboost import _CategoryRecoder

    if isinstance(value, PandasCategoricalTables):  # before dict: it pairs with a frame's columns
        return {"__lightgbm_category_tables__": {"tables": list(value.tables), "encoders": _encode(dict(value))}}

    if isinstance(value, PandasCategoryEncoder):
        # The tables came from the model file's JSON, so they are JSON already.
        return {"__lightgbm_category_encoder__": {"tables": list(value.tables), "guess": value.guess}}
    if isinstance(value, _CategoryRecoder):
        return {"__xgboost_category_recoder__": {"name": value.name, "categories": value.categories}}
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot save a {type(value).__name__} in model metadata")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        dtype = value["dtype"]
        return np.asarray(value["__ndarray__"], dtype=object if dtype == "str" else np.dtype(dtype))
    if "__category_encoder__" in value:
        return CategoryEncoder(_decode(value["__category_encoder__"]))
    if "__lightgbm_category_tables__" in value:
        from .loaders.lightgbm import PandasCategoricalTables

        state = value["__lightgbm_category_tables__"]
        return PandasCategoricalTables(_decode(state["encoders"]), state["tables"])
    if "__lightgbm_category_encoder__" in value:
        from .loaders.lightgbm import PandasCategoryEncoder

        state = value["__lightgbm_category_encoder__"]
        return PandasCategoryEncoder(state["tables"], state["guess"])
    if "__xgboost_category_recoder__" in value:
        from .loaders.xgboost import _CategoryRecoder

        state = value["__xgboost_category_recoder__"]
        return _CategoryRecoder(state["name"], state["categories"])
    if "__dict__" in value:
        return {_hashable(_decode(k)): _decode(v) for k, v in value["__dict__"]}
    raise ValueError(f"unknown entry in model metadata: {sorted(value)}")


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def dumps(meta: Dict[str, Any]) -> str:
    return json.dumps({"format": _FORMAT, "meta": _encode(meta)}, allow_nan=True)


def loads(text: str) -> Dict[str, Any]:
    if not text:
        return {}
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise ValueError("the model's metadata was written by an incompatible sapwood")
    return _decode(document["meta"])
