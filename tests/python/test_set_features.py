"""Model.predict(X, set_features={...}) equals predicting on a copy of X with those columns
overwritten, for every model kind and output, without modifying X."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import sapwood

RNG = np.random.default_rng(5)
X = RNG.normal(size=(500, 4))
X[::11, 1] = np.nan
Y = (X[:, 0] + np.nan_to_num(X[:, 1]) > 0).astype(int)


def _overwritten(X: np.ndarray, values: dict) -> np.ndarray:
    copy = X.copy()
    for column, value in values.items():
        copy[:, column] = value
    return copy


MODELS = {
    "random_forest": lambda: RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0).fit(X, Y),
    "hist_gradient_boosting": lambda: HistGradientBoostingRegressor(max_iter=20).fit(X, X[:, 0] * 2),
    "logistic": lambda: LogisticRegression().fit(np.nan_to_num(X), Y),
    "xgboost": lambda: xgb.XGBClassifier(n_estimators=10, max_depth=3).fit(X, Y),
}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("values", [{0: 0.25}, {1: np.nan, 3: -1.5}, {2: 1e30}])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_set_features_equals_overwritten_input(name: str, values: dict, dtype) -> None:
    source = MODELS[name]()
    model = sapwood.load(source)
    data = (np.nan_to_num(X) if name == "logistic" else X).astype(dtype)
    before = data.copy()
    expected = _overwritten(data, values)
    assert np.array_equal(model.predict_raw(data, set_features=values), model.predict_raw(expected), equal_nan=True)
    assert np.array_equal(model.predict(data, set_features=values), model.predict(expected), equal_nan=True)
    assert np.array_equal(data, before, equal_nan=True)  # X itself is never touched
    # Against the source on the overwritten copy: labels exactly, values to its rounding
    # (scikit-learn's linear models refuse NaN input, so there is nothing to compare with).
    got = model.predict(data, set_features=values)
    if name == "logistic" and np.isnan(expected).any():
        with pytest.raises(ValueError, match="NaN"):
            source.predict(expected)
    elif model.is_classifier:
        assert np.array_equal(got, source.predict(expected))
    else:
        np.testing.assert_allclose(got, source.predict(expected), rtol=1e-12, atol=1e-12)
    if model.is_classifier:
        proba = model.predict_proba(data, set_features=values)
        assert np.array_equal(proba, model.predict_proba(expected), equal_nan=True)
        # Against the source itself: to its rounding (XGBoost's are float32 probabilities).
        if not np.isnan(proba).any():
            np.testing.assert_allclose(proba, source.predict_proba(expected), rtol=2e-6, atol=1e-7)


def test_names_select_columns_and_bad_keys_are_refused() -> None:
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(frame, Y)
    model = sapwood.load(rf)
    expected = frame.assign(c=0.5)
    assert np.array_equal(model.predict_proba(frame, set_features={"c": 0.5}), rf.predict_proba(expected))
    with pytest.raises(KeyError, match="no feature named 'zz'"):
        model.predict(frame, set_features={"zz": 1.0})
    with pytest.raises(IndexError, match="out of range"):
        model.predict(frame, set_features={7: 1.0})
    with pytest.raises(TypeError, match="positions or names"):
        model.predict(frame, set_features={1.5: 1.0})
