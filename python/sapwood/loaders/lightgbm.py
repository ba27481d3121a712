"""LightGBM: describes models read from LightGBM's text format, and adapts live lightgbm objects.

The trees are parsed in C++ (cpp/src/formats/lightgbm_text.cpp); this module only adds what a
Python user sees: the task and classes, iteration selection, and encoders that turn pandas
category columns into the codes LightGBM uses. A file or a ``lightgbm.Booster`` predicts like
``Booster.predict``; an ``LGBMClassifier`` / ``LGBMRegressor`` / ``LGBMRanker`` like the
wrapper's own ``predict`` (and ``predict_proba``). Rules and sources: docs/semantics.md.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .. import _core
from .._ir import ClassRule
from ..model import Model, _build_core

_OPTIONS = ("start_iteration", "num_iteration")


def model_from_core(core: Any, **options: Any) -> Model:
    """A Model over a core parsed from a LightGBM text model; predicts like ``Booster.predict``.

    Options ``start_iteration`` (default 0) and ``num_iteration`` (None or <= 0: all) select
    iterations as ``Booster.predict`` does.
    """
    _check_options(options)
    default = _select_iterations(core, options.get("start_iteration", 0), options.get("num_iteration"))
    model = Model(core, _meta(core, source="lightgbm.Booster", task=None, classes=None))
    return model._select_iterations_at_predict(LightGBMIterations(core, None), default)


def load_lightgbm_object(obj: Any, **options: Any) -> Model:
    """A Model from a ``lightgbm.Booster`` or a fitted LGBMRegressor / LGBMClassifier / LGBMRanker.

    The booster's own text (``model_to_string``) goes through the same C++ reader as a file.
    Without ``num_iteration``, the booster's ``best_iteration`` applies when
    ``start_iteration`` is 0, as in ``Booster.predict``.
    """
    _check_options(options)
    import lightgbm

    if isinstance(obj, lightgbm.Booster):
        booster, wrapper = obj, None
    elif isinstance(obj, lightgbm.LGBMModel):
        if getattr(obj, "_Booster", None) is None:
            raise ValueError(f"{type(obj).__name__} is not fitted yet")
        booster, wrapper = obj.booster_, obj
    else:
        raise TypeError(f"sapwood cannot load lightgbm.{type(obj).__name__}")

    # Every tree: model_to_string() would otherwise stop at best_iteration, and an explicit
    # num_iteration may ask for more.
    text = booster.model_to_string(num_iteration=-1)
    core = _core.load_model_bytes(text.encode("utf-8"), "lightgbm-text")

    start = options.get("start_iteration", 0)
    num = options.get("num_iteration")
    if num is None:
        # Booster.predict: num_iteration=None means best_iteration unless start_iteration > 0.
        num = booster.best_iteration if _as_int(start, "start_iteration") <= 0 else -1
    model = _model_of(obj, wrapper, core)
    default = _select_iterations(model._core, start, num)
    return model._select_iterations_at_predict(LightGBMIterations(model._core, booster.best_iteration or None), default)


def _model_of(obj: Any, wrapper: Any, core: Any) -> Model:
    """The Model of every tree, with the wrapper's rules (iterations are selected after)."""
    import lightgbm

    source = f"lightgbm.{type(obj).__name__}"
    if wrapper is None:
        return Model(core, _meta(core, source=source, task=None, classes=None))
    if callable(getattr(wrapper, "_objective", None)):
        # A custom objective: the wrappers return raw scores from predict and predict_proba.
        return Model(core, _meta(core, source=source, task=None, classes=None))
    if isinstance(wrapper, lightgbm.LGBMClassifier):
        # LGBMClassifier.predict: classes_[argmax(predict_proba)], where a binary model's
        # predict_proba is [1 - p, p]; ARGMAX_VALUE takes the first maximum, as np.argmax.
        arrays = core.arrays()
        arrays["class_rule"] = int(ClassRule.ARGMAX_VALUE)
        core = _core.forest_from_arrays(arrays)
        return Model(
            core,
            _meta(core, source=source, task="classifier", classes=np.asarray(wrapper.classes_)),
        )
    return Model(core, _meta(core, source=source, task="regressor", classes=None))


# ---------------------------------------------------------------------------------------- helpers
def _check_options(options: Dict[str, Any]) -> None:
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(
            f"unexpected LightGBM load options: {', '.join(unknown)} "
            f"(expected {', '.join(_OPTIONS)})"
        )


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return int(value)


class LightGBMIterations:
    """``start_iteration`` and ``num_iteration`` on a predict call, as Booster.predict takes
    them, over ``full_core`` (every iteration; best_iteration: the booster's, or None)."""

    family = "lightgbm"
    options = ("start_iteration", "num_iteration")

    def __init__(self, full_core: Any, best_iteration: Optional[int]) -> None:
        self.full_core, self.best_iteration = full_core, best_iteration
        self.no_trees: Any = None  # the selection of no iteration, once built

    def key(self, iterations: Dict[str, Any]) -> Tuple[int, int]:
        start = _as_int(iterations.get("start_iteration", 0), "start_iteration")
        num = iterations.get("num_iteration")
        if num is None:  # Booster.predict: best_iteration unless start_iteration > 0
            num = self.best_iteration if start <= 0 and self.best_iteration else -1
        return start, _as_int(num, "num_iteration")

    def check_leaves(self, key: Tuple[int, int]) -> None:
        pass  # pred_leaf takes any selection

    def select(self, key: Tuple[int, int]) -> Any:
        per_iteration = int(self.full_core.info()["trees_per_iteration"])
        if key[0] >= int(self.full_core.summary()["n_trees"]) // per_iteration:
            return self._no_trees()
        return _select_iterations(self.full_core, *key)

    def _no_trees(self) -> Any:
        """GBDT::InitPredict with start_iteration at the end selects no tree: Booster.predict
        gives raw 0 and the objective's transform of 0, and pred_leaf no column. Built as one
        iteration whose leaves (and linear terms) are all 0, so every transform sees 0."""
        if self.no_trees is None:
            arrays = self.full_core.select_iterations(0, 1).arrays()
            for name in ("leaf_values", "linear_coefs", "linear_const"):
                arrays[name] = np.zeros_like(np.asarray(arrays[name]))
            self.no_trees = _build_core(arrays)
        return self.no_trees


def _select_iterations(core: Any, start: Any, num: Any) -> Any:
    """GBDT::InitPredict: start is clamped to [0, total]; num <= 0 means every iteration
    after start, else at most num of them."""
    start = _as_int(start, "start_iteration")
    num = -1 if num is None else _as_int(num, "num_iteration")
    per_iteration = int(core.info()["trees_per_iteration"])
    total = int(core.summary()["n_trees"]) // per_iteration
    begin = min(max(start, 0), total)
    count = total - begin if num <= 0 else min(num, total - begin)
    if count == 0:
        raise ValueError(f"start_iteration={start} leaves no iterations of the model's {total}")
    if begin == 0 and count == total:
        return core
    return core.select_iterations(begin, begin + count)


def _meta(core: Any, *, source: str, task: Optional[str], classes: Any) -> Dict[str, Any]:
    info = core.info()
    names = list(info["feature_names"])
    # Names LightGBM made up for numpy input (Column_0, ...) are not a schema to select by.
    if names == [f"Column_{i}" for i in range(len(names))]:
        names = None
    meta: Dict[str, Any] = {
        "task": task,
        "classes": classes,
        "feature_names": names,
        "source": source,
        "has_proba": task == "classifier",
        "single_target": int(core.n_outputs) == 1,
    }
    objective = (info.get("objective") or "").split(" ", 1)[0]
    if task is None and source == "lightgbm.Booster" and objective in _PROBA_OBJECTIVES:
        # predict stays Booster.predict; predict_proba is what LGBMClassifier would give.
        meta["objective_proba"] = _PROBA_OBJECTIVES[objective]
    encoders = _encoders(info)
    if encoders:
        meta["encoders"] = encoders
    return meta


# Objectives whose Booster.predict is a class probability, with the form LGBMClassifier's
# predict_proba gives it ([1 - p, p], or the columns as they are).
_PROBA_OBJECTIVES = {"binary": "binary", "multiclass": "multiclass", "multiclassova": "multiclass"}


def _encoders(info: Dict[str, Any]) -> Dict[int, "PandasCategoryEncoder"]:
    text = info.get("categories_json") or ""
    if not text:
        return {}
    try:
        tables = json.loads(text)
    except ValueError as error:
        raise ValueError(f"the model's pandas_categorical is not valid JSON: {error}") from None
    if tables is None:
        return {}
    if not isinstance(tables, list) or not all(isinstance(t, list) for t in tables):
        raise ValueError("the model's pandas_categorical must be a list of category lists")
    if not tables:
        return {}
    # The file does not say which columns were category columns: LightGBM pairs the i-th
    # category column of the frame with tables[i]. When the categorical features (as
    # feature_infos lists them) are exactly as many as the tables, they are the best guess.
    types = list(info.get("feature_types") or [])
    n_features = len(info.get("feature_names") or types)
    categorical = [i for i, t in enumerate(types) if t == "c"]
    guess = {p: i for i, p in enumerate(categorical)} if len(categorical) == len(tables) else {}
    return PandasCategoricalTables({p: PandasCategoryEncoder(tables, guess.get(p)) for p in range(n_features)}, tables)


class PandasCategoricalTables(dict):
    """Column position -> PandasCategoryEncoder, with LightGBM's pairing for a DataFrame.

    ``_data_from_pandas`` (lightgbm/basic.py) pairs the frame's category columns, in frame
    order, with the model's ``pandas_categorical`` tables by position, and raises ValueError
    when their counts differ; ``for_frame`` does the same (a column whose categories happen to
    equal another table's still gets its own). Arrow and polars input, which LightGBM does not
    pair, keep each encoder's match by content.
    """

    def __init__(self, encoders: Dict[int, "PandasCategoryEncoder"], tables: Sequence[List[Any]]) -> None:
        super().__init__(encoders)
        self.tables = tables

    def for_frame(self, frame: Any) -> Dict[int, "PandasCategoryEncoder"]:
        positions = [p for p, dtype in enumerate(frame.dtypes) if str(dtype) == "category"]
        if len(positions) != len(self.tables):
            raise ValueError(
                f"X has {len(positions)} pandas category columns and the model's pandas_categorical "
                f"has {len(self.tables)} tables; LightGBM pairs them by position and refuses this too "
                "('train and valid dataset categorical_feature do not match')"
            )
        bound = dict(self)
        for k, position in enumerate(positions):
            bound[position] = PandasCategoryEncoder(self.tables, k, bound=True)
        return bound


class PandasCategoryEncoder:
    """Encodes one input column as LightGBM's ``_data_from_pandas`` does: a pandas category
    column is re-based on the training categories (``set_categories``) and becomes its codes,
    with unknown and missing values (-1) as NaN; any other column passes as float64.

    ``guess``: the index of the training table this column position had, when known. With
    ``bound`` (a DataFrame's column, PandasCategoricalTables.for_frame) that table is used;
    otherwise a column whose categories equal one of the tables exactly is coded by that table.
    """

    def __init__(self, tables: Sequence[List[Any]], guess: Optional[int], *, bound: bool = False) -> None:
        self.tables = tables
        self.guess = guess
        self.bound = bound

    def encode(self, column: Any) -> np.ndarray:
        dtype = getattr(column, "dtype", None)
        if dtype is not None and str(dtype) == "category":
            table = self.tables[self.guess if self.bound else self._table_for(column)]
            if list(column.cat.categories) != list(table):
                column = column.cat.set_categories(table)
            codes = column.cat.codes.to_numpy()
            out = codes.astype(np.float64)
            out[codes < 0] = np.nan
            return out
        values = np.asarray(column)
        if values.dtype.kind not in "biuf":
            name = getattr(column, "name", None)
            raise TypeError(
                f"column {name!r} must be numeric or a pandas category, got dtype {values.dtype}"
            )
        return values.astype(np.float64, copy=False)

    def _table_for(self, column: Any) -> int:
        categories = list(column.cat.categories)
        matches = [i for i, table in enumerate(self.tables) if list(table) == categories]
        if self.guess is not None and self.guess in matches:
            return self.guess
        if matches:
            return matches[0]
        # Otherwise the table sharing the most categories with the column (a frame built from
        # a subset of the training categories, or with unseen ones), when one stands out.
        overlap = [len(_common(table, categories)) for table in self.tables]
        best = max(overlap)
        if best > 0 and overlap.count(best) == 1:
            return overlap.index(best)
        if self.guess is not None:
            return self.guess
        if len(self.tables) == 1:
            return 0
        raise TypeError(
            f"column {getattr(column, 'name', None)!r} is a pandas category column whose "
            "categories match none of the model's pandas_categorical lists, and the model file "
            "does not say which training column it corresponds to; give it the training categories"
        )


def _common(table: Sequence[Any], categories: Sequence[Any]) -> set:
    try:
        return set(table) & set(categories)
    except TypeError:  # unhashable values
        return {c for c in categories if c in list(table)}
