"""Model.predict_leaf against each source's own leaf output: XGBoost and LightGBM
``predict(pred_leaf=True)`` and scikit-learn's ``apply``, on inputs with missing values and
on values exactly at the split thresholds. Also the CLI's --output-kind leaf."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sapwood
from conftest import make_classification, make_regression

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.tree import DecisionTreeRegressor  # noqa: E402


def _probe(X: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(3)
    probe = X.copy()
    probe[rng.random(probe.shape) < 0.1] = np.nan
    return np.vstack([X, probe])


@pytest.mark.parametrize("objective,classes", [("reg:squarederror", 0), ("binary:logistic", 2), ("multi:softprob", 3)])
def test_xgboost_leaves_are_its_node_ids(objective, classes):
    X, y = make_classification(n_classes=classes, nan_fraction=0.05) if classes else make_regression(nan_fraction=0.05)
    params = {"objective": objective, "max_depth": 4, "seed": 0}
    if classes > 2:
        params["num_class"] = classes
    booster = xgboost.train(params, xgboost.DMatrix(X, label=y), num_boost_round=6)
    probe = _probe(X)
    expected = booster.predict(xgboost.DMatrix(probe), pred_leaf=True)
    model = sapwood.load(booster)
    leaves = model.predict_leaf(probe)
    assert leaves.dtype == np.int32
    np.testing.assert_array_equal(leaves, expected)


@pytest.mark.parametrize("classes", [0, 3])
def test_lightgbm_leaves_are_its_leaf_indices(classes):
    X, y = make_classification(n_classes=classes, nan_fraction=0.05) if classes else make_regression(nan_fraction=0.05)
    cls = lightgbm.LGBMClassifier if classes else lightgbm.LGBMRegressor
    estimator = cls(n_estimators=8, num_leaves=9, min_child_samples=5, verbose=-1).fit(X, y)
    probe = _probe(X)
    expected = estimator.predict(probe, pred_leaf=True)
    leaves = sapwood.load(estimator).predict_leaf(probe)
    np.testing.assert_array_equal(leaves, expected)
    # The same numbering when the model comes from its text file, without lightgbm's objects.
    from_text = sapwood.load(estimator.booster_.model_to_string().encode())
    np.testing.assert_array_equal(from_text.predict_leaf(probe), expected)


def test_lightgbm_categorical_leaves():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"c": pd.Categorical(rng.integers(0, 12, 400)), "x": rng.normal(size=400)})
    y = (frame["c"].cat.codes % 3) + frame["x"]
    estimator = lightgbm.LGBMRegressor(n_estimators=5, num_leaves=7, min_child_samples=5, verbose=-1).fit(frame, y)
    np.testing.assert_array_equal(sapwood.load(estimator).predict_leaf(frame), estimator.predict(frame, pred_leaf=True))


@pytest.mark.parametrize("make", [
    lambda: DecisionTreeRegressor(max_depth=6, random_state=0),
    lambda: ExtraTreesRegressor(n_estimators=5, max_depth=6, random_state=0),
    lambda: RandomForestClassifier(n_estimators=5, max_depth=6, random_state=0),
])
def test_sklearn_leaves_are_apply(make):
    X, y = make_classification(n_classes=3)
    estimator = make().fit(X, y)
    probe = X.astype(np.float32)
    expected = estimator.apply(probe)
    leaves = sapwood.load(estimator).predict_leaf(probe)
    np.testing.assert_array_equal(leaves, expected.reshape(len(probe), -1))


def test_sklearn_gradient_boosting_apply_is_stage_major():
    X, y = make_classification(n_classes=3)
    estimator = GradientBoostingClassifier(n_estimators=4, max_depth=3, random_state=0).fit(X, y)
    leaves = sapwood.load(estimator).predict_leaf(X)
    np.testing.assert_array_equal(leaves.reshape(len(X), -1, 3), estimator.apply(X.astype(np.float32)))


def test_leaves_of_a_linear_model_are_refused():
    from sklearn.linear_model import LinearRegression

    X, y = make_regression()
    with pytest.raises(ValueError, match="need a tree model"):
        sapwood.load(LinearRegression().fit(X, y)).predict_leaf(X)


def test_cli_writes_leaf_columns(tmp_path):
    from sapwood.cli import main

    X, y = make_regression(n_rows=200)
    booster = xgboost.train({"max_depth": 3}, xgboost.DMatrix(X, label=y), num_boost_round=4)
    booster.save_model(str(tmp_path / "model.json"))
    np.save(tmp_path / "x.npy", X)
    assert main(["predict", str(tmp_path / "model.json"), str(tmp_path / "x.npy"), "-o", str(tmp_path / "out.csv"),
                 "--output-kind", "leaf", "--quiet"]) == 0
    written = pd.read_csv(tmp_path / "out.csv")
    assert list(written.columns) == [f"leaf_{t}" for t in range(4)]
    np.testing.assert_array_equal(written.to_numpy(), booster.predict(xgboost.DMatrix(X), pred_leaf=True))
