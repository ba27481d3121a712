"""Tree models of scikit-learn: sapwood makes the same split decisions, so probabilities,
regression values and margins are bit-identical and labels equal."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import layouts, make_classification, make_regression, probe_matrix, sklearn_tree_thresholds

import sapwood

sk_tree = pytest.importorskip("sklearn.tree")
sk_ensemble = pytest.importorskip("sklearn.ensemble")


def _trees(estimator):
    if hasattr(estimator, "tree_"):
        return [estimator.tree_]
    estimators = np.asarray(estimator.estimators_, dtype=object).ravel()
    return [e.tree_ for e in estimators]


def _probe(estimator, X, with_nan):
    features, thresholds = sklearn_tree_thresholds(_trees(estimator))
    return probe_matrix(X, features, thresholds, with_nan=with_nan)


def _assert_same(model, estimator, X):
    """Margins and averaged tree probabilities bit for bit; probabilities computed by a link
    (expit, softmax) to float rounding, since numpy's exp may round differently from libm's."""
    linked = hasattr(estimator, "decision_function")
    if hasattr(estimator, "predict_proba"):
        expected = estimator.predict_proba(X)
        got = model.predict_proba(X)
        if isinstance(expected, list):
            assert len(got) == len(expected)
            for g, e in zip(got, expected):
                np.testing.assert_array_equal(g, e)
        elif linked:
            np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-300)
        else:
            np.testing.assert_array_equal(got, expected)
    if hasattr(estimator, "decision_function"):
        np.testing.assert_array_equal(model.predict_raw(X), estimator.decision_function(X))
    np.testing.assert_array_equal(model.predict(X), estimator.predict(X))


# Trees and forests; NaN is fitted (so both branches learn a direction) where supported.
TREE_CASES = [
    ("DecisionTreeRegressor", lambda: sk_tree.DecisionTreeRegressor(max_depth=8, random_state=0), "reg"),
    ("DecisionTreeClassifier", lambda: sk_tree.DecisionTreeClassifier(max_depth=8, random_state=0), "clf"),
    # Impure leaves: probabilities are fractions whose sums and averages round.
    ("DecisionTreeClassifier-shallow", lambda: sk_tree.DecisionTreeClassifier(max_depth=4, random_state=0), "clf"),
    ("ExtraTreeRegressor", lambda: sk_tree.ExtraTreeRegressor(max_depth=8, random_state=0), "reg"),
    ("ExtraTreeClassifier", lambda: sk_tree.ExtraTreeClassifier(max_depth=8, random_state=0), "clf"),
    ("RandomForestRegressor", lambda: sk_ensemble.RandomForestRegressor(n_estimators=15, max_depth=10, random_state=0), "reg"),
    ("RandomForestClassifier", lambda: sk_ensemble.RandomForestClassifier(n_estimators=15, random_state=0), "clf"),
    ("RandomForestClassifier-shallow", lambda: sk_ensemble.RandomForestClassifier(n_estimators=40, max_depth=5, random_state=0), "clf"),
    ("ExtraTreesRegressor", lambda: sk_ensemble.ExtraTreesRegressor(n_estimators=15, random_state=0), "reg"),
    ("ExtraTreesClassifier", lambda: sk_ensemble.ExtraTreesClassifier(n_estimators=15, min_samples_leaf=5, random_state=0), "clf"),
]


@pytest.mark.parametrize("name,make,kind", TREE_CASES, ids=[c[0] for c in TREE_CASES])
@pytest.mark.parametrize("with_nan", [False, True], ids=["finite", "nan"])
def test_tree_models_match(name, make, kind, with_nan):
    fraction = 0.05 if with_nan else 0.0
    X, y = (make_regression if kind == "reg" else make_classification)(nan_fraction=fraction)
    estimator = make().fit(X, y)
    model = sapwood.load(estimator)
    probe = _probe(estimator, X, with_nan)
    for _, X_layout in layouts(probe):
        _assert_same(model, estimator, X_layout)


@pytest.mark.parametrize(
    "make",
    [
        lambda: sk_ensemble.RandomForestClassifier(n_estimators=8, random_state=1),
        lambda: sk_tree.DecisionTreeClassifier(max_depth=6, random_state=1),
        lambda: sk_ensemble.ExtraTreesClassifier(n_estimators=8, random_state=1),
    ],
    ids=["forest", "tree", "extra-trees"],
)
def test_multi_output_classifiers_with_string_labels(make):
    X, y = make_classification(n_classes=3)
    _, y2 = make_classification(n_classes=2, seed=3)
    names = np.array(["low", "mid", "high"], dtype=object)
    Y = np.column_stack([names[y], np.where(y2 == 1, "yes", "no")])
    estimator = make().fit(X, Y)
    model = sapwood.load(estimator)
    probe = _probe(estimator, X, with_nan=False)
    _assert_same(model, estimator, probe)
    assert [list(c) for c in model.classes_] == [list(c) for c in estimator.classes_]


@pytest.mark.parametrize(
    "make",
    [
        lambda: sk_ensemble.RandomForestRegressor(n_estimators=8, random_state=2),
        lambda: sk_tree.DecisionTreeRegressor(random_state=2),
        lambda: sk_ensemble.ExtraTreesRegressor(n_estimators=8, random_state=2),
    ],
    ids=["forest", "tree", "extra-trees"],
)
def test_multi_output_regressors(make):
    X, y = make_regression()
    Y = np.column_stack([y, X[:, 3] ** 2, -y])
    estimator = make().fit(X, Y)
    model = sapwood.load(estimator)
    probe = _probe(estimator, X, with_nan=False)
    got = model.predict(probe)
    assert got.shape == (len(probe), 3)
    np.testing.assert_array_equal(got, estimator.predict(probe))


def test_non_contiguous_labels_and_class_weights():
    X, y = make_classification(n_classes=3)
    labels = np.array([-7, 3, 1000])[y]
    estimator = sk_ensemble.RandomForestClassifier(
        n_estimators=10, class_weight={-7: 5.0, 3: 1.0, 1000: 0.2}, random_state=0
    ).fit(X, labels)
    model = sapwood.load(estimator)
    probe = _probe(estimator, X, with_nan=False)
    _assert_same(model, estimator, probe)
    assert model.predict(probe).dtype == estimator.predict(probe).dtype


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning")
def test_single_column_2d_target_keeps_its_shape():
    X, y = make_regression()
    estimator = sk_ensemble.RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y.reshape(-1, 1))
    model = sapwood.load(estimator)
    expected = estimator.predict(X)
    assert model.predict(X).shape == expected.shape
    np.testing.assert_array_equal(model.predict(X), expected)


GB_REGRESSOR_LOSSES = ["squared_error", "absolute_error", "huber", "quantile"]


@pytest.mark.parametrize("loss", GB_REGRESSOR_LOSSES)
def test_gradient_boosting_regressor_every_loss(loss):
    X, y = make_regression()
    estimator = sk_ensemble.GradientBoostingRegressor(loss=loss, n_estimators=30, max_depth=4, random_state=0).fit(X, y)
    model = sapwood.load(estimator)
    probe = _probe(estimator, X, with_nan=False)
    for _, X_layout in layouts(probe):
        np.testing.assert_array_equal(model.predict(X_layout), estimator.predict(X_layout))
        np.testing.assert_array_equal(model.predict_raw(X_layout), estimator._raw_predict(np.ascontiguousarray(X_layout, dtype=np.float32)).ravel())


@pytest.mark.parametrize("loss,n_classes", [("log_loss", 2), ("log_loss", 3), ("exponential", 2)])
def test_gradient_boosting_classifier_every_loss(loss, n_classes):
    X, y = make_classification(n_classes=n_classes)
    labels = np.array(["a", "b", "c"], dtype=object)[y]
    estimator = sk_ensemble.GradientBoostingClassifier(loss=loss, n_estimators=25, random_state=0).fit(X, labels)
    model = sapwood.load(estimator)
    probe = _probe(estimator, X, with_nan=False)
    for _, X_layout in layouts(probe):
        _assert_same(model, estimator, X_layout)


def test_gradient_boosting_zero_init_and_subsample():
    X, y = make_regression()
    estimator = sk_ensemble.GradientBoostingRegressor(init="zero", subsample=0.7, n_estimators=20, random_state=0).fit(X, y)
    model = sapwood.load(estimator)
    np.testing.assert_array_equal(model.predict(X), estimator.predict(X))


def test_gradient_boosting_with_nan_goes_right_like_predict_stages():
    X, y = make_regression()
    estimator = sk_ensemble.GradientBoostingRegressor(n_estimators=10, random_state=0).fit(X, y)
    model = sapwood.load(estimator)
    probe = _probe(estimator, X, with_nan=True)
    if estimator.__sklearn_tags__().input_tags.allow_nan:
        np.testing.assert_array_equal(model.predict(probe), estimator.predict(probe))
    else:
        with pytest.raises(ValueError):
            estimator.predict(probe)
        # sklearn refuses NaN here; sapwood answers, sending NaN right as predict_stages would.
        assert np.isfinite(model.predict(probe)).all()


def test_gradient_boosting_with_estimator_init_is_refused():
    from sklearn.linear_model import LinearRegression

    X, y = make_regression()
    estimator = sk_ensemble.GradientBoostingRegressor(init=LinearRegression(), n_estimators=5).fit(X, y)
    with pytest.raises(TypeError, match="init=LinearRegression"):
        sapwood.load(estimator)


@pytest.mark.parametrize("max_features", [1.0, 0.5])
@pytest.mark.parametrize("with_nan", [False, True], ids=["finite", "nan"])
def test_isolation_forest(max_features, with_nan):
    X, _ = make_regression(nan_fraction=0.05 if with_nan else 0.0)
    estimator = sk_ensemble.IsolationForest(n_estimators=30, max_features=max_features, random_state=0).fit(X)
    model = sapwood.load(estimator)
    trees = [e.tree_ for e in estimator.estimators_]
    features, thresholds = sklearn_tree_thresholds(trees, estimator.estimators_features_)
    probe = probe_matrix(X, features, thresholds, with_nan=with_nan)
    for _, X_layout in layouts(probe):
        np.testing.assert_allclose(model.score_samples(X_layout), estimator.score_samples(X_layout), rtol=1e-14, atol=0)
        np.testing.assert_allclose(model.decision_function(X_layout), estimator.decision_function(X_layout),
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(model.predict(X_layout), estimator.predict(X_layout))
        # predict_raw is decision_function, as for every estimator that has one.
        np.testing.assert_array_equal(model.predict_raw(X_layout), model.decision_function(X_layout))
        # The summed path lengths are exact: the score differs at most by pow's rounding.
        expected_depths = -np.log2(-estimator.score_samples(X_layout)) * model._core.arrays()["transform_param"]
        np.testing.assert_allclose(model.path_length_sum(X_layout), expected_depths, rtol=1e-12)
