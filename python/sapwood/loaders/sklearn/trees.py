"""scikit-learn's Tree-based estimators: single trees, random forests, extra trees,
GradientBoosting and IsolationForest.

All of them read X as float32 and compare ``float32(x) <= threshold`` in float64
(sklearn/tree/_tree.pyx, Tree._apply_dense), NaN following ``missing_go_to_left``;
GradientBoosting's own predict_stages (sklearn/ensemble/_gradient_boosting.pyx) has no
missing-value branch, so NaN fails ``<=`` and goes right there.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Dict, Optional

import numpy as np

from ... import _ir
from ..._ir import Aggregation, ClassRule, ForestArrays, Precision, Transform
from ...model import Model
from ._common import base_meta, classifier_meta, feature_names, link_transform, source_name


def _add_tree(
    forest: ForestArrays,
    tree: Any,
    leaf_values: np.ndarray,
    *,
    output: int = 0,
    missing_left: bool = True,
    feature_map: Optional[np.ndarray] = None,
) -> None:
    left = tree.children_left
    is_leaf = left == -1
    feature = np.where(is_leaf, 0, tree.feature)
    if feature_map is not None:
        feature = np.where(is_leaf, 0, feature_map[feature])
    flags = np.full(len(left), _ir.LESS_EQUAL, dtype=np.uint8)
    if missing_left:
        flags |= np.asarray(tree.missing_go_to_left, dtype=np.uint8) * np.uint8(_ir.DEFAULT_LEFT)
    forest.add_tree(
        left,
        tree.children_right,
        feature,
        np.where(is_leaf, 0.0, tree.threshold),
        flags,
        leaf_values,
        output=output,
    )


@functools.lru_cache(maxsize=None)
def _predict_proba_normalizes() -> bool:
    """Whether this scikit-learn's DecisionTreeClassifier.predict_proba divides tree_.value
    by its row sums. Recent releases store proportions and return them as they are; older
    ones stored weighted counts and normalised. Read from the installed source, so each
    version is matched as it computes."""
    from sklearn.tree import DecisionTreeClassifier

    try:
        return "normalizer" in inspect.getsource(DecisionTreeClassifier.predict_proba)
    except (OSError, TypeError):  # no source shipped: releases without it normalised
        return True


def _class_probabilities(tree: Any, n_classes: np.ndarray) -> np.ndarray:
    """Per-node class probabilities exactly as DecisionTreeClassifier.predict_proba computes
    them, outputs side by side."""
    parts = []
    for k, n in enumerate(n_classes):
        proba = tree.value[:, k, :n].copy()
        if _predict_proba_normalizes():
            normalizer = proba.sum(axis=1)[:, np.newaxis]
            normalizer[normalizer == 0.0] = 1.0
            proba /= normalizer
        parts.append(proba)
    return np.hstack(parts)


def _tree_ensemble(estimator: Any, trees: list, aggregation: Aggregation) -> Model:
    classifier = hasattr(estimator, "classes_")
    if classifier:
        meta = classifier_meta(estimator)
        n_classes = np.atleast_1d(estimator.n_classes_)
        width = int(n_classes.sum())
        values = lambda t: _class_probabilities(t, n_classes)  # noqa: E731
        multi = "output_groups" in meta
        class_rule = ClassRule.NONE if multi else ClassRule.ARGMAX_RAW
    else:
        meta = base_meta(estimator, "regressor")
        width = int(estimator.n_outputs_)
        values = lambda t: t.value[:, :, 0]  # noqa: E731
        meta["single_target"] = width == 1
        class_rule = ClassRule.NONE
    forest = ForestArrays(estimator.n_features_in_, width, leaf_size=width)
    for tree in trees:
        _add_tree(forest, tree, values(tree))
    core = forest.build(
        input_precision=Precision.FLOAT32,
        aggregation=aggregation,
        class_rule=class_rule,
        feature_names=feature_names(estimator),
        source=source_name(estimator),
    )
    return Model(core, meta)


def _single_tree(estimator: Any) -> Model:
    return _tree_ensemble(estimator, [estimator.tree_], Aggregation.SUM)


def _forest(estimator: Any) -> Model:
    return _tree_ensemble(estimator, [e.tree_ for e in estimator.estimators_], Aggregation.MEAN)


def _gradient_boosting(estimator: Any) -> Model:
    if estimator.init_ != "zero" and type(estimator.init_).__name__ not in ("DummyRegressor", "DummyClassifier"):
        raise TypeError(
            f"{type(estimator).__name__} with init={type(estimator.init_).__name__} is not supported: "
            "its initial prediction depends on X; use the default init"
        )
    n_stages, per_stage = estimator.estimators_.shape
    n_features = estimator.n_features_in_
    # The initial margin is constant for these inits: ask scikit-learn for it.
    base = estimator._raw_predict_init(np.zeros((1, n_features), dtype=np.float32))[0]
    forest = ForestArrays(n_features, per_stage)
    for stage in range(n_stages):
        for k in range(per_stage):
            tree = estimator.estimators_[stage, k].tree_
            # predict_stages adds learning_rate * value in float64; the product is the same here.
            leaf = estimator.learning_rate * tree.value[:, 0, 0]
            _add_tree(forest, tree, leaf, output=k, missing_left=False)
    if hasattr(estimator, "classes_"):
        meta = classifier_meta(estimator)
        # log-loss maps margins with expit(x) or softmax, the exponential loss with expit(2 x).
        transform, param = link_transform(estimator._loss.link)
        rule = ClassRule.RAW_NON_NEGATIVE if per_stage == 1 else ClassRule.ARGMAX_RAW
    else:
        meta = base_meta(estimator, "regressor")
        meta["single_target"] = True
        transform, param, rule = Transform.IDENTITY, 1.0, ClassRule.NONE
    core = forest.build(
        input_precision=Precision.FLOAT32,
        base_score=base,
        transform=transform,
        transform_param=param,
        class_rule=rule,
        feature_names=feature_names(estimator),
        source=source_name(estimator),
    )
    return Model(core, meta)


def _isolation_forest(estimator: Any) -> Model:
    from sklearn.ensemble._iforest import _average_path_length

    forest = ForestArrays(estimator.n_features_in_, 1)
    for t, (tree_estimator, features) in enumerate(zip(estimator.estimators_, estimator.estimators_features_)):
        # The same float64 expression _parallel_compute_tree_depths adds per tree.
        leaf = (
            estimator._decision_path_lengths[t]
            + estimator._average_path_length_per_tree[t]
            - 1.0
        )
        feature_map = np.asarray(features, dtype=np.int64)
        _add_tree(forest, tree_estimator.tree_, leaf, feature_map=feature_map)
    denominator = len(estimator.estimators_) * _average_path_length([estimator._max_samples])[0]
    core = forest.build(
        input_precision=Precision.FLOAT32,
        transform=Transform.ISOLATION_SCORE,
        transform_param=float(denominator),
        feature_names=feature_names(estimator),
        source=source_name(estimator),
    )
    meta = base_meta(estimator, "anomaly")
    meta["offset"] = float(estimator.offset_)
    return Model(core, meta)


ADAPTERS: Dict[str, Callable[[Any], Model]] = {
    "DecisionTreeClassifier": _single_tree,
    "DecisionTreeRegressor": _single_tree,
    "ExtraTreeClassifier": _single_tree,
    "ExtraTreeRegressor": _single_tree,
    "RandomForestClassifier": _forest,
    "RandomForestRegressor": _forest,
    "ExtraTreesClassifier": _forest,
    "ExtraTreesRegressor": _forest,
    "GradientBoostingClassifier": _gradient_boosting,
    "GradientBoostingRegressor": _gradient_boosting,
    "IsolationForest": _isolation_forest,
}
