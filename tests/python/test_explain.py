"""sapwood.explain.partial_dependence equals scikit-learn's brute-force partial dependence and
ICE curves, computed with set_features and without touching X."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from threadpoolctl import threadpool_limits
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.inspection import partial_dependence as sklearn_partial_dependence
from sklearn.linear_model import LogisticRegression

import sapwood
from sapwood.explain import partial_dependence

RNG = np.random.default_rng(11)
X = RNG.normal(size=(400, 4))
X[::13, 2] = np.nan
Y = X[:, 0] ** 2 + np.nan_to_num(X[:, 2]) + 0.1 * RNG.normal(size=400)
GRID = np.array([-2.0, -0.5, 0.0, 0.25, 1.5])

ESTIMATORS = {
    "forest_regressor": lambda: RandomForestRegressor(n_estimators=15, random_state=0).fit(X, Y),
    "hist_binary_classifier": lambda: HistGradientBoostingClassifier(max_iter=20).fit(X, Y > 1),
    "hist_multiclass": lambda: HistGradientBoostingClassifier(max_iter=10).fit(X, np.digitize(Y, [0.5, 1.5])),
    "logistic": lambda: LogisticRegression().fit(np.nan_to_num(X), Y > 1),
}


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    # HistGradientBoosting's OpenMP threads spin badly on a busy 2-core machine; these models
    # are small, one thread is plenty.
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@lru_cache(maxsize=None)
def _fitted(name: str):
    return ESTIMATORS[name]()


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("feature", [0, 2])
def test_equals_sklearn_brute_force(name: str, feature: int) -> None:
    estimator = _fitted(name)
    data = np.nan_to_num(X) if name == "logistic" else X
    before = data.copy()
    model = sapwood.load(estimator)
    expected = sklearn_partial_dependence(estimator, data, [feature], custom_values={feature: GRID}, kind="both", method="brute")
    average = partial_dependence(model, data, feature, GRID, n_threads=1)
    individual = partial_dependence(model, data, feature, GRID, kind="individual", n_threads=1)
    # scikit-learn: (n_outputs, n_grid) and (n_outputs, n_rows, n_grid); sapwood puts outputs last.
    if average.ndim == 1:
        np.testing.assert_allclose(average, expected["average"][0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(individual, expected["individual"][0], rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(average, expected["average"].T, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(individual, np.moveaxis(expected["individual"], 0, -1), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(data, before)


def test_int_grid_is_sklearns_percentile_grid() -> None:
    estimator = _fitted("forest_regressor")
    expected = sklearn_partial_dependence(estimator, X, [0], grid_resolution=20, method="brute")
    got = partial_dependence(sapwood.load(estimator), X, 0, 20)
    np.testing.assert_allclose(got, expected["average"][0], rtol=1e-12)


def test_named_features_and_other_responses() -> None:
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    booster = xgb.XGBRegressor(n_estimators=10, max_depth=3).fit(frame, Y)
    model = sapwood.load(booster)
    by_name = partial_dependence(model, frame, "c", GRID)
    by_position = partial_dependence(model, frame, 2, GRID)
    np.testing.assert_array_equal(by_name, by_position)
    manual = [booster.predict(frame.assign(c=v)).mean() for v in GRID]
    np.testing.assert_allclose(by_name, manual, rtol=1e-6)
    classifier = sapwood.load(_fitted("hist_binary_classifier"))
    raw = partial_dependence(classifier, X, 0, GRID, kind="individual", response_method="predict_raw")
    assert raw.shape == (400, GRID.size)


def test_bad_arguments() -> None:
    model = sapwood.load(_fitted("forest_regressor"))
    with pytest.raises(IndexError, match="out of range"):
        partial_dependence(model, X, 9, GRID)
    with pytest.raises(KeyError, match="no feature named"):
        partial_dependence(model, X, "a", GRID)
    with pytest.raises(ValueError, match="kind"):
        partial_dependence(model, X, 0, GRID, kind="both")
    with pytest.raises(AttributeError, match="not a classifier"):
        partial_dependence(model, X, 0, GRID, response_method="predict_proba")
