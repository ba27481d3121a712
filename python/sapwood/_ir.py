"""Python mirrors of the C++ IR's enums and split flags (cpp/include/sapwood/builder.hpp),
and ForestArrays, which gathers trees and hands them to the native builder in one call."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import _core

# sapwood::split bits, one byte per node.
CATEGORICAL = 1
DEFAULT_LEFT = 2
LESS_EQUAL = 4
THRESHOLD_FLOAT32 = 8
CATEGORIES_RIGHT = 16
ZERO_IS_MISSING = 32
NAN_AS_ZERO = 64
TRUNCATE_CATEGORY = 128


class Transform(IntEnum):
    IDENTITY = 0
    SIGMOID = 1
    SOFTMAX = 2
    EXP = 3
    SIGMOID_NORMALIZE = 4
    NORMALIZE = 5
    ISOLATION_SCORE = 6
    OVR_SIGMOID = 7
    MODIFIED_HUBER = 8
    STEP = 9
    SOFTPLUS = 10
    SIGNED_SQUARE = 11


class ClassRule(IntEnum):
    NONE = 0
    ARGMAX_RAW = 1
    ARGMAX_RAW_LAST = 2
    RAW_POSITIVE = 3
    RAW_NON_NEGATIVE = 4
    ARGMAX_VALUE = 5


class Aggregation(IntEnum):
    SUM = 0
    MEAN = 1
    MEAN_AFTER_RAW = 2


class Precision(IntEnum):
    FLOAT32 = 0
    FLOAT64 = 1


class ForestArrays:
    """Collects trees as per-node arrays (tree-local child indices, -1 for leaves)."""

    def __init__(self, n_features: int, n_outputs: int, leaf_size: int = 1) -> None:
        self.n_features = int(n_features)
        self.n_outputs = int(n_outputs)
        self.leaf_size = int(leaf_size)
        self._parts: Dict[str, List[np.ndarray]] = {
            k: [] for k in ("left_child", "right_child", "feature", "threshold", "split_flags", "leaf_values")
        }
        self._sizes: List[int] = []
        self._outputs: List[int] = []
        self._node_categories: List[Optional[np.ndarray]] = []
        self._has_categories = False

    def add_tree(
        self,
        left_child: np.ndarray,
        right_child: np.ndarray,
        feature: np.ndarray,
        threshold: np.ndarray,
        split_flags: np.ndarray,
        leaf_values: np.ndarray,
        *,
        output: int = 0,
        categories: Optional[Sequence[Optional[np.ndarray]]] = None,
    ) -> None:
        n = len(left_child)
        self._parts["left_child"].append(np.asarray(left_child, dtype=np.int32))
        self._parts["right_child"].append(np.asarray(right_child, dtype=np.int32))
        self._parts["feature"].append(np.asarray(feature, dtype=np.int32))
        self._parts["threshold"].append(np.asarray(threshold, dtype=np.float64))
        self._parts["split_flags"].append(np.asarray(split_flags, dtype=np.uint8))
        values = np.asarray(leaf_values, dtype=np.float64).reshape(n, self.leaf_size)
        self._parts["leaf_values"].append(values.reshape(-1))
        self._sizes.append(n)
        self._outputs.append(int(output))
        if categories is None:
            self._node_categories.extend([None] * n)
        else:
            self._has_categories = True
            self._node_categories.extend(categories)

    def build(
        self,
        *,
        input_precision: Precision,
        accumulation: Precision = Precision.FLOAT64,
        aggregation: Aggregation = Aggregation.SUM,
        base_score: Optional[Sequence[float]] = None,
        transform: Transform = Transform.IDENTITY,
        transform_param: float = 1.0,
        class_rule: ClassRule = ClassRule.NONE,
        feature_names: Optional[Sequence[str]] = None,
        source: str = "",
    ) -> Any:
        arrays: Dict[str, Any] = {k: np.concatenate(v) for k, v in self._parts.items()}
        arrays["tree_offsets"] = np.concatenate([[0], np.cumsum(self._sizes)]).astype(np.int64)
        if self.leaf_size == 1:
            arrays["tree_outputs"] = np.asarray(self._outputs, dtype=np.int32)
        if self._has_categories:
            lists = [np.empty(0, np.int32) if c is None else np.asarray(c, np.int32) for c in self._node_categories]
            arrays["category_offsets"] = np.concatenate([[0], np.cumsum([len(c) for c in lists])]).astype(np.int64)
            arrays["categories"] = np.concatenate(lists) if lists else np.empty(0, np.int32)
        arrays.update(
            n_features=self.n_features,
            n_outputs=self.n_outputs,
            leaf_size=self.leaf_size,
            input_precision=int(input_precision),
            accumulation=int(accumulation),
            aggregation=int(aggregation),
            transform=int(transform),
            transform_param=float(transform_param),
            class_rule=int(class_rule),
            source=source,
        )
        if base_score is not None:
            arrays["base_score"] = np.asarray(base_score, dtype=np.float64).reshape(-1)
        if feature_names is not None:
            arrays["feature_names"] = [str(n) for n in feature_names]
        return _core.forest_from_arrays(arrays)


def build_linear(
    coef: np.ndarray,
    intercept: np.ndarray,
    *,
    transform: Transform = Transform.IDENTITY,
    transform_param: float = 1.0,
    class_rule: ClassRule = ClassRule.NONE,
    feature_names: Optional[Sequence[str]] = None,
    source: str = "",
) -> Any:
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    arrays: Dict[str, Any] = {
        "kind": "linear",
        "n_features": coef.shape[1],
        "n_outputs": coef.shape[0],
        "coef": coef.reshape(-1),
        "intercept": np.broadcast_to(np.asarray(intercept, dtype=np.float64), (coef.shape[0],)).copy(),
        "transform": int(transform),
        "transform_param": float(transform_param),
        "class_rule": int(class_rule),
        "source": source,
    }
    if feature_names is not None:
        arrays["feature_names"] = [str(n) for n in feature_names]
    return _core.linear_from_arrays(arrays)
