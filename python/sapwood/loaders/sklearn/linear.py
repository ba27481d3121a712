"""scikit-learn's linear models: regressors, GLMs and linear classifiers.

scikit-learn computes ``X @ coef_.T + intercept_`` in float64 (BLAS, so its summation order
is its own) and then the link: LinearClassifierMixin.predict takes ``scores > 0`` for one
column and argmax otherwise; probabilities come from expit (binary), softmax (multinomial
LogisticRegression) or expit normalised over classes (one-vs-rest, _predict_proba_lr).
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np

from ..._ir import ClassRule, Transform, build_linear
from ...model import Model
from ._common import base_meta, classifier_meta, feature_names, link_transform, source_name


def _intercept(estimator: Any, n_outputs: int) -> np.ndarray:
    intercept = np.asarray(getattr(estimator, "intercept_", 0.0), dtype=np.float64)
    return np.broadcast_to(intercept.reshape(-1) if intercept.ndim else intercept, (n_outputs,))


def _regressor(estimator: Any) -> Model:
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    coef2d = np.atleast_2d(coef)
    transform, param = (Transform.IDENTITY, 1.0)
    if hasattr(estimator, "_base_loss"):  # GLMs: Poisson, Gamma, Tweedie
        transform, param = link_transform(estimator._base_loss.link)
    core = build_linear(
        coef2d,
        _intercept(estimator, coef2d.shape[0]),
        transform=transform,
        transform_param=param,
        feature_names=feature_names(estimator),
        source=source_name(estimator),
    )
    meta = base_meta(estimator, "regressor")
    meta["single_target"] = coef.ndim == 1
    return Model(core, meta)


def _sklearn_version() -> "tuple":
    import sklearn

    return tuple(int(part) for part in sklearn.__version__.split(".")[:2] if part.isdigit())


def _logistic_proba(estimator: Any, n_classes: int) -> "tuple":
    """(transform, param) of LogisticRegression(CV).predict_proba in the installed scikit-learn.

    From 1.8 (``multi_class`` removed): expit for two classes, softmax otherwise. Before,
    one-vs-rest (expit normalised over classes, _predict_proba_lr) when ``multi_class`` is
    "ovr", or is "auto"/"deprecated" with two classes or the liblinear solver (newton-cholesky
    too up to 1.5), else softmax, which for two classes is softmax([-d, d]), i.e. expit(2d).
    """
    binary = n_classes <= 2
    version = _sklearn_version()
    if version >= (1, 8):
        return (Transform.SIGMOID, 1.0) if binary else (Transform.SOFTMAX, 1.0)
    multi_class = getattr(estimator, "multi_class", "auto")
    ovr_solvers = ("liblinear", "newton-cholesky") if version <= (1, 5) else ("liblinear",)
    ovr = multi_class in ("ovr", "warn") or (
        multi_class in ("auto", "deprecated") and (binary or getattr(estimator, "solver", "") in ovr_solvers)
    )
    if ovr:
        return (Transform.SIGMOID, 1.0) if binary else (Transform.SIGMOID_NORMALIZE, 1.0)
    return (Transform.SIGMOID, 2.0) if binary else (Transform.SOFTMAX, 1.0)


def _proba_transform(estimator: Any, n_classes: int) -> "tuple":
    """(has_proba, transform, param) for a linear classifier, as its predict_proba computes."""
    name = type(estimator).__name__
    if name in ("LogisticRegression", "LogisticRegressionCV"):  # the CV one inherits predict_proba
        return (True, *_logistic_proba(estimator, n_classes))
    if name == "SGDClassifier" and estimator.loss == "log_loss":
        return True, Transform.SIGMOID if n_classes <= 2 else Transform.SIGMOID_NORMALIZE, 1.0
    if name == "SGDClassifier" and estimator.loss == "modified_huber":
        return True, Transform.MODIFIED_HUBER, 1.0
    # Hinge-type losses have no probabilities.
    return False, Transform.IDENTITY, 1.0


def _classifier(estimator: Any) -> Model:
    classes = np.asarray(estimator.classes_)
    if classes.ndim != 1:
        raise TypeError(f"multi-label {type(estimator).__name__} is not supported")
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    has_proba, transform, param = _proba_transform(estimator, len(classes))
    rule = ClassRule.RAW_POSITIVE if coef.shape[0] == 1 else ClassRule.ARGMAX_RAW
    core = build_linear(
        coef,
        _intercept(estimator, coef.shape[0]),
        transform=transform,
        transform_param=param,
        class_rule=rule,
        feature_names=feature_names(estimator),
        source=source_name(estimator),
    )
    meta = classifier_meta(estimator)
    meta["has_proba"] = has_proba
    return Model(core, meta)


ADAPTERS: Dict[str, Callable[[Any], Model]] = {
    **{
        name: _regressor
        for name in (
            "LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV",
            "SGDRegressor", "LinearSVR", "PoissonRegressor", "GammaRegressor", "TweedieRegressor",
        )
    },
    **{
        name: _classifier
        for name in ("LogisticRegression", "LogisticRegressionCV", "RidgeClassifier", "RidgeClassifierCV",
                     "SGDClassifier", "LinearSVC")
    },
}
