"""XGBoost models: files and bytes (read in C++ by cpp/src/formats/xgboost_model.cpp), and live
``xgboost.Booster`` and scikit-learn wrapper objects, which are asked for their own UBJSON bytes
and read by the same C++ code. Nothing here imports xgboost unless an xgboost object is passed.

What a loaded model predicts (docs/semantics.md, "XGBoost 3.2.0"):

* from a file, bytes or an ``xgboost.Booster``: what ``Booster.predict(DMatrix(X))`` returns. That
  is the probability for binary:logistic and reg:logistic (one column), one column per class for
  multi:softprob, the class index for multi:softmax (a classifier whose classes are 0.0, 1.0, ...),
  0/1 for binary:hinge, ``exp(margin)`` for the log-link objectives and the margin otherwise.
  ``predict_raw`` is ``output_margin=True``. A file written by ``XGBClassifier.save_model`` is
  read as a Booster too, as ``xgboost.Booster(model_file=...)`` reads it;
* from a wrapper: what the wrapper's ``predict`` returns, and ``predict_proba`` for
  XGBClassifier / XGBRFClassifier. Wrappers use ``best_iteration`` when early stopping recorded
  one, as their own ``predict`` does.

``iteration_range=(begin, end)`` keeps boosting rounds [begin, end) as ``Booster.predict`` does;
``end == 0`` means the last round.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .. import _core
from .._ir import ClassRule
from ..model import Model, _build_core

_CLASSIFIERS = ("XGBClassifier", "XGBRFClassifier")
_REGRESSORS = ("XGBRegressor", "XGBRFRegressor", "XGBRanker")


def model_from_core(core: Any, *, iteration_range: Optional[Tuple[int, int]] = None) -> Model:
    """A Model that predicts like ``Booster.predict`` from a core parsed from an XGBoost file."""
    model = Model(core, _booster_meta(core, "xgboost.Booster"))
    return model._select_iterations_at_predict(XGBoostIterations(core, None), _select(core, iteration_range))


def load_xgboost_object(obj: Any, *, iteration_range: Optional[Tuple[int, int]] = None) -> Model:
    """A Model from an ``xgboost.Booster`` or a fitted xgboost scikit-learn wrapper."""
    import xgboost

    if isinstance(obj, xgboost.Booster):
        return model_from_core(_core_of(obj), iteration_range=iteration_range)
    name = type(obj).__name__
    if not isinstance(obj, xgboost.XGBModel) or name not in _CLASSIFIERS + _REGRESSORS:
        raise TypeError(
            f"sapwood cannot load xgboost object {type(obj).__module__}.{name}: expected a Booster, "
            f"{', '.join(_CLASSIFIERS + _REGRESSORS)}"
        )
    missing = getattr(obj, "missing", np.nan)
    if missing is not None and not _is_nan(missing):
        raise _core.ModelError(
            f"{name}(missing={missing!r}) is not supported: sapwood treats only NaN as missing"
        )
    core = _core_of(obj.get_booster())
    source = f"xgboost.{name}"
    model = Model(core, _booster_meta(core, source)) if name in _REGRESSORS else _classifier(obj, core, source)
    if obj.booster == "gblinear":  # XGBModel predicts every round of a linear booster
        return model
    try:
        best = int(obj.best_iteration)
    except AttributeError:
        best = None
    default = _select(model._core, _wrapper_iteration_range(obj, iteration_range))
    return model._select_iterations_at_predict(XGBoostIterations(model._core, best), default)


# ------------------------------------------------------------------ cores and iterations


def _is_nan(value: Any) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _core_of(booster: Any) -> Any:
    data = bytes(booster.save_raw("ubj"))
    return _core.load_model_bytes(data, "xgboost-ubjson")


def _select(core: Any, iteration_range: Optional[Tuple[int, int]]) -> Any:
    if iteration_range is None:
        return core
    begin, end = _range_pair(iteration_range)
    if begin == 0 and end == 0:
        return core
    return core.select_iterations(begin, -1 if end == 0 else end)


def _range_pair(iteration_range: Any) -> Tuple[int, int]:
    try:
        begin, end = (int(v) for v in iteration_range)
    except (TypeError, ValueError):
        raise TypeError(f"iteration_range must be a pair of ints (begin, end), got {iteration_range!r}") from None
    return begin, end


class XGBoostIterations:
    """``iteration_range`` on a predict call, as Booster.predict and the wrappers take it, over
    ``full_core`` (every round; best_iteration: the wrapper's, None for a Booster)."""

    family = "xgboost"
    options = ("iteration_range",)

    def __init__(self, full_core: Any, best_iteration: Optional[int]) -> None:
        self.full_core, self.best_iteration = full_core, best_iteration
        self.no_trees = None  # every XGBoost selection holds trees

    def key(self, iterations: Dict[str, Any]) -> Tuple[int, int]:
        begin, end = _range_pair(iterations["iteration_range"])
        # XGBModel._get_iteration_range: no end means up to best_iteration where one exists.
        if end == 0 and self.best_iteration is not None:
            begin, end = 0, self.best_iteration + 1
        return begin, end

    def check_leaves(self, key: Tuple[int, int]) -> None:
        if key[0] != 0:  # gbtree.h: "Predict leaf supports only iteration end: [0, n_iteration)"
            raise ValueError("predict_leaf takes an iteration_range that starts at 0, as XGBoost's pred_leaf does")

    def select(self, key: Tuple[int, int]) -> Any:
        return _select(self.full_core, key)


def _wrapper_iteration_range(wrapper: Any, iteration_range: Optional[Tuple[int, int]]) -> Optional[Tuple[int, int]]:
    # XGBModel._get_iteration_range: no range (or end 0) means up to best_iteration when early
    # stopping recorded one; gblinear has no rounds to select.
    if wrapper.booster == "gblinear":
        return None
    if iteration_range is None or int(iteration_range[1]) == 0:
        try:
            return (0, int(wrapper.best_iteration) + 1)
        except AttributeError:
            return iteration_range
    return iteration_range


# ------------------------------------------------------------------ metadata


# Objectives whose Booster.predict is a class probability, with the form XGBClassifier's
# predict_proba gives it (keyed by objective and whether the model has one output).
_PROBA_OBJECTIVES = {("binary:logistic", True): "binary", ("multi:softprob", False): "multiclass"}


def _booster_meta(core: Any, source: str) -> Dict[str, Any]:
    info = core.info()
    n_outputs = int(core.n_outputs)
    meta: Dict[str, Any] = {
        "source": source,
        "task": None,
        "feature_names": list(info["feature_names"]) or None,
        # Booster.predict returns one dimension for one output column.
        "single_target": n_outputs == 1,
    }
    if info["objective"] == "multi:softmax":
        # Booster.predict gives the index of the largest margin, as a float.
        meta.update(task="classifier", classes=np.arange(n_outputs, dtype=np.float64), has_proba=True)
    elif source == "xgboost.Booster" and (info["objective"], n_outputs == 1) in _PROBA_OBJECTIVES:
        # predict stays Booster.predict; predict_proba is what XGBClassifier would give.
        meta["objective_proba"] = _PROBA_OBJECTIVES[(info["objective"], n_outputs == 1)]
    encoders = _encoders(info)
    if encoders:
        meta["encoders"] = encoders
    return meta


def _classifier(wrapper: Any, core: Any, source: str) -> Model:
    objective = core.info()["objective"]
    n_outputs = int(core.n_outputs)
    name = type(wrapper).__name__
    meta = _booster_meta(core, source)
    meta.update(task="classifier", classes=np.asarray(wrapper.classes_), has_proba=True)
    if objective in ("binary:logistic", "binary:hinge") and n_outputs == 1:
        # XGBClassifier.predict: class 1 iff the probability (or hinge output) > 0.5, i.e. the
        # margin > 0 (see docs/semantics.md for float32 probabilities of tiny margins); the
        # rule also makes predict_proba report [1 - p, p].
        core = _with_class_rule(core, ClassRule.RAW_POSITIVE)
        # predict_proba of binary:hinge stacks [1 - y, y] of 0/1 outputs; sapwood reports
        # probabilities for the sigmoid only.
        meta["has_proba"] = objective == "binary:logistic"
    elif objective in ("multi:softprob", "multi:softmax") and n_outputs == len(meta["classes"]) != 2:
        pass  # argmax of the class probabilities, or the class index for multi:softmax
    else:
        raise _core.ModelError(
            f"{name} with objective {objective!r} and {n_outputs} output(s) is not supported "
            "(binary:logistic, binary:hinge, multi:softprob and multi:softmax are)"
        )
    return Model(core, meta)


def _with_class_rule(core: Any, rule: ClassRule) -> Any:
    arrays = core.arrays()
    arrays["class_rule"] = int(rule)
    return _build_core(arrays)


# ------------------------------------------------------------------ categories


def _training_categories(entry: Any) -> Optional[List[Any]]:
    """The training categories of one feature from XGBoost's ``cats.enc`` (None: not recorded).

    Strings are stored as UTF-8 bytes in ``values`` cut by ``offsets``; numbers as ``values``
    with a ``type`` code.
    """
    if not isinstance(entry, dict):
        return None
    values = entry.get("values") or []
    offsets = entry.get("offsets") or []
    if offsets:
        raw = bytes(int(v) & 0xFF for v in values)
        if any(b < a for a, b in zip(offsets, offsets[1:])) or offsets[0] < 0 or offsets[-1] > len(raw):
            raise _core.ModelError("XGBoost model: the string categories' offsets are out of bounds")
        return [raw[a:b].decode("utf-8", errors="replace") for a, b in zip(offsets, offsets[1:])]
    if "type" in entry:
        return [float(v) for v in values]
    return None


def _encoders(info: Dict[str, Any]) -> Dict[int, "_CategoryRecoder"]:
    types = list(info["feature_types"])
    if "c" not in types:
        return {}
    text = info.get("categories_json") or ""
    try:
        cats = json.loads(text) if text else {}
    except ValueError:
        raise _core.ModelError("XGBoost model: its categories are not valid JSON") from None
    table = cats.get("enc", []) if isinstance(cats, dict) else []
    names = list(info["feature_names"])
    encoders = {}
    for j, kind in enumerate(types):
        if kind == "c":
            categories = _training_categories(table[j]) if j < len(table) else None
            encoders[j] = _CategoryRecoder(names[j] if j < len(names) else str(j), categories)
    return encoders


def _category_key(value: Any) -> Tuple[str, Any]:
    if isinstance(value, (bool, np.bool_)):
        return ("n", float(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ("n", float(value))
    return ("s", str(value))


class _CategoryRecoder:
    """Re-codes a pandas category column to the model's training codes, by value, as XGBoost
    does (so a frame whose categories are reordered or a subset still predicts the same).

    A numpy column is taken as codes, as XGBoost takes it. A category the model was not trained
    on raises ValueError: XGBoost 3.2 raises only for values past the largest training category
    and silently re-codes the others to a neighbouring category (docs/semantics.md).
    """

    def __init__(self, name: str, categories: Optional[List[Any]]) -> None:
        self.name = name
        self.categories = categories  # kept so that the encoder can be saved and rebuilt
        self.lookup = None if categories is None else {_category_key(c): i for i, c in enumerate(categories)}

    def encode(self, column: Any) -> np.ndarray:
        if not _is_pandas_categorical(column):
            if self.lookup is not None and type(column).__module__.startswith("pandas"):
                raise TypeError(
                    f"column {self.name!r} must be a pandas category column: the model re-codes its "
                    f"categories by value (XGBoost refuses other dtypes here too)"
                )
            return np.asarray(column, dtype=np.float64)
        codes = np.asarray(column.cat.codes, dtype=np.int64)
        out = np.full(codes.shape, np.nan)
        present = codes >= 0
        if self.lookup is None:
            out[present] = codes[present]
            return out
        table = np.array([self.lookup.get(_category_key(c), -1) for c in column.cat.categories], dtype=np.int64)
        mapped = table[codes[present]]
        if (mapped < 0).any():
            unseen = sorted({str(c) for c, code in zip(column.cat.categories, table) if code < 0} &
                            {str(column.cat.categories[c]) for c in np.unique(codes[present])})
            shown = ", ".join(repr(u) for u in unseen[:5])
            raise ValueError(f"column {self.name!r} holds categories the model was not trained on: {shown}")
        out[present] = mapped
        return out


def _is_pandas_categorical(column: Any) -> bool:
    return str(getattr(column, "dtype", "")) == "category"
