"""What every scikit-learn adapter needs: names, feature names, class labels."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np


def source_name(estimator: Any) -> str:
    public_module = ".".join(p for p in type(estimator).__module__.split(".") if not p.startswith("_"))
    return f"{public_module}.{type(estimator).__name__}"


def feature_names(estimator: Any) -> Optional[List[str]]:
    names = getattr(estimator, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def base_meta(estimator: Any, task: str) -> Dict[str, Any]:
    return {"source": source_name(estimator), "task": task, "feature_names": feature_names(estimator)}


def classifier_meta(estimator: Any) -> Dict[str, Any]:
    """Class labels; multi-output classifiers get a list of label arrays and output groups."""
    meta = base_meta(estimator, "classifier")
    classes = estimator.classes_
    if isinstance(classes, list):
        meta["classes"] = [np.asarray(c) for c in classes]
        meta["output_groups"] = [len(c) for c in classes]
    else:
        meta["classes"] = np.asarray(classes)
    return meta


def link_transform(link: Any) -> "tuple":
    """The (Transform, parameter) that applies a scikit-learn loss link's inverse."""
    from ..._ir import Transform

    name = type(link).__name__
    table = {
        "IdentityLink": (Transform.IDENTITY, 1.0),
        "LogLink": (Transform.EXP, 1.0),
        "LogitLink": (Transform.SIGMOID, 1.0),
        "HalfLogitLink": (Transform.SIGMOID, 2.0),  # expit(2 x), the exponential loss
        "MultinomialLogit": (Transform.SOFTMAX, 1.0),
    }
    if name not in table:
        raise TypeError(f"sapwood does not support scikit-learn's link function {name}")
    return table[name]
