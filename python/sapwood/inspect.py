"""What a model is made of, for `sapwood inspect` and for people: kind, source, objective,
outputs, trees, depth histogram, and how often each feature is split on."""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List

import numpy as np

from .model import Model


def _tree_depths(arrays: Dict[str, Any]) -> List[int]:
    offsets = np.asarray(arrays["tree_offsets"])
    left, right = np.asarray(arrays["left_child"]), np.asarray(arrays["right_child"])
    depths = []
    for t in range(len(offsets) - 1):
        base = int(offsets[t])
        deepest, frontier, level = 0, [0], 0
        while frontier:
            deepest = level
            children = []
            for node in frontier:
                if left[base + node] != -1:
                    children += [int(left[base + node]), int(right[base + node])]
            frontier, level = children, level + 1
        depths.append(deepest)
    return depths


def describe(model: Model) -> Dict[str, Any]:
    arrays = model._core.arrays()
    info = model._core.info()
    names = model.feature_names or [f"x{j}" for j in range(model.n_features)]
    report: Dict[str, Any] = {
        "kind": arrays["kind"],
        "source": info["source"] or None,
        "objective": info["objective"] or None,
        "n_features": model.n_features,
        "n_outputs": model.n_outputs,
        "classes": _labels(model.classes_) if model.is_classifier else None,
        "transform": _enum_name("Transform", int(arrays["transform"])),
    }
    if arrays["kind"] == "forest":
        summary = model.summary()
        internal = np.asarray(arrays["left_child"]) != -1
        used = Counter(np.asarray(arrays["feature"])[internal].tolist())
        report.update(
            n_trees=summary["n_trees"],
            n_nodes=summary["n_nodes"],
            n_leaves=summary["n_leaves"],
            max_depth=summary["max_depth"],
            depth_histogram={str(d): n for d, n in sorted(Counter(_tree_depths(arrays)).items())},
            features_used={names[f]: n for f, n in sorted(used.items(), key=lambda item: (-item[1], item[0]))},
        )
    else:
        coef = np.asarray(arrays["coef"]).reshape(model.n_outputs, model.n_features)
        report["features_used"] = {names[j]: int(np.count_nonzero(coef[:, j])) for j in range(model.n_features) if coef[:, j].any()}
    return report


def _enum_name(enum: str, value: int) -> str:
    from . import _ir

    try:
        return getattr(_ir, enum)(value).name.lower()
    except ValueError:
        return str(value)


def format_report(report: Dict[str, Any]) -> str:
    lines = [f"{key:<16}{value}" for key, value in report.items()
             if key not in ("depth_histogram", "features_used") and value is not None]
    if "depth_histogram" in report:
        lines.append("trees by depth:")
        lines += [f"  depth {d:>3}: {n}" for d, n in report["depth_histogram"].items()]
    used = list(report["features_used"].items())
    lines.append(f"features used:  {len(used)} of {report['n_features']}")
    lines += [f"  {name}: {count}" for name, count in used[:20]]
    if len(used) > 20:
        lines.append(f"  ... and {len(used) - 20} more")
    return "\n".join(lines)


def _labels(classes: Any) -> Any:
    """Class labels as JSON has them: numbers stay numbers (int64 labels are ints), strings
    strings; a multi-output classifier gives a list per output."""
    if isinstance(classes, list):
        return [_labels(part) for part in classes]
    values = np.asarray(classes)
    if values.dtype.kind == "b":
        return [bool(v) for v in values.ravel()]
    if values.dtype.kind in "iu":
        return [int(v) for v in values.ravel()]
    if values.dtype.kind == "f":
        return [float(v) for v in values.ravel()]
    return [v.item() if isinstance(v, np.generic) else (v if isinstance(v, (str, int, float, bool)) else str(v))
            for v in values.ravel()]
