"""scikit-learn's OneVsRestClassifier over plain linear or tree classifiers.

OneVsRestClassifier.predict (sklearn/multiclass.py) takes the first maximum of each binary
estimator's decision_function, or of its positive-class probability when it has none;
predict_proba stacks the positive-class probabilities and divides each row by its sum
where that sum is not zero.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np

from ..._ir import Aggregation, ClassRule, ForestArrays, Precision, Transform, build_linear
from ...model import Model
from ._common import classifier_meta, feature_names, source_name
from .linear import ADAPTERS as LINEAR_ADAPTERS
from .trees import _add_tree, _class_probabilities

_TREE_CLASSIFIERS = {
    "DecisionTreeClassifier", "ExtraTreeClassifier", "RandomForestClassifier", "ExtraTreesClassifier",
}


def _trees_of(estimator: Any) -> list:
    if hasattr(estimator, "estimators_"):
        return [e.tree_ for e in estimator.estimators_]
    return [estimator.tree_]


def _linear_members(ovr: Any, members: list) -> Any:
    coef = np.vstack([np.atleast_2d(m.coef_) for m in members]).astype(np.float64)
    intercept = np.concatenate([np.atleast_1d(np.asarray(m.intercept_, dtype=np.float64)) for m in members])
    has_proba = all(hasattr(m, "predict_proba") for m in members)
    if len(members) == 1:
        transform, rule = Transform.SIGMOID, ClassRule.RAW_POSITIVE
    else:
        transform, rule = Transform.OVR_SIGMOID, ClassRule.ARGMAX_RAW
    return has_proba, build_linear(coef, intercept, transform=transform, class_rule=rule,
                                   feature_names=feature_names(ovr), source=source_name(ovr))


def _tree_members(ovr: Any, members: list) -> Any:
    if len(members) == 1:
        raise TypeError("OneVsRestClassifier over tree models with two classes is not supported; "
                        "load the tree model itself")
    forest = ForestArrays(ovr.n_features_in_, len(members))
    for k, member in enumerate(members):
        n_classes = np.atleast_1d(member.n_classes_)
        for tree in _trees_of(member):
            # The member's positive-class probability, averaged over its trees like predict_proba.
            _add_tree(forest, tree, _class_probabilities(tree, n_classes)[:, 1], output=k)
    return True, forest.build(
        input_precision=Precision.FLOAT32,
        aggregation=Aggregation.MEAN,
        transform=Transform.NORMALIZE,
        class_rule=ClassRule.ARGMAX_RAW,
        feature_names=feature_names(ovr),
        source=source_name(ovr),
    )


def _one_vs_rest(ovr: Any) -> Model:
    if ovr.label_binarizer_.y_type_ not in ("binary", "multiclass"):
        raise TypeError("multi-label OneVsRestClassifier is not supported")
    members = list(ovr.estimators_)
    names = {type(m).__name__ for m in members}
    if names <= set(LINEAR_ADAPTERS) and all(hasattr(m, "coef_") for m in members):
        has_proba, core = _linear_members(ovr, members)
    elif names <= _TREE_CLASSIFIERS:
        if any(len(np.atleast_1d(m.classes_)) != 2 for m in members):
            raise TypeError("every OneVsRestClassifier member must have seen both classes")
        has_proba, core = _tree_members(ovr, members)
    else:
        raise TypeError(
            "OneVsRestClassifier is supported over linear classifiers or tree classifiers, got "
            + ", ".join(sorted(names))
        )
    meta = classifier_meta(ovr)
    meta["has_proba"] = has_proba
    return Model(core, meta)


ADAPTERS: Dict[str, Callable[[Any], Model]] = {"OneVsRestClassifier": _one_vs_rest}
