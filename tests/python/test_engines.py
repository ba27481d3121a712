"""Which engine runs each model family sapwood loads, and that it answers as the source does.

Every tree family is compiled whole (no tree left to the reference walk, which is the oracle in
tests and serves no model a user loads): categorical splits of LightGBM, XGBoost and
HistGradientBoosting, LightGBM's zero_as_missing and linear_tree included. For the families
that used to take the reference walk, the margins are checked against the source library under
every level and traversal, on a table with category columns, NaN, exact zeros and category
values the training never saw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sapwood
from sapwood import _core

LEVELS = [level for level in sapwood.runtime_info()["isa_supported"] if level != "scalar"]


@pytest.fixture(autouse=True)
def _restore_engine():
    yield
    _core._set_isa("")
    _core._set_traversal("")


def _table(n_rows: int, seed: int, unseen: bool = False):
    """Numeric columns with NaN and exact zeros, and category columns of 5, 40 and 70 levels
    (more than 64 categorical nodes a column in the boosted models below)."""
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n_rows, 4))
    numeric[rng.random(numeric.shape) < 0.15] = 0.0
    numeric[rng.random(numeric.shape) < 0.08] = np.nan
    frame = pd.DataFrame(numeric, columns=["a", "b", "c", "d"])
    levels = (5, 40, 70)
    codes = [rng.integers(0, k + (3 if unseen else 0), n_rows) for k in levels]
    effect = sum(np.random.default_rng(j).normal(size=k + 3)[c] for j, (k, c) in enumerate(zip(levels, codes)))
    for j, (k, c) in enumerate(zip(levels, codes)):
        names = [f"v{i}" for i in range(k + 3)]  # with unseen: the last three never trained on
        values = np.array(names, dtype=object)[c]
        values[rng.random(n_rows) < 0.07] = None
        frame[f"cat{j}"] = pd.Categorical(values, categories=names if unseen else names[:k])
    y = np.nan_to_num(numeric[:, 0]) + (numeric[:, 1] == 0) + effect + 0.2 * rng.normal(size=n_rows)
    return frame, y


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """The table as LightGBM and XGBoost read an array: category columns as their codes."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            codes = out[column].cat.codes.to_numpy().astype(np.float64)
            out[column] = np.where(codes < 0, np.nan, codes)
    return out.to_numpy(np.float64)


def _lightgbm(params, categorical: bool):
    import lightgbm as lgb

    frame, y = _table(1500, 0)
    train = frame if categorical else _codes(frame)
    booster = lgb.train({"num_leaves": 31, "min_data_in_leaf": 5, "verbose": -1, "seed": 0, "num_threads": 1,
                         "objective": "regression", **params}, lgb.Dataset(train, y), num_boost_round=40)
    probe, _ = _table(400, 1)
    probe = probe if categorical else _codes(probe)
    return booster, probe, lambda X: booster.predict(X, raw_score=True)


def _xgboost():
    import xgboost as xgb

    frame, y = _table(1500, 0)
    booster = xgb.train({"max_depth": 5, "tree_method": "hist", "seed": 0, "nthread": 1, "max_cat_to_onehot": 4},
                        xgb.DMatrix(frame, y, enable_categorical=True), num_boost_round=40)
    probe, _ = _table(400, 1)
    return booster, probe, lambda X: booster.inplace_predict(X, predict_type="margin")


def _hist_gradient_boosting():
    from sklearn.ensemble import HistGradientBoostingRegressor

    frame, y = _table(1500, 0)
    estimator = HistGradientBoostingRegressor(max_iter=40, categorical_features="from_dtype", random_state=0)
    estimator.fit(frame, y)
    probe, _ = _table(400, 1)
    return estimator, probe, estimator.predict


FAMILIES = {
    "lightgbm categorical": (lambda: _lightgbm({}, True), True),
    "lightgbm zero_as_missing": (lambda: _lightgbm({"zero_as_missing": True}, False), False),
    "lightgbm linear_tree": (lambda: _lightgbm({"linear_tree": True}, False), False),
    "lightgbm linear_tree categorical": (lambda: _lightgbm({"linear_tree": True}, True), True),
    "xgboost categorical": (_xgboost, True),
    "histgradientboosting categorical": (_hist_gradient_boosting, True),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_tree_is_compiled_and_matches_the_source_on_every_level(family):
    build, categorical = FAMILIES[family]
    source, X, source_margin = build()
    model = sapwood.load(source)
    engine = model.summary()["engine"]
    assert engine["compiled"] and engine["reference_trees"] == 0
    assert (engine["categorical_trees"] > 0) == categorical
    expected = np.asarray(source_margin(X), dtype=np.float64)
    for level in LEVELS:
        _core._set_isa(level)
        for traversal in ("walk", "quickscorer", "auto"):
            _core._set_traversal(traversal)
            for rows in (slice(None), slice(0, 1), slice(3, 10), slice(0, 129)):
                got = model.predict_raw(X[rows] if isinstance(X, np.ndarray) else X.iloc[rows])
                np.testing.assert_array_equal(got, expected[rows], err_msg=f"{family}: {level} {traversal}")


def test_unseen_categories_go_where_the_source_sends_them():
    import lightgbm as lgb

    frame, y = _table(1500, 0)
    booster = lgb.train({"num_leaves": 31, "verbose": -1, "seed": 0, "num_threads": 1}, lgb.Dataset(_codes(frame), y,
                        categorical_feature=[4, 5, 6]), num_boost_round=30)
    probe = _codes(_table(400, 1, unseen=True)[0])
    probe[::7, 4] = -1.0        # negative codes
    probe[1::7, 5] = 2.5        # fractions truncate
    probe[2::7, 6] = 1e12       # far past every category
    probe[3::7, 4] = -0.5       # LightGBM reads (-1, 0) as category 0
    model = sapwood.load(booster)
    assert model.summary()["engine"]["categorical_trees"] > 0
    expected = booster.predict(probe, raw_score=True)
    for level in LEVELS:
        _core._set_isa(level)
        for traversal in ("walk", "quickscorer"):
            _core._set_traversal(traversal)
            np.testing.assert_array_equal(model.predict_raw(probe), expected, err_msg=f"{level} {traversal}")


def _numeric(n_rows: int = 600):
    frame, y = _table(n_rows, 0)
    return np.nan_to_num(_codes(frame)), y


def _sklearn(make, classify: bool = False):
    X, y = _numeric()
    return make().fit(X, (y > np.median(y)).astype(int) if classify else y)


def _xgboost_numeric(**params):
    import xgboost as xgb

    X, y = _numeric()
    return xgb.train({"max_depth": 4, "nthread": 1, "seed": 0, **params}, xgb.DMatrix(X, y), num_boost_round=10)


def _lightgbm_numeric(**params):
    import lightgbm as lgb

    X, y = _numeric()
    return lgb.train({"num_leaves": 15, "verbose": -1, "seed": 0, "num_threads": 1, **params}, lgb.Dataset(X, y),
                     num_boost_round=10)


def _ensemble(name: str, **params):
    from sklearn import ensemble, tree

    module = ensemble if hasattr(ensemble, name) else tree
    return getattr(module, name)(random_state=0, **params)


ENGINES = {
    # family: (build, whether its QuickScorer form exists: every tree at most 64 leaves)
    "random forest (deep trees: walks only)": (lambda: _sklearn_forest(), False),
    "decision tree": (lambda: _sklearn(lambda: _ensemble("DecisionTreeRegressor", max_depth=4)), True),
    "extra trees": (lambda: _sklearn(lambda: _ensemble("ExtraTreesRegressor", n_estimators=5, max_depth=5)), True),
    "gradient boosting": (lambda: _sklearn(lambda: _ensemble("GradientBoostingClassifier", n_estimators=10),
                                           classify=True), True),
    "histgradientboosting numeric": (lambda: _sklearn(lambda: _ensemble("HistGradientBoostingRegressor",
                                                                         max_iter=10)), True),
    "isolation forest (deep trees: walks only)": (lambda: _sklearn(lambda: _ensemble("IsolationForest",
                                                                                      n_estimators=10)), False),
    "xgboost gbtree": (lambda: _xgboost_numeric(), True),
    "xgboost dart": (lambda: _xgboost_numeric(booster="dart", rate_drop=0.2), True),
    "xgboost multi-output trees": (lambda: _xgboost_multi_output(), True),
    "lightgbm gbdt": (lambda: _lightgbm_numeric(), True),
    "lightgbm rf": (lambda: _lightgbm_numeric(boosting="rf", bagging_freq=1, bagging_fraction=0.7), True),
    "lightgbm categorical": (lambda: _lightgbm({}, True)[0], True),
    "lightgbm zero_as_missing": (lambda: _lightgbm({"zero_as_missing": True}, False)[0], True),
    "lightgbm linear_tree (finds the leaf, then runs its linear model)": (
        lambda: _lightgbm({"linear_tree": True}, False)[0], True),
    "xgboost categorical": (lambda: _xgboost()[0], True),
    "histgradientboosting categorical": (lambda: _hist_gradient_boosting()[0], True),
}


def _xgboost_multi_output():
    import xgboost as xgb

    X, y = _numeric()
    Y = np.column_stack([y, -y])
    return xgb.train({"max_depth": 3, "nthread": 1, "tree_method": "hist", "multi_strategy": "multi_output_tree"},
                     xgb.DMatrix(X, Y), num_boost_round=5)


def _sklearn_forest():
    from sklearn.ensemble import RandomForestRegressor

    frame, y = _table(1500, 0)
    return RandomForestRegressor(n_estimators=5, random_state=0).fit(np.nan_to_num(_codes(frame)), y)


@pytest.mark.parametrize("family", list(ENGINES))
def test_the_engine_each_family_runs_on(family):
    build, quickscorer = ENGINES[family]
    model = sapwood.load(build())
    engine = model.summary()["engine"]
    assert engine["compiled"] and engine["reference_trees"] == 0
    assert engine["quickscorer_form"] == quickscorer
    # The engine compile/forest_engine.cpp picks for a batch and for a row alone: the cost
    # estimates decide between the two compiled engines (the choice varies with the level's
    # lanes), a forest without the QuickScorer form walks, and the overrides narrow the list.
    for key in ("batch", "single_row"):
        assert engine[key] in (("walk", "quickscorer") if quickscorer else ("walk",))
    _core._set_traversal("walk")
    assert {model.summary()["engine"][key] for key in ("batch", "single_row")} == {"walk"}
    _core._set_traversal("quickscorer")
    assert {model.summary()["engine"][key] for key in ("batch", "single_row")} == {
        "quickscorer" if quickscorer else "walk"}
    _core._set_traversal("")
    _core._set_isa("scalar")
    assert {model.summary()["engine"][key] for key in ("batch", "single_row")} == {"reference"}
