"""Linear models and OneVsRestClassifier: margins equal scikit-learn's to float rounding
(BLAS sums in its own order), labels equal, probabilities to float rounding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import layouts, make_classification, make_regression

import sapwood

lm = pytest.importorskip("sklearn.linear_model")
svm = pytest.importorskip("sklearn.svm")
multiclass = pytest.importorskip("sklearn.multiclass")
_SKLEARN = tuple(int(part) for part in pytest.importorskip("sklearn").__version__.split(".")[:2])

RTOL = 1e-10


def _scaled(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _probe(X):
    rng = np.random.default_rng(5)
    extremes = np.vstack([np.zeros(X.shape[1]), np.full(X.shape[1], -0.0), np.full(X.shape[1], 1e6),
                          rng.normal(size=(5, X.shape[1])) * 1e3])
    return np.vstack([X, extremes])


def _assert_close(got, expected):
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-9 * max(1.0, float(np.max(np.abs(expected)))))


REGRESSORS = [
    lambda: lm.LinearRegression(),
    lambda: lm.Ridge(alpha=0.5),
    lambda: lm.Lasso(alpha=0.01),
    lambda: lm.ElasticNet(alpha=0.01, l1_ratio=0.3),
    lambda: lm.SGDRegressor(random_state=0),
    lambda: svm.LinearSVR(random_state=0, max_iter=5000),
    lambda: lm.LinearRegression(fit_intercept=False),
]


@pytest.mark.parametrize("make", REGRESSORS, ids=lambda f: type(f()).__name__ + ("-nointercept" if f().get_params().get("fit_intercept") is False else ""))
def test_linear_regressors(make):
    X, y = make_regression()
    X = _scaled(X)
    estimator = make().fit(X, y)
    model = sapwood.load(estimator)
    for _, X_layout in layouts(_probe(X)):
        expected = estimator.predict(X_layout)
        got = model.predict(X_layout)
        assert got.shape == expected.shape
        _assert_close(got, expected)


def test_multi_target_regressors():
    X, y = make_regression()
    Y = np.column_stack([y, 2 * y - X[:, 0]])
    for make in (lm.LinearRegression, lm.Ridge):
        estimator = make().fit(X, Y)
        model = sapwood.load(estimator)
        assert model.predict(X).shape == (len(X), 2)
        _assert_close(model.predict(X), estimator.predict(X))


@pytest.mark.parametrize("make,positive", [
    (lambda: lm.PoissonRegressor(alpha=0.01), "counts"),
    (lambda: lm.GammaRegressor(alpha=0.01), "positive"),
    (lambda: lm.TweedieRegressor(power=1.5, alpha=0.01), "positive"),
    (lambda: lm.TweedieRegressor(power=0.0, alpha=0.01), "any"),
], ids=["poisson", "gamma", "tweedie-1.5", "tweedie-0"])
def test_generalized_linear_models(make, positive):
    X, y = make_regression()
    X = _scaled(X)
    if positive == "counts":
        y = np.random.default_rng(0).poisson(np.exp(y / 3))
    elif positive == "positive":
        y = np.exp(y / 3)
    estimator = make().fit(X, y)
    model = sapwood.load(estimator)
    probe = _probe(X)[:-6]  # keep exp() finite
    _assert_close(model.predict(probe), estimator.predict(probe))
    _assert_close(model.predict_raw(probe), probe @ estimator.coef_ + estimator.intercept_)


CLASSIFIERS = [
    lambda: lm.LogisticRegression(max_iter=500),
    lambda: lm.LogisticRegression(solver="liblinear"),
    lambda: lm.LogisticRegressionCV(cv=3, max_iter=500),
    lambda: lm.RidgeClassifier(),
    lambda: lm.SGDClassifier(loss="log_loss", random_state=0),
    lambda: lm.SGDClassifier(loss="hinge", random_state=0),
    lambda: lm.SGDClassifier(loss="modified_huber", random_state=0),
    lambda: svm.LinearSVC(random_state=0),
]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: "-".join(
    [type(f()).__name__, *(str(f().get_params()[key]) for key in ("loss", "solver") if key in f().get_params())]))
def test_linear_classifiers(make, n_classes):
    X, y = make_classification(n_classes=n_classes)
    X = _scaled(X)
    labels = np.array(["cat", "dog", "eel"], dtype=object)[y]
    estimator = make()
    if getattr(estimator, "solver", None) == "liblinear" and n_classes > 2 and _SKLEARN >= (1, 8):
        with pytest.raises(ValueError, match="liblinear"):  # scikit-learn 1.8 refuses to fit it
            estimator.fit(X, labels)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # LogisticRegressionCV's changing defaults
        estimator.fit(X, labels)
    model = sapwood.load(estimator)
    for _, X_layout in layouts(_probe(X)):
        decision = estimator.decision_function(X_layout)
        _assert_close(model.predict_raw(X_layout), decision)
        np.testing.assert_array_equal(model.predict(X_layout), estimator.predict(X_layout))
        if hasattr(estimator, "predict_proba"):
            np.testing.assert_allclose(model.predict_proba(X_layout), estimator.predict_proba(X_layout),
                                       rtol=1e-9, atol=1e-12)
        else:
            with pytest.raises(AttributeError):
                model.predict_proba(X_layout)


def test_logistic_regression_class_weight_and_integer_labels():
    X, y = make_classification(n_classes=3)
    labels = np.array([10, 20, 5])[y]
    estimator = lm.LogisticRegression(class_weight={10: 3.0, 20: 1.0, 5: 0.5}, max_iter=1000).fit(_scaled(X), labels)
    model = sapwood.load(estimator)
    X = _scaled(X)
    np.testing.assert_array_equal(model.predict(X), estimator.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), estimator.predict_proba(X), rtol=1e-9)


@pytest.mark.parametrize("make", [
    lambda: lm.LogisticRegression(max_iter=500),
    lambda: svm.LinearSVC(random_state=0),
    lambda: lm.RidgeClassifier(),
], ids=["logistic", "linear-svc", "ridge"])
def test_one_vs_rest_over_linear_models(make):
    X, y = make_classification(n_classes=4)
    X = _scaled(X)
    estimator = multiclass.OneVsRestClassifier(make()).fit(X, y)
    model = sapwood.load(estimator)
    probe = _probe(X)
    np.testing.assert_array_equal(model.predict(probe), estimator.predict(probe))
    _assert_close(model.predict_raw(probe), estimator.decision_function(probe))
    if hasattr(estimator, "predict_proba") and hasattr(estimator.estimators_[0], "predict_proba"):
        np.testing.assert_allclose(model.predict_proba(probe), estimator.predict_proba(probe), rtol=1e-9, atol=1e-12)


def test_one_vs_rest_binary_linear():
    X, y = make_classification(n_classes=2)
    estimator = multiclass.OneVsRestClassifier(lm.LogisticRegression()).fit(_scaled(X), np.where(y == 1, "in", "out"))
    model = sapwood.load(estimator)
    X = _scaled(X)
    np.testing.assert_array_equal(model.predict(X), estimator.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), estimator.predict_proba(X), rtol=1e-12)


def test_one_vs_rest_over_forests_and_trees():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = make_classification(n_classes=3)
    for member in (RandomForestClassifier(n_estimators=7, random_state=0), DecisionTreeClassifier(max_depth=4)):
        estimator = multiclass.OneVsRestClassifier(member).fit(X, y)
        model = sapwood.load(estimator)
        np.testing.assert_array_equal(model.predict(X), estimator.predict(X))
        np.testing.assert_array_equal(model.predict_proba(X), estimator.predict_proba(X))


def test_one_vs_rest_over_unsupported_members_is_refused():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = make_classification(n_classes=3)
    estimator = multiclass.OneVsRestClassifier(KNeighborsClassifier()).fit(X, y)
    with pytest.raises(TypeError, match="KNeighborsClassifier"):
        sapwood.load(estimator)


@pytest.mark.parametrize("make", [lm.LogisticRegression, lm.Ridge, lm.LinearRegression])
def test_models_fitted_on_float32_agree_to_float32_rounding(make):
    """scikit-learn keeps float32 coefficients and computes float32 X in float32 (sgemm);
    sapwood always sums in float64, so the two agree to float32 rounding."""
    X, y = make_classification(n_classes=3)
    X = _scaled(X).astype(np.float32)
    estimator = make().fit(X, y)
    model = sapwood.load(estimator)
    expected = estimator.decision_function(X) if hasattr(estimator, "decision_function") else estimator.predict(X)
    assert expected.dtype == np.float32
    np.testing.assert_allclose(model.predict_raw(X), expected, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(model.predict_raw(X.astype(np.float64)),
                               estimator.decision_function(X.astype(np.float64)) if hasattr(estimator, "decision_function")
                               else estimator.predict(X.astype(np.float64)), rtol=1e-12, atol=1e-12)
