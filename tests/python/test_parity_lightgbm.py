"""Parity with LightGBM: models trained here with the installed lightgbm, loaded into sapwood
from the Booster, its text (bytes and file) and the sklearn wrappers, and compared with
LightGBM's own predict. Raw scores must be bit-identical; transformed outputs equal to float
rounding. The rules being checked are in docs/semantics.md ("LightGBM 4.7.0")."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import sapwood

lgb = pytest.importorskip("lightgbm")
pd = pytest.importorskip("pandas")

F32_1E35 = float(np.float32(1e-35))  # LightGBM's kZeroThreshold
NEAR_ZERO = [
    0.0,
    -0.0,
    1e-36,
    -1e-36,
    F32_1E35,
    -F32_1E35,
    np.nextafter(F32_1E35, 1.0),
    -np.nextafter(F32_1E35, 1.0),
    1.0000001e-35,
    -1.0000001e-35,
    1e-30,
    -1e-30,
]


def _train(params, X, y, rounds=8, **dataset):
    base = {"verbose": -1, "num_leaves": 7, "min_data_in_leaf": 5, "seed": 0, "num_threads": 1}
    base.update(params)
    return lgb.train(base, lgb.Dataset(X, y, **dataset), num_boost_round=rounds)


def _numeric(n=400, d=5, seed=0, nan=0.08):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[rng.random((n, d)) < nan] = np.nan
    return X


def _thresholds(booster):
    """Per feature, the numeric thresholds of every split."""
    found = {}
    for tree in booster.dump_model()["tree_info"]:
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" not in node:
                continue
            if node["decision_type"] == "<=":
                found.setdefault(node["split_feature"], set()).add(float(node["threshold"]))
            stack += [node["left_child"], node["right_child"]]
    return found


def _probes(booster, X, extra=()):
    """Rows of X with one feature set to each threshold, its float64 and float32 neighbours,
    NaN, ±inf, ±0 and the near-zero values, so every split is exercised at its edge."""
    values_by_feature = {}
    for feature, thresholds in _thresholds(booster).items():
        values = [
            *extra,
            np.nan,
            np.inf,
            -np.inf,
            0.0,
            -0.0,
            *NEAR_ZERO,
        ]  # a list keeps 0.0 and -0.0
        for t in sorted(thresholds):
            values += [t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf)]
            if abs(t) <= float(np.finfo(np.float32).max):
                f = np.float32(t)
                values += [
                    float(f),
                    float(np.nextafter(f, np.float32(np.inf))),
                    float(np.nextafter(f, np.float32(-np.inf))),
                ]
        values_by_feature[feature] = values
    rows = [X[:20]]
    for feature, values in values_by_feature.items():
        block = np.repeat(X[:3], len(values), axis=0)
        block[:, feature] = np.tile(values, 3)
        rows.append(block)
    return np.vstack(rows)


def _assert_same(model, booster, X, **predict_kwargs):
    expected_raw = booster.predict(X, raw_score=True, **predict_kwargs)
    ours_raw = model.predict_raw(X)
    assert ours_raw.shape == expected_raw.shape
    assert np.array_equal(ours_raw, expected_raw, equal_nan=True), np.nanmax(
        np.abs(ours_raw - expected_raw)
    )
    value = booster.predict(X, **predict_kwargs)
    ours = model.predict(X)
    assert ours.shape == value.shape
    np.testing.assert_allclose(ours, value, rtol=1e-13, atol=1e-15)


def _all_loads(booster, tmp_path, **options):
    text = booster.model_to_string()
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    return [
        sapwood.load(booster, **options),
        sapwood.load(text.encode(), **options),
        sapwood.load(path, **options),
        sapwood.load(str(path), **options),
    ]


# ------------------------------------------------------------------------------------- objectives
def _target(objective, X, rng):
    signal = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) ** 2
    if objective in ("binary",):
        return (signal > 0.3).astype(float)
    if objective in ("multiclass", "multiclassova"):
        return np.digitize(signal, [-0.5, 0.5, 1.5]).astype(float)
    if objective in ("cross_entropy", "cross_entropy_lambda"):
        return 1 / (1 + np.exp(-signal))
    if objective in ("poisson", "gamma", "tweedie"):
        return np.exp(0.5 * signal) + rng.random(len(X)) * 0.1 + 0.01
    if objective in ("lambdarank", "rank_xendcg"):
        return np.clip(np.round(signal + 1), 0, 4)
    if objective == "mape":
        return 3 + signal + rng.normal(size=len(X)) * 0.1
    return signal + rng.normal(size=len(X)) * 0.1


OBJECTIVES = [
    "regression",
    "regression_l1",
    "huber",
    "fair",
    "poisson",
    "quantile",
    "mape",
    "gamma",
    "tweedie",
    "binary",
    "multiclass",
    "multiclassova",
    "cross_entropy",
    "cross_entropy_lambda",
    "lambdarank",
    "rank_xendcg",
]


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_objectives(objective, tmp_path):
    rng = np.random.default_rng(1)
    X = _numeric(seed=1)
    y = _target(objective, X, rng)
    params = {"objective": objective}
    dataset = {}
    if objective.startswith("multiclass"):
        params["num_class"] = 4
    if objective in ("lambdarank", "rank_xendcg"):
        dataset["group"] = [40] * 10
    booster = _train(params, X, y, **dataset)
    probes = _probes(booster, X)
    for model in _all_loads(booster, tmp_path):
        _assert_same(model, booster, probes)
    assert model.source == "lightgbm.Booster"
    assert model.n_outputs == (4 if objective.startswith("multiclass") else 1)


def test_binary_sigmoid_parameter():
    X = _numeric(seed=2)
    booster = _train(
        {"objective": "binary", "sigmoid": 0.5}, X, (np.nan_to_num(X[:, 0]) > 0).astype(float)
    )
    _assert_same(sapwood.load(booster), booster, X)


@pytest.mark.parametrize("objective, both_signs", [("regression", True), ("regression_l1", True), ("quantile", False)])
def test_reg_sqrt_squares_the_output_back(objective, both_signs):
    # LightGBM fits sqrt-transformed labels and predicts Sign(x) * x * x of the raw score;
    # labels of both signs so the sign matters (quantile's default alpha=0.9 keeps its raw
    # scores positive), and the raw score stays the untransformed sum.
    X = _numeric(seed=3)
    booster = _train({"objective": objective, "reg_sqrt": True}, X, np.nan_to_num(X[:, 0]) * 3)
    assert "sqrt" in booster.model_to_string().split("objective=")[1].splitlines()[0]
    raw = booster.predict(X, raw_score=True)
    assert not np.allclose(booster.predict(X), raw)
    assert not both_signs or ((raw < 0).any() and (raw > 0).any())
    _assert_same(sapwood.load(booster), booster, X)


def test_custom_objective_gives_raw_scores():
    X = _numeric(seed=4)
    y = np.nan_to_num(X[:, 0])

    def l2(preds, data):
        return preds - data.get_label(), np.ones_like(preds)

    booster = _train({"objective": l2}, X, y)
    _assert_same(sapwood.load(booster), booster, X)


# --------------------------------------------------------------------------------------- boosting
@pytest.mark.parametrize("objective", ["regression", "binary", "multiclass"])
@pytest.mark.parametrize("boosting", ["gbdt", "dart", "rf", "goss"])
def test_boosting(boosting, objective):
    rng = np.random.default_rng(5)
    X = _numeric(seed=5)
    y = _target(objective, X, rng)
    params = {"objective": objective, "boosting": boosting}
    if objective == "multiclass":
        params["num_class"] = 4
    if boosting == "goss":
        params = {
            **params,
            "boosting": "gbdt",
            "data_sample_strategy": "goss",
            "learning_rate": 0.3,
        }
    if boosting == "rf":
        params.update(bagging_fraction=0.7, bagging_freq=1, feature_fraction=0.8)
    if boosting == "dart":
        params.update(drop_rate=0.5, skip_drop=0.0)
    rounds = 6
    booster = _train(params, X, y, rounds=rounds)
    model = sapwood.load(booster)
    # rf: LightGBM's raw_score is the plain sum of the trees and predict is transform(sum / n);
    # predict_raw must be that raw score.
    _assert_same(model, booster, _probes(booster, X))


# --------------------------------------------------------------------------- missing values, zero
def _sparse_data(n=600, seed=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[rng.random((n, 4)) < 0.4] = 0.0
    X[rng.random((n, 4)) < 0.05] = np.nan
    y = (
        np.where(X[:, 0] == 0, 2.0, X[:, 0])
        + np.where(np.isnan(X[:, 1]), -1.0, np.nan_to_num(X[:, 1]))
        + (X[:, 2] > 0)
    )
    return X, y


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"zero_as_missing": True},
        {"use_missing": False},
        {"zero_as_missing": True, "use_missing": False},
    ],
    ids=["default", "zero_as_missing", "no_missing", "zero_no_missing"],
)
def test_missing_and_zero(params):
    X, y = _sparse_data()
    booster = _train({"objective": "regression", **params}, X, y, rounds=10)
    model = sapwood.load(booster)
    probes = _probes(booster, X)
    _assert_same(model, booster, probes)
    # The near-zero flush: every near-zero value on every feature.
    block = np.repeat(X[:2], len(NEAR_ZERO), axis=0)
    for j in range(X.shape[1]):
        rows = block.copy()
        rows[:, j] = np.tile(NEAR_ZERO, 2)
        _assert_same(model, booster, rows)


def test_zero_as_missing_default_direction_matters():
    # A model where Zero-type splits send zeros away from where x <= t would: the case
    # treelite gets wrong (issue 3).
    X, y = _sparse_data(n=2000, seed=7)
    booster = _train({"objective": "regression", "zero_as_missing": True}, X, y, rounds=20)
    text = booster.model_to_string()
    assert any(
        int(t) & 4
        for line in text.splitlines()
        if line.startswith("decision_type=")
        for t in line.split("=")[1].split()
    )
    _assert_same(sapwood.load(booster), booster, np.vstack([X, _probes(booster, X)]))


# ------------------------------------------------------------------------------------ categorical
def _categorical_data(n=600, seed=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[:, 1] = rng.integers(0, 12, n)
    X[:, 2] = rng.integers(0, 40, n)
    X[rng.random(n) < 0.05, 1] = np.nan
    effect = np.array([3, -1, 0, 2, -2, 1, 4, -3, 0, 1, 2, -1, 0.0])
    y = X[:, 0] + effect[np.nan_to_num(X[:, 1], nan=12).astype(int)] + (X[:, 2] % 7 == 0)
    return X, y


CATEGORY_PROBES = [
    0.0,
    -0.0,
    -0.5,
    -0.999,
    -1.0,
    -1.5,
    0.5,
    1.0,
    1.9999,
    3.7,
    11.0,
    12.0,
    31.0,
    32.0,
    33.0,
    39.0,
    40.0,
    64.0,
    1e9,
    3e9,
    1e10,
    np.inf,
    -np.inf,
    np.nan,
    1e-36,
    -1e-36,
    F32_1E35,
]


@pytest.mark.parametrize("objective", ["regression", "binary", "multiclass"])
def test_categorical_integer_codes(objective):
    X, y = _categorical_data()
    if objective == "binary":
        y = (y > np.median(y)).astype(float)
    params = {
        "objective": objective,
        "max_cat_to_onehot": 4,
        "cat_smooth": 1,
        "min_data_per_group": 5,
    }
    if objective == "multiclass":
        y = np.digitize(y, np.quantile(y, [0.33, 0.66])).astype(float)
        params["num_class"] = 3
    booster = _train(params, X, y, rounds=10, categorical_feature=[1, 2])
    assert "num_cat=0" not in booster.model_to_string().split("Tree=0")[1].split("Tree=1")[0]
    model = sapwood.load(booster)
    rows = [X]
    for j in (1, 2):
        block = np.repeat(X[:3], len(CATEGORY_PROBES), axis=0)
        block[:, j] = np.tile(CATEGORY_PROBES, 3)
        rows.append(block)
    _assert_same(model, booster, np.vstack(rows))


def test_categorical_one_hot():
    X, y = _categorical_data()
    X[:, 1] = np.mod(np.nan_to_num(X[:, 1]), 3)
    booster = _train(
        {"objective": "regression", "max_cat_to_onehot": 8}, X, y, categorical_feature=[1]
    )
    block = np.repeat(X[:3], len(CATEGORY_PROBES), axis=0)
    block[:, 1] = np.tile(CATEGORY_PROBES, 3)
    _assert_same(sapwood.load(booster), booster, np.vstack([X, block]))


def _frame(n=500, seed=9, categories=("a", "b", "c", "d", "e")):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "color": pd.Categorical(rng.choice(list(categories), n), categories=list(categories)),
            "count": rng.integers(0, 5, n),
            "size": pd.Categorical(rng.choice([10, 20, 30], n)),
            "level": pd.Categorical(
                rng.choice(["lo", "hi"], n), categories=["lo", "hi"], ordered=True
            ),
        }
    )
    effect = {"a": 2.0, "b": -1.0, "c": 0.5, "d": 3.0, "e": -2.0}
    y = (
        frame["num"]
        + frame["color"].map(effect).astype(float)
        + (frame["size"] == 20) * 1.5
        + (frame["level"] == "hi") * 0.7
    )
    return frame, y.to_numpy()


def test_pandas_categories(tmp_path):
    frame, y = _frame()
    est = lgb.LGBMRegressor(
        n_estimators=10,
        num_leaves=7,
        min_child_samples=5,
        min_data_per_group=5,
        cat_smooth=1,
        verbose=-1,
    ).fit(frame, y)
    booster = est.booster_
    test = frame.iloc[:60].copy()
    # Unknown and missing categories, and a frame whose categories are ordered differently
    # or a subset: LightGBM re-bases them on the training categories.
    test.loc[test.index[:5], "color"] = np.nan
    reordered = test.copy()
    reordered["color"] = reordered["color"].cat.reorder_categories(["e", "d", "c", "b", "a"])
    subset = test.iloc[5:20].copy()
    subset["color"] = pd.Categorical(subset["color"].astype(str))
    unseen = test.copy()
    unseen["color"] = pd.Categorical(["zz"] * 10 + list(test["color"].astype(object)[10:]))
    for model in _all_loads(booster, tmp_path) + [sapwood.load(est)]:
        assert model.feature_names == list(frame.columns)
        for X in (test, reordered, subset, unseen):
            np.testing.assert_array_equal(model.predict_raw(X), booster.predict(X, raw_score=True))
            np.testing.assert_array_equal(model.predict(X), est.predict(X))


def test_pandas_categories_pair_with_tables_by_position(tmp_path):
    # Two category columns with different training categories; at predict time the second
    # column's categories equal the first one's table. LightGBM pairs the k-th category column
    # with the k-th table (set_categories onto it), whatever the column's own categories are.
    rng = np.random.default_rng(21)
    n = 400
    frame = pd.DataFrame({
        "first": pd.Categorical(rng.choice(["p", "q", "r"], n), categories=["p", "q", "r"]),
        "second": pd.Categorical(rng.choice(["q", "r"], n), categories=["q", "r"]),
        "x": rng.normal(size=n),
    })
    y = (frame["first"] == "q") * 2.0 + (frame["second"] == "r") * 3.0 + frame["x"]
    booster = _train({"objective": "regression", "min_data_per_group": 5, "cat_smooth": 1}, frame, y.to_numpy(),
                     rounds=10)
    test = frame.iloc[:50].copy()
    test["second"] = pd.Categorical(["p"] * 5 + list(test["second"].astype(str)[5:]), categories=["p", "q", "r"])
    loaded = _all_loads(booster, tmp_path)
    # The pairing travels in sapwood's own file and in a pickle.
    for model in loaded + [sapwood.load(loaded[0].to_bytes()), pickle.loads(pickle.dumps(loaded[0]))]:
        np.testing.assert_array_equal(model.predict_raw(test), booster.predict(test, raw_score=True))
        with pytest.raises(ValueError, match="category columns"):  # LightGBM: "... do not match."
            model.predict(test.assign(first=test["first"].astype(str).map({"p": 0.0, "q": 1.0, "r": 2.0})))
    with pytest.raises(ValueError, match="do not match"):
        booster.predict(test.assign(first=test["first"].astype(str).map({"p": 0.0, "q": 1.0, "r": 2.0})))


def test_feature_names_with_spaces_and_columns_by_position():
    # LightGBM stores "feat one" as "feat_one" and reads a DataFrame's columns by position:
    # the training frame, a frame of other names and a reordered frame all predict as
    # Booster.predict does on them.
    rng = np.random.default_rng(22)
    frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["feat one", "feat two", "x"])
    y = frame["feat one"] * 2 - frame["x"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LightGBM warns that it replaces the whitespace
        booster = _train({"objective": "regression"}, frame, y.to_numpy(), rounds=5)
    assert booster.feature_name() == ["feat_one", "feat_two", "x"]
    model = sapwood.load(booster)
    renamed = frame.set_axis(["a", "b", "c"], axis=1)
    for X in (frame, renamed, frame.rename(columns={"feat one": "feat_one"})):
        np.testing.assert_array_equal(model.predict(X), booster.predict(X))
    # By name when the names say where each column is (LightGBM would read position 0 as
    # feat_one here; sapwood takes the column named so, and says so in docs/semantics.md).
    reordered = frame[["x", "feat one", "feat two"]]
    np.testing.assert_array_equal(model.predict(reordered), booster.predict(frame))
    with pytest.raises(ValueError, match="missing feature columns"):
        model.predict(frame[["feat one", "x"]])


def test_numpy_codes_for_a_pandas_model():
    frame, y = _frame()
    booster = (
        lgb.LGBMRegressor(n_estimators=5, verbose=-1, min_child_samples=5).fit(frame, y).booster_
    )
    model = sapwood.load(booster)
    codes = np.column_stack(
        [
            frame["num"],
            frame["color"].cat.codes,
            frame["count"],
            frame["size"].cat.codes,
            frame["level"].cat.codes,
        ]
    ).astype(np.float64)
    # numpy input is taken as codes by both.
    np.testing.assert_array_equal(model.predict_raw(codes), booster.predict(codes, raw_score=True))


# ----------------------------------------------------------------------------------- linear trees
@pytest.mark.parametrize("objective", ["regression", "binary"])
def test_linear_tree(objective, tmp_path):
    rng = np.random.default_rng(10)
    X = rng.normal(size=(500, 4))
    X[rng.random((500, 4)) < 0.06] = np.nan
    y = 2 * np.nan_to_num(X[:, 0]) - np.nan_to_num(X[:, 1]) + (X[:, 2] > 0)
    if objective == "binary":
        y = (y > 0).astype(float)
    booster = _train(
        {"objective": objective, "linear_tree": True, "linear_lambda": 0.01}, X, y, rounds=6
    )
    assert "is_linear=1" in booster.model_to_string()
    probes = _probes(booster, X)
    block = np.repeat(X[:2], len(NEAR_ZERO), axis=0)
    block[:, 0] = np.tile(NEAR_ZERO, 2)
    for model in _all_loads(booster, tmp_path):
        _assert_same(model, booster, np.vstack([probes, block]))


# --------------------------------------------------------------------------- trees and iterations
def test_one_leaf_trees():
    X = _numeric(seed=11)
    booster = _train({"objective": "regression"}, X, np.full(len(X), 2.5), rounds=3)
    assert "num_leaves=1" in booster.model_to_string()
    _assert_same(sapwood.load(booster), booster, X)
    linear = _train(
        {"objective": "regression", "linear_tree": True}, X, np.full(len(X), 1.0), rounds=2
    )
    _assert_same(sapwood.load(linear), linear, X)


@pytest.mark.parametrize("objective", ["regression", "multiclass"])
def test_iterations(objective, tmp_path):
    rng = np.random.default_rng(12)
    X = _numeric(seed=12)
    y = _target(objective, X, rng)
    params = {"objective": objective, **({"num_class": 4} if objective == "multiclass" else {})}
    booster = _train(params, X, y, rounds=10)
    for start, num in [(0, 3), (2, 4), (4, None), (7, 10), (0, 0), (0, -1), (-3, 2), (0, 25)]:
        kwargs = {"start_iteration": start}
        if num is not None:
            kwargs["num_iteration"] = num
        for model in _all_loads(booster, tmp_path, **kwargs):
            _assert_same(model, booster, X, **kwargs)


def test_rf_iterations():
    X = _numeric(seed=13)
    y = (np.nan_to_num(X[:, 0]) > 0).astype(float)
    booster = _train(
        {"objective": "binary", "boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1},
        X,
        y,
        rounds=8,
    )
    model = sapwood.load(booster, start_iteration=2, num_iteration=3)
    _assert_same(model, booster, X, start_iteration=2, num_iteration=3)


def test_iterations_at_predict_time():
    # Booster.predict(start_iteration=, num_iteration=) per call, including LightGBM's edges:
    # num_iteration <= 0 means every iteration after start, None means best_iteration when
    # start_iteration is 0; predict, predict_raw and predict_leaf alike.
    X = _numeric(seed=14)
    rng = np.random.default_rng(14)
    y = (np.nan_to_num(X[:, 0]) + rng.normal(size=len(X)) > 0).astype(float)
    train, valid = lgb.Dataset(X[:300], y[:300]), lgb.Dataset(X[300:], y[300:])
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7, "learning_rate": 0.5, "seed": 0},
                        train, num_boost_round=40, valid_sets=[valid], keep_training_booster=True,
                        callbacks=[lgb.early_stopping(2, verbose=False)])
    assert 0 < booster.best_iteration < booster.num_trees()  # every tree kept, best recorded
    for model in (sapwood.load(booster), sapwood.load(pickle.loads(pickle.dumps(booster)))):
        for options in [{}, {"num_iteration": 3}, {"start_iteration": 2, "num_iteration": 4}, {"num_iteration": 0},
                        {"num_iteration": -1}, {"start_iteration": 5}, {"start_iteration": 1, "num_iteration": 10**6}]:
            assert np.array_equal(model.predict_raw(X, **options), booster.predict(X, raw_score=True, **options))
            np.testing.assert_allclose(model.predict(X, **options), booster.predict(X, **options), rtol=1e-13)
            assert np.array_equal(model.predict_leaf(X, **options), booster.predict(X, pred_leaf=True, **options))
        with pytest.raises(TypeError, match="iteration_range"):
            model.predict(X, iteration_range=(0, 2))
    wrapper = lgb.LGBMClassifier(n_estimators=40, num_leaves=7, learning_rate=0.5, verbose=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eval_set is deprecated in LightGBM 4.7 for eval_X/eval_y, absent before
        wrapper.fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])], callbacks=[lgb.early_stopping(2, verbose=False)])
    model = sapwood.load(wrapper)
    for options in [{}, {"num_iteration": 3}, {"start_iteration": 2}, {"num_iteration": -1}]:
        np.testing.assert_allclose(model.predict_proba(X, **options), wrapper.predict_proba(X, **options), rtol=1e-13)
        assert np.array_equal(model.predict(X, **options), wrapper.predict(X, **options))


def test_best_iteration_from_early_stopping():
    X = _numeric(seed=14)
    rng = np.random.default_rng(14)
    y = np.nan_to_num(X[:, 0]) + rng.normal(size=len(X))
    with warnings.catch_warnings():  # eval_set is deprecated in newer lightgbm releases
        warnings.simplefilter("ignore")
        est = lgb.LGBMRegressor(n_estimators=200, learning_rate=0.3, verbose=-1).fit(
            X[:300],
            y[:300],
            eval_set=[(X[300:], y[300:])],
            callbacks=[lgb.early_stopping(3, verbose=False)],
        )
    assert 0 < est.booster_.best_iteration < 200
    model = sapwood.load(est)
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    np.testing.assert_array_equal(sapwood.load(est.booster_).predict(X), est.booster_.predict(X))
    every = sapwood.load(est, num_iteration=-1)
    np.testing.assert_array_equal(every.predict(X), est.predict(X, num_iteration=-1))


# ---------------------------------------------------------------------------- wrappers and inputs
def test_classifier_wrapper_binary_and_labels():
    X = _numeric(seed=15)
    labels = np.where(np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0, "yes", "no")
    est = lgb.LGBMClassifier(n_estimators=10, verbose=-1, min_child_samples=5).fit(X, labels)
    model = sapwood.load(est)
    assert model.is_classifier and list(model.classes_) == ["no", "yes"]
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), est.predict_proba(X), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(model.predict_raw(X), est.predict(X, raw_score=True))


@pytest.mark.parametrize("objective", ["multiclass", "multiclassova"])
def test_classifier_wrapper_multiclass(objective):
    X = _numeric(seed=16)
    y = np.digitize(np.nan_to_num(X[:, 0]), [-0.5, 0.5]) * 10 + 3
    est = lgb.LGBMClassifier(
        objective=objective, n_estimators=8, verbose=-1, min_child_samples=5
    ).fit(X, y)
    model = sapwood.load(est)
    assert list(model.classes_) == [3, 13, 23]
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), est.predict_proba(X), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(model.predict_raw(X), est.predict(X, raw_score=True))


def test_regressor_and_ranker_wrappers():
    X = _numeric(seed=17)
    rng = np.random.default_rng(17)
    y = np.nan_to_num(X[:, 0]) + rng.normal(size=len(X)) * 0.1
    reg = lgb.LGBMRegressor(n_estimators=10, verbose=-1, min_child_samples=5).fit(X, y)
    rank = lgb.LGBMRanker(n_estimators=10, verbose=-1, min_child_samples=5).fit(
        X, np.clip(np.round(y + 1), 0, 3).astype(int), group=[40] * 10
    )
    for est in (reg, rank):
        model = sapwood.load(est)
        assert not model.is_classifier and model.source == f"lightgbm.{type(est).__name__}"
        np.testing.assert_array_equal(model.predict(X), est.predict(X))


def test_input_layouts_and_pickle():
    X = _numeric(seed=18)
    y = (np.nan_to_num(X[:, 0]) > 0).astype(float)
    booster = _train({"objective": "binary"}, X, y)
    model = sapwood.load(booster)
    expected = booster.predict(X, raw_score=True)
    X32 = X.astype(np.float32)
    np.testing.assert_array_equal(model.predict_raw(X32), booster.predict(X32, raw_score=True))
    np.testing.assert_array_equal(model.predict_raw(np.asfortranarray(X)), expected)
    np.testing.assert_array_equal(model.predict_raw(X[::-1])[::-1], expected)
    np.testing.assert_array_equal(model.predict_raw(pd.DataFrame(X)), expected)
    assert model.feature_names is None  # LightGBM's made-up Column_i names are not a schema
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_raw(X), expected)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])


def test_feature_names_select_columns():
    X = _numeric(seed=19)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d", "e"])
    booster = _train({"objective": "regression"}, frame, np.nan_to_num(X[:, 0]))
    model = sapwood.load(booster.model_to_string().encode())
    assert model.feature_names == ["a", "b", "c", "d", "e"]
    np.testing.assert_array_equal(
        model.predict(frame[["e", "d", "c", "b", "a"]]), booster.predict(frame)
    )


def test_options_are_checked():
    X = _numeric(seed=20)
    booster = _train({"objective": "regression"}, X, np.nan_to_num(X[:, 0]), rounds=3)
    with pytest.raises(TypeError, match="iteration_range"):
        sapwood.load(booster, iteration_range=(0, 1))
    with pytest.raises(ValueError, match="no iterations"):
        sapwood.load(booster, start_iteration=3)


# -------------------------------------------------------------------------------------- bad files
@pytest.fixture(scope="module")
def model_text():
    X, y = _categorical_data(n=300)
    return _train(
        {"objective": "binary", "cat_smooth": 1, "min_data_per_group": 5},
        X,
        (y > 0).astype(float),
        rounds=3,
        categorical_feature=[1],
    ).model_to_string()


def _load_text(text):
    return sapwood.load(text.encode())


def test_truncated_files_raise(model_text):
    trees_end = model_text.index("end of trees")
    for cut in sorted(
        {
            len("tree\n") + 3,
            model_text.index("Tree=0") + 3,
            model_text.index("Tree=1") - 40,
            model_text.index("leaf_value", model_text.index("Tree=2")) + 12,
            trees_end - 1,
            trees_end + 5,
        }
    ):
        with pytest.raises(sapwood.SapwoodError, match="LightGBM"):
            _load_text(model_text[:cut])


def _replace_in_tree(text, tree, key, new_value):
    start = text.index(f"Tree={tree}\n")
    line_start = text.index(f"\n{key}=", start) + 1
    line_end = text.index("\n", line_start)
    return text[:line_start] + f"{key}={new_value}" + text[line_end:]


def _field(text, tree, key):
    start = text.index(f"Tree={tree}\n")
    line_start = text.index(f"\n{key}=", start) + len(key) + 2
    return text[line_start : text.index("\n", line_start)].split(" ")


@pytest.mark.parametrize(
    "corruption, message",
    [
        (
            lambda t: _replace_in_tree(
                t, 0, "left_child", " ".join(["99"] + _field(t, 0, "left_child")[1:])
            ),
            "left_child",
        ),
        (
            lambda t: _replace_in_tree(
                t, 0, "right_child", " ".join(["-99"] + _field(t, 0, "right_child")[1:])
            ),
            "leaf",
        ),
        (
            lambda t: _replace_in_tree(
                t, 1, "split_feature", " ".join(["7"] + _field(t, 1, "split_feature")[1:])
            ),
            "feature 7",
        ),
        (
            lambda t: _replace_in_tree(
                t, 0, "leaf_value", " ".join(_field(t, 0, "leaf_value")[1:])
            ),
            "leaf_value",
        ),
        (
            lambda t: _replace_in_tree(
                t, 0, "threshold", " ".join(["abc"] + _field(t, 0, "threshold")[1:])
            ),
            "threshold",
        ),
        (
            lambda t: _replace_in_tree(t, 0, "cat_boundaries", "0 9" if "num_cat=1" in t else "0"),
            "cat_",
        ),
        (
            lambda t: _replace_in_tree(
                t, 0, "decision_type", " ".join(["14"] + _field(t, 0, "decision_type")[1:])
            ),
            "missing type",
        ),
        (lambda t: _replace_in_tree(t, 0, "num_leaves", "1000000"), "has"),
        (lambda t: t.replace("Tree=1\n", "Tree=5\n"), "Tree=1"),
        (lambda t: t.replace("max_feature_idx=2", "max_feature_idx=1"), "feature"),
        (lambda t: t.replace("num_class=1", "num_class=x"), "num_class"),
    ],
    ids=[
        "child",
        "leaf",
        "split_feature",
        "leaf_count",
        "number",
        "cat_boundaries",
        "decision_type",
        "num_leaves",
        "tree_index",
        "max_feature_idx",
        "num_class",
    ],
)
def test_corrupt_files_raise(model_text, corruption, message):
    broken = corruption(model_text)
    assert broken != model_text
    with pytest.raises(sapwood.SapwoodError, match=message):
        _load_text(broken)


def test_missing_model_type_line(model_text):
    headless = model_text.replace("tree\n", "", 1)
    with pytest.raises(sapwood.SapwoodError, match="format"):
        _load_text(headless)
    with pytest.raises(sapwood.SapwoodError, match="model type line 'tree'"):
        sapwood.load(headless.encode(), format="lightgbm-text")


def test_categorical_node_with_bad_bitset_index(model_text):
    tree = next(i for i in range(3) if _field(model_text, i, "num_cat") != ["0"])
    types = _field(model_text, tree, "decision_type")
    node = next(i for i, t in enumerate(types) if int(t) & 1)
    thresholds = _field(model_text, tree, "threshold")
    thresholds[node] = "5"
    with pytest.raises(sapwood.SapwoodError, match="bitset"):
        _load_text(_replace_in_tree(model_text, tree, "threshold", " ".join(thresholds)))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.replace("objective=binary sigmoid:1", "objective=fancy_loss"), "fancy_loss"),
        (lambda t: t.replace("version=v4", "version=v9"), "v9"),
    ],
    ids=["objective", "version"],
)
def test_unsupported_models_raise(model_text, change, message):
    with pytest.raises(sapwood.SapwoodError, match=f"unsupported.*{message}"):
        _load_text(change(model_text))


def test_crlf_and_file_without_pandas_line(model_text, tmp_path):
    X, _ = _categorical_data(n=50)
    booster = lgb.Booster(model_str=model_text)
    expected = booster.predict(X, raw_score=True)
    crlf = model_text.replace("\n", "\r\n")
    np.testing.assert_array_equal(sapwood.load(crlf.encode()).predict_raw(X), expected)
    bare = model_text[: model_text.index("pandas_categorical")]
    np.testing.assert_array_equal(sapwood.load(bare.encode()).predict_raw(X), expected)


# --------------------------------------------------------------------------- sapwood's own format
def test_native_format_round_trip():
    X, y = _categorical_data(n=400, seed=21)
    X[np.random.default_rng(21).random(400) < 0.05, 0] = np.nan
    labels = np.where(y > np.median(y), "hi", "lo")
    est = lgb.LGBMClassifier(
        n_estimators=5,
        linear_tree=True,
        verbose=-1,
        min_child_samples=5,
        cat_smooth=1,
        min_data_per_group=5,
    ).fit(X, labels, categorical_feature=[1])
    again = sapwood.load(sapwood.load(est).to_bytes())
    block = np.repeat(X[:2], len(CATEGORY_PROBES), axis=0)
    block[:, 1] = np.tile(CATEGORY_PROBES, 2)
    probes = np.vstack([X, block])
    np.testing.assert_array_equal(again.predict_raw(probes), est.predict(probes, raw_score=True))
    np.testing.assert_array_equal(again.predict(probes), est.predict(probes))


def test_native_format_keeps_pandas_categories():
    frame, y = _frame()
    est = lgb.LGBMRegressor(n_estimators=5, verbose=-1, min_child_samples=5).fit(frame, y)
    again = sapwood.load(sapwood.load(est).to_bytes())
    np.testing.assert_array_equal(again.predict(frame), est.predict(frame))
