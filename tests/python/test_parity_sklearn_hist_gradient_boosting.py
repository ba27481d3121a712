"""HistGradientBoosting: NaN handling, native categorical features and every loss.
Margins are bit-identical; linked outputs (expit, softmax, exp) agree to float rounding."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import layouts, make_classification, make_regression, probe_matrix

import sapwood

ensemble = pytest.importorskip("sklearn.ensemble")
pd = pytest.importorskip("pandas")


def _numeric_probe(estimator, X, with_nan=True):
    features, thresholds = [], []
    for iteration in estimator._predictors:
        for predictor in iteration:
            nodes = predictor.nodes
            split = (nodes["is_leaf"] == 0) & (nodes["is_categorical"] == 0)
            features.extend(nodes["feature_idx"][split].tolist())
            thresholds.extend(nodes["num_threshold"][split].tolist())
    return probe_matrix(X, features, thresholds, with_nan=with_nan)


def _assert_same(model, estimator, X):
    raw = estimator._raw_predict(X)
    np.testing.assert_array_equal(model.predict_raw(X), raw[:, 0] if raw.shape[1] == 1 else raw)
    if hasattr(estimator, "classes_"):
        np.testing.assert_array_equal(model.predict(X), estimator.predict(X))
        np.testing.assert_allclose(model.predict_proba(X), estimator.predict_proba(X), rtol=1e-13, atol=1e-300)
        np.testing.assert_array_equal(model.predict_raw(X), estimator.decision_function(X))
    else:
        np.testing.assert_allclose(model.predict(X), estimator.predict(X), rtol=1e-13)


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "quantile", "poisson", "gamma"])
def test_regressor_every_loss_with_nan(loss):
    X, y = make_regression(nan_fraction=0.05)
    if loss in ("poisson", "gamma"):
        y = np.exp(y / 2)
    params = {"quantile": 0.8} if loss == "quantile" else {}
    estimator = ensemble.HistGradientBoostingRegressor(loss=loss, max_iter=30, random_state=0, **params).fit(X, y)
    model = sapwood.load(estimator)
    probe = _numeric_probe(estimator, X)
    for _, X_layout in layouts(probe):
        _assert_same(model, estimator, X_layout)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_classifier_with_nan_string_labels_and_class_weight(n_classes):
    X, y = make_classification(n_classes=n_classes, nan_fraction=0.05)
    labels = np.array(["north", "east", "south", "west"], dtype=object)[y]
    estimator = ensemble.HistGradientBoostingClassifier(
        max_iter=25, class_weight="balanced", random_state=0
    ).fit(X, labels)
    model = sapwood.load(estimator)
    probe = _numeric_probe(estimator, X)
    for _, X_layout in layouts(probe):
        _assert_same(model, estimator, X_layout)
    assert list(model.classes_) == list(estimator.classes_)


def _categorical_frame(n_rows=400, seed=0):
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue", "cyan", "magenta"], size=n_rows)
    size = rng.choice(["S", "M", "L"], size=n_rows)
    x = rng.normal(size=n_rows)
    z = rng.normal(size=n_rows)
    effect = {"red": 2.0, "green": -1.0, "blue": 0.5, "cyan": 0.0, "magenta": -2.0}
    y = np.array([effect[c] for c in colour]) + (size == "L") + x + 0.1 * rng.normal(size=n_rows)
    frame = pd.DataFrame({
        "x": x,
        "colour": pd.Categorical(colour),
        "z": z,
        "size": pd.Categorical(size),
    })
    frame.loc[rng.random(n_rows) < 0.05, "colour"] = np.nan
    frame.loc[rng.random(n_rows) < 0.05, "x"] = np.nan
    return frame, y


def _with_unknowns(frame):
    probe = frame.copy()
    colour = probe["colour"].astype(object)
    colour.iloc[:5] = "ultraviolet"  # never seen in training
    colour.iloc[5:8] = np.nan
    probe["colour"] = pd.Categorical(colour)
    return probe


def test_native_categorical_features_from_pandas_categories():
    frame, y = _categorical_frame()
    estimator = ensemble.HistGradientBoostingRegressor(
        categorical_features="from_dtype", max_iter=30, random_state=0
    ).fit(frame, y)
    model = sapwood.load(estimator)
    probe = _with_unknowns(frame)
    np.testing.assert_array_equal(model.predict(probe), estimator.predict(probe))
    # Columns are matched by name, so another order gives the same answer.
    reordered = probe[["size", "z", "colour", "x"]]
    np.testing.assert_array_equal(model.predict(reordered), estimator.predict(probe))
    assert model.feature_names == ["x", "colour", "z", "size"]
    # The same values in object columns (not category dtype) are matched value by value.
    as_objects = probe.astype({"colour": object, "size": object})
    np.testing.assert_array_equal(model.predict(as_objects), estimator.predict(as_objects))


def test_native_categorical_classifier_with_missing_direction_both_ways():
    frame, y = _categorical_frame(seed=1)
    labels = (y > np.median(y)).astype(int)
    estimator = ensemble.HistGradientBoostingClassifier(
        categorical_features="from_dtype", max_iter=40, random_state=0
    ).fit(frame, labels)
    model = sapwood.load(estimator)
    probe = _with_unknowns(frame)
    np.testing.assert_array_equal(model.predict_raw(probe), estimator.decision_function(probe))
    np.testing.assert_array_equal(model.predict(probe), estimator.predict(probe))


def test_categorical_features_by_index_on_numpy_codes():
    rng = np.random.default_rng(2)
    n = 500
    codes = rng.integers(0, 12, size=n).astype(np.float64)
    X = np.column_stack([rng.normal(size=n), codes, rng.normal(size=n)])
    y = np.sin(codes) + X[:, 0]
    estimator = ensemble.HistGradientBoostingRegressor(categorical_features=[1], max_iter=30, random_state=0).fit(X, y)
    model = sapwood.load(estimator)
    probe = X[:60].copy()
    probe[:10, 1] = [-1.0, 12.0, 3.5, np.nan, 255.0, 0.0, -0.0, 11.0, 1e9, 2.0000001]
    for _, X_layout in layouts(probe):
        np.testing.assert_array_equal(model.predict(X_layout), estimator.predict(X_layout))
