"""scikit-learn's HistGradientBoostingRegressor and HistGradientBoostingClassifier.

Semantics (sklearn/ensemble/_hist_gradient_boosting/_predictor.pyx,
_predict_one_from_raw_data): X is float64; NaN follows ``missing_go_to_left``; a numeric
node goes left iff ``x <= num_threshold``; a categorical node sends negative and unknown
categories the missing way, its left-bitset categories left and the other known ones
right. Categorical features first pass the fitted OrdinalEncoder (categories moved to the
front, unknown values become NaN); sapwood re-codes those columns with the same tables
and maps node features back to the caller's column order.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np

from ... import _ir
from ..._ir import ClassRule, ForestArrays, Precision
from ...model import Model
from ._categories import CategoryEncoder
from ._common import base_meta, classifier_meta, feature_names, link_transform, source_name


def _bitset_members(words: np.ndarray) -> np.ndarray:
    """Category codes whose bits are set in a scikit-learn bitset (uint32 words)."""
    bits = np.unpackbits(np.asarray(words, dtype="<u4").view(np.uint8), bitorder="little")
    return np.flatnonzero(bits).astype(np.int32)


def _column_order(estimator: Any) -> np.ndarray:
    """Original column of each preprocessed feature (categorical columns come first)."""
    is_categorical = getattr(estimator, "is_categorical_", None)
    if getattr(estimator, "_preprocessor", None) is None or is_categorical is None:
        return np.arange(estimator.n_features_in_)
    return np.concatenate([np.flatnonzero(is_categorical), np.flatnonzero(~is_categorical)])


def _encoders(estimator: Any) -> Dict[int, CategoryEncoder]:
    preprocessor = getattr(estimator, "_preprocessor", None)
    if preprocessor is None:
        return {}
    ordinal = preprocessor.named_transformers_["encoder"]
    columns = np.flatnonzero(estimator.is_categorical_)
    return {int(c): CategoryEncoder(cats) for c, cats in zip(columns, ordinal.categories_)}


def _add_predictor(forest: ForestArrays, predictor: Any, output: int, column_of: np.ndarray,
                   known: np.ndarray, f_idx_map: np.ndarray) -> None:
    nodes = predictor.nodes
    is_leaf = nodes["is_leaf"].astype(bool)
    left = np.where(is_leaf, -1, nodes["left"].astype(np.int64))
    right = np.where(is_leaf, -1, nodes["right"].astype(np.int64))
    missing_left = nodes["missing_go_to_left"].astype(bool)
    flags = np.where(missing_left, _ir.DEFAULT_LEFT, 0).astype(np.uint8) | np.uint8(_ir.LESS_EQUAL)
    categorical = nodes["is_categorical"].astype(bool) & ~is_leaf
    categories = [None] * len(nodes)
    for n in np.flatnonzero(categorical):
        left_set = _bitset_members(predictor.raw_left_cat_bitsets[nodes["bitset_idx"][n]])
        if missing_left[n]:
            # Left gets the left set, the unknown and the missing; list the rest, going right.
            known_set = _bitset_members(known[f_idx_map[nodes["feature_idx"][n]]])
            categories[n] = np.setdiff1d(known_set, left_set)
            flags[n] |= _ir.CATEGORICAL | _ir.CATEGORIES_RIGHT
        else:
            categories[n] = left_set
            flags[n] |= _ir.CATEGORICAL
    feature = np.where(is_leaf, 0, column_of[nodes["feature_idx"]])
    threshold = np.where(is_leaf | categorical, 0.0, nodes["num_threshold"])
    forest.add_tree(left, right, feature, threshold, flags, nodes["value"], output=output,
                    categories=categories if categorical.any() else None)


def _hist_gradient_boosting(estimator: Any) -> Model:
    n_features = estimator.n_features_in_
    per_iteration = estimator.n_trees_per_iteration_
    column_of = _column_order(estimator)
    known, f_idx_map = estimator._bin_mapper.make_known_categories_bitsets()
    forest = ForestArrays(n_features, per_iteration)
    for iteration in estimator._predictors:
        for k, predictor in enumerate(iteration):
            _add_predictor(forest, predictor, k, column_of, known, f_idx_map)
    transform, param = link_transform(estimator._loss.link)
    if hasattr(estimator, "classes_"):
        meta = classifier_meta(estimator)
        # predict(): "raw > 0" for one margin column, argmax of the margins otherwise.
        rule = ClassRule.RAW_POSITIVE if per_iteration == 1 else ClassRule.ARGMAX_RAW
    else:
        meta = base_meta(estimator, "regressor")
        meta["single_target"] = True
        rule = ClassRule.NONE
    encoders = _encoders(estimator)
    if encoders:
        meta["encoders"] = encoders
    core = forest.build(
        input_precision=Precision.FLOAT64,
        base_score=np.asarray(estimator._baseline_prediction, dtype=np.float64).reshape(-1),
        transform=transform,
        transform_param=param,
        class_rule=rule,
        feature_names=feature_names(estimator),
        source=source_name(estimator),
    )
    return Model(core, meta)


ADAPTERS: Dict[str, Callable[[Any], Model]] = {
    "HistGradientBoostingClassifier": _hist_gradient_boosting,
    "HistGradientBoostingRegressor": _hist_gradient_boosting,
}
