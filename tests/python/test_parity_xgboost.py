"""Parity with XGBoost: models trained here with the installed xgboost, loaded into sapwood from
the live object, its bytes and its files, and compared with xgboost's own predictions.

Margins (``predict_raw`` vs ``output_margin=True``) must be bit-identical: XGBoost sums float32
leaves from a float32 base margin and sapwood reproduces that sum. Transformed outputs agree to
float32 rounding, because XGBoost computes its sigmoid/softmax/exp in float32 and sapwood in
float64 (docs/semantics.md, "XGBoost 3.2.0").
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import sapwood
from conftest import layouts, make_regression, probe_matrix

xgb = pytest.importorskip("xgboost")
pd = pytest.importorskip("pandas")

ROUNDS = 6
RTOL, ATOL = 2e-6, 1e-7  # float32 transforms vs float64 ones


# ------------------------------------------------------------------ helpers


def _document(booster):
    return json.loads(booster.save_raw("json"))


def _trees(document):
    booster = document["learner"]["gradient_booster"]
    model = booster["gbtree"]["model"] if booster["name"] == "dart" else booster["model"]
    return model["trees"]


def _numeric_splits(booster):
    features, thresholds = [], []
    for tree in _trees(_document(booster)):
        types = tree.get("split_type", [0] * len(tree["left_children"]))
        for node, left in enumerate(tree["left_children"]):
            if left != -1 and types[node] == 0:
                features.append(tree["split_indices"][node])
                thresholds.append(tree["split_conditions"][node])
    return features, thresholds


def _probes(booster, X):
    features, thresholds = _numeric_splits(booster)
    return probe_matrix(X, features, thresholds, with_nan=True)


def _assert_parity(booster, model, X, **predict_kwargs):
    """Margins bit for bit, values to float32 rounding, shapes as Booster.predict."""
    dmatrix = xgb.DMatrix(X)
    margin = booster.predict(dmatrix, output_margin=True, **predict_kwargs)
    ours_margin = model.predict_raw(X)
    assert ours_margin.shape == margin.shape
    assert np.array_equal(ours_margin, margin.astype(np.float64))
    value = booster.predict(dmatrix, **predict_kwargs)
    ours = model.predict(X)
    assert ours.shape == value.shape
    np.testing.assert_allclose(ours, value, rtol=RTOL, atol=ATOL)


def _data(n_rows=300, n_features=5, seed=0, nan_fraction=0.05):
    X, _ = make_regression(n_rows, n_features, seed)
    z = (X[:, 0] + 0.5 * np.sin(X[:, 2]) + 0.1 * np.random.default_rng(seed).normal(size=n_rows))
    if nan_fraction:
        X[np.random.default_rng(seed + 1).random(X.shape) < nan_fraction] = np.nan
    return X, z


def _classes(z, n_classes):
    return np.digitize(z, np.quantile(z, np.linspace(0, 1, n_classes + 1)[1:-1]))


def _train(params, X, label, rounds=ROUNDS, group=None, bounds=None):
    dtrain = xgb.DMatrix(X, label)
    if group is not None:
        dtrain.set_group(group)
    if bounds is not None:
        dtrain.set_float_info("label_lower_bound", bounds[0])
        dtrain.set_float_info("label_upper_bound", bounds[1])
    return xgb.train({"max_depth": 3, "nthread": 1, "verbosity": 0, **params}, dtrain, rounds)


def _objective_case(objective, X, z):
    """(params, label, extra train kwargs) for one objective."""
    binary = (z > 0.3).astype(float)
    positive = np.exp(z - z.max() + 2)
    if objective in ("multi:softmax", "multi:softprob"):
        return {"num_class": 3}, _classes(z, 3).astype(float), {}
    if objective == "reg:quantileerror":
        return {"quantile_alpha": [0.1, 0.5, 0.9]}, z, {}
    if objective in ("binary:logistic", "binary:logitraw", "binary:hinge"):
        return {}, binary, {}
    if objective == "reg:logistic":
        return {}, 1 / (1 + np.exp(-z)), {}
    if objective in ("count:poisson",):
        return {}, np.round(positive * 3), {}
    if objective in ("reg:gamma", "reg:tweedie", "reg:squaredlogerror"):
        return {}, positive, {}
    if objective == "survival:cox":
        return {}, np.where(binary > 0, 1, -1) * (positive + 1), {}
    if objective == "survival:aft":
        upper = np.where(z > 0, positive, np.inf)
        return {}, positive, {"bounds": (positive, upper)}
    if objective.startswith("rank:"):
        relevance = (_classes(z, 4) if objective != "rank:map" else binary).astype(float)
        return {}, relevance, {"group": [100, 100, 100]}
    return {}, z, {}


OBJECTIVES = [
    "reg:squarederror", "reg:squaredlogerror", "reg:logistic", "reg:pseudohubererror",
    "reg:absoluteerror", "reg:quantileerror", "binary:logistic", "binary:logitraw",
    "binary:hinge", "multi:softmax", "multi:softprob", "count:poisson", "reg:gamma",
    "reg:tweedie", "survival:cox", "survival:aft", "rank:pairwise", "rank:ndcg", "rank:map",
]


# ------------------------------------------------------------------ objectives and boosters


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_objective(objective, data):
    X, z = data
    params, label, extra = _objective_case(objective, X, z)
    booster = _train({"objective": objective, **params}, X, label, **extra)
    model = sapwood.load(booster)
    assert model.n_features == X.shape[1]
    _assert_parity(booster, model, _probes(booster, X))


@pytest.mark.parametrize(
    "objective, base_score",
    [
        ("binary:logistic", 0.3),
        ("reg:logistic", 0.8),
        ("binary:logitraw", 0.3),
        ("binary:hinge", 0.3),
        ("count:poisson", 2.5),
        ("reg:gamma", 0.7),
        ("survival:cox", 3.0),
        ("reg:squarederror", -1.5),
        ("multi:softprob", [0.2, -0.3, 0.5]),
        ("reg:quantileerror", [0.5, -1.0, 2.0]),
    ],
)
def test_given_base_score(objective, base_score, data):
    """base_score is stored in the objective's output space; its margin is computed in float32."""
    X, z = data
    params, label, extra = _objective_case(objective, X, z)
    booster = _train({"objective": objective, "base_score": base_score, **params}, X, label, rounds=2, **extra)
    _assert_parity(booster, sapwood.load(booster), _probes(booster, X))


def test_dart_weights_fold_into_leaves(data):
    X, z = data
    booster = _train({"booster": "dart", "rate_drop": 0.5, "skip_drop": 0.0, "seed": 1}, X, z, rounds=10)
    weights = _document(booster)["learner"]["gradient_booster"]["weight_drop"]
    assert len(set(weights)) > 1, "the fixture must exercise tree weights other than 1"
    _assert_parity(booster, sapwood.load(booster), _probes(booster, X))


@pytest.mark.parametrize("objective", ["reg:squarederror", "binary:logistic", "multi:softprob"])
def test_gblinear(objective, data):
    """gblinear sums in float32 and skips missing values; sapwood matches it bit for bit."""
    X, z = data
    params, label, _ = _objective_case(objective, X, z)
    booster = _train({"booster": "gblinear", "objective": objective, **params}, X, label, rounds=4)
    model = sapwood.load(booster)
    X_nan = X.copy()
    X_nan[::7, 1] = np.nan
    _assert_parity(booster, model, X_nan)
    with pytest.raises(ValueError, match="iterations"):
        sapwood.load(booster, iteration_range=(0, 2))


@pytest.mark.parametrize("objective", ["reg:squarederror", "multi:softprob"])
def test_multi_output_tree(objective, data):
    X, z = data
    if objective == "multi:softprob":
        params, label = {"num_class": 3}, _classes(z, 3).astype(float)
    else:
        params, label = {}, np.c_[z, np.sin(z), -z]
    booster = _train({"objective": objective, "multi_strategy": "multi_output_tree", "tree_method": "hist",
                      **params}, X, label)
    assert int(_trees(_document(booster))[0]["tree_param"]["size_leaf_vector"]) == 3
    model = sapwood.load(booster)
    assert model.n_outputs == 3
    _assert_parity(booster, model, _probes(booster, X))
    _assert_parity(booster, sapwood.load(booster, iteration_range=(1, 4)), X, iteration_range=(1, 4))


def test_num_parallel_tree_iteration_range(data):
    X, z = data
    booster = _train({"objective": "multi:softprob", "num_class": 3, "num_parallel_tree": 2,
                      "subsample": 0.7}, X, _classes(z, 3).astype(float), rounds=5)
    for begin, end in [(0, 5), (1, 3), (2, 5), (4, 5), (0, 1)]:
        model = sapwood.load(booster, iteration_range=(begin, end))
        _assert_parity(booster, model, X, iteration_range=(begin, end))
    _assert_parity(booster, sapwood.load(booster, iteration_range=(2, 0)), X, iteration_range=(2, 0))
    with pytest.raises(ValueError):
        sapwood.load(booster, iteration_range=(0, 6))


def test_missing_and_special_values(data):
    X, z = data
    booster = _train({}, X, z)
    model = sapwood.load(booster)
    special = np.tile(X[:8], (6, 1))
    for i, value in enumerate([np.nan, 0.0, -0.0, 1e30, -1e30, 3.0e38]):
        special[i * 8:(i + 1) * 8, i % X.shape[1]] = value
    _assert_parity(booster, model, special)
    _assert_parity(booster, model, np.full((3, X.shape[1]), np.nan))


# ------------------------------------------------------------------ categorical


@pytest.fixture(scope="module")
def categorical_frame():
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame({
        "x": rng.normal(size=n),
        "colour": pd.Categorical(rng.choice(["red", "green", "blue", "cyan", "pink", "gold"], n),
                                 categories=["red", "green", "blue", "cyan", "pink", "gold"]),
        "size": pd.Categorical(rng.choice([100, 5, 7, 3, 11], n), categories=[100, 5, 7, 3, 11]),
        "y": rng.normal(size=n),
    })
    frame.loc[rng.random(n) < 0.05, "colour"] = np.nan
    target = (frame.x + frame.colour.isin(["green", "pink"]) * 2.0 + (frame["size"] == 7) * 1.5
              - frame.colour.isin(["gold"]) + 0.1 * rng.normal(size=n))
    return frame, target.to_numpy()


@pytest.mark.parametrize("max_cat_to_onehot", [1, 64])  # partition-based and one-hot splits
def test_categorical(categorical_frame, max_cat_to_onehot):
    frame, target = categorical_frame
    booster = xgb.train({"max_depth": 4, "max_cat_to_onehot": max_cat_to_onehot, "nthread": 1},
                        xgb.DMatrix(frame, target, enable_categorical=True), ROUNDS)
    assert any(t["categories_nodes"] for t in _trees(_document(booster)))
    model = sapwood.load(booster)
    assert model.feature_names == ["x", "colour", "size", "y"]

    def check(df):
        dm = xgb.DMatrix(df, enable_categorical=True)
        assert np.array_equal(model.predict_raw(df), booster.predict(dm, output_margin=True))

    check(frame)
    shuffled = frame[["y", "size", "x", "colour"]]  # columns are selected by name
    assert np.array_equal(model.predict_raw(shuffled), model.predict_raw(frame))
    reordered = frame.copy()
    reordered["colour"] = reordered["colour"].cat.reorder_categories(["gold", "pink", "cyan", "blue", "green", "red"])
    reordered["size"] = reordered["size"].cat.reorder_categories([3, 5, 7, 11, 100])
    check(reordered)
    subset = frame.iloc[:20].copy()
    subset["colour"] = subset["colour"].astype(str).replace("nan", np.nan).astype("category")
    check(subset)

    # numpy input is taken as codes, including invalid ones (negative, fractional, >= 2^24).
    codes = np.c_[frame.x, frame.colour.cat.codes.replace(-1, np.nan), frame["size"].cat.codes, frame.y]
    odd = np.tile(codes[:16], (1, 1)).astype(np.float64)
    odd[:, 1] = [-1, -0.5, -0.0, 0, 0.5, 1, 1.5, 2, 2.9999, 5, 6, 2**24 - 1, 2**24, 1e9, np.nan, 3]
    odd[:, 2] = [4, 3.5, -2, 0, 1, 2, 7, 2**31, np.nan, 1, 2, 3, 4, 0, 1, 2]
    for probe in (codes, odd):
        expected = booster.predict(xgb.DMatrix(probe), output_margin=True, validate_features=False)
        assert np.array_equal(model.predict_raw(probe), expected)


def test_categorical_unseen_category_raises(categorical_frame):
    frame, target = categorical_frame
    booster = xgb.train({"max_depth": 3, "nthread": 1}, xgb.DMatrix(frame, target, enable_categorical=True), 2)
    model = sapwood.load(booster)
    unseen = frame.iloc[:3].copy()
    unseen["colour"] = pd.Categorical(["red", "mauve", "blue"])
    with pytest.raises(ValueError, match="mauve"):
        model.predict(unseen)


# ------------------------------------------------------------------ inputs, files and objects


def test_input_layouts(data):
    X, z = data
    booster = _train({"objective": "binary:logistic"}, X, (z > 0).astype(float))
    model = sapwood.load(booster)
    probes = _probes(booster, X)
    expected = booster.predict(xgb.DMatrix(probes), output_margin=True)
    for name, array in layouts(probes):
        # float32 input is what XGBoost sees anyway: the same margins for every layout.
        assert np.array_equal(model.predict_raw(array), expected), name


def test_files_bytes_and_format_detection(tmp_path, data):
    X, z = data
    booster = _train({"objective": "multi:softprob", "num_class": 3}, X, _classes(z, 3).astype(float))
    expected = booster.predict(xgb.DMatrix(X), output_margin=True)
    json_path, ubj_path = tmp_path / "model.json", tmp_path / "model.ubj"
    booster.save_model(json_path)
    booster.save_model(ubj_path)
    odd_name = tmp_path / "model.bin"
    odd_name.write_bytes(ubj_path.read_bytes())
    sources = [json_path, str(ubj_path), odd_name, json_path.read_bytes(), bytes(booster.save_raw("ubj")),
               bytearray(booster.save_raw("json"))]
    for source in sources:
        model = sapwood.load(source)
        assert model.source == "xgboost.Booster"
        assert np.array_equal(model.predict_raw(X), expected), type(source)
    model = sapwood.load(json_path, iteration_range=(1, 3))
    assert np.array_equal(model.predict_raw(X), booster.predict(xgb.DMatrix(X), output_margin=True,
                                                                 iteration_range=(1, 3)))


def test_loading_a_file_needs_no_xgboost(tmp_path, data):
    X, z = data
    booster = _train({"objective": "binary:logistic"}, X, (z > 0).astype(float))
    path = tmp_path / "model.ubj"
    booster.save_model(path)
    np.save(tmp_path / "X.npy", X)
    script = (
        "import sys; sys.modules['xgboost'] = None\n"
        "import numpy as np, sapwood\n"
        f"model = sapwood.load({str(path)!r})\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, model.predict_raw(np.load({str(tmp_path / 'X.npy')!r})))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    expected = booster.predict(xgb.DMatrix(X), output_margin=True)
    assert np.array_equal(np.load(tmp_path / "out.npy"), expected)


def test_feature_names(data):
    X, z = data
    names = [f"f_{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    booster = xgb.train({"max_depth": 3, "nthread": 1}, xgb.DMatrix(frame, z), ROUNDS)
    model = sapwood.load(booster)
    assert model.feature_names == names
    expected = booster.predict(xgb.DMatrix(frame), output_margin=True)
    assert np.array_equal(model.predict_raw(frame), expected)
    assert np.array_equal(model.predict_raw(frame[names[::-1]]), expected)  # selected by name
    with pytest.raises(ValueError, match="f_2"):
        model.predict(frame.drop(columns=["f_2"]))


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("wrapper", ["XGBClassifier", "XGBRFClassifier"])
def test_classifier_wrappers(wrapper, n_classes, data):
    X, z = data
    y = _classes(z, n_classes)
    estimator = getattr(xgb, wrapper)(n_estimators=ROUNDS, max_depth=3, n_jobs=1).fit(X, y)
    model = sapwood.load(estimator)
    probes = _probes(estimator.get_booster(), X)
    assert model.is_classifier and list(model.classes_) == list(estimator.classes_)
    assert np.array_equal(model.predict(probes), estimator.predict(probes))
    proba = estimator.predict_proba(probes)
    assert model.predict_proba(probes).shape == proba.shape
    np.testing.assert_allclose(model.predict_proba(probes), proba, rtol=RTOL, atol=ATOL)
    assert np.array_equal(model.predict_raw(probes), estimator.predict(probes, output_margin=True))


def test_softmax_classifier_wrapper(data):
    X, z = data
    estimator = xgb.XGBClassifier(n_estimators=ROUNDS, max_depth=3, objective="multi:softmax", n_jobs=1)
    estimator.fit(X, _classes(z, 3))
    model = sapwood.load(estimator)
    assert np.array_equal(model.predict(X), estimator.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), estimator.predict_proba(X), rtol=RTOL, atol=ATOL)
    booster_model = sapwood.load(estimator.get_booster())  # Booster.predict: the class index
    assert np.array_equal(booster_model.predict(X), estimator.get_booster().predict(xgb.DMatrix(X)))


@pytest.mark.parametrize("wrapper", ["XGBRegressor", "XGBRFRegressor", "XGBRanker"])
def test_regressor_wrappers(wrapper, data):
    X, z = data
    kwargs = {"n_estimators": ROUNDS, "max_depth": 3, "n_jobs": 1}
    if wrapper == "XGBRanker":
        estimator = xgb.XGBRanker(**kwargs).fit(X, _classes(z, 4), qid=np.repeat([0, 1, 2], 100))
    else:
        estimator = getattr(xgb, wrapper)(**kwargs).fit(X, z)
    model = sapwood.load(estimator)
    assert model.source == f"xgboost.{wrapper}"
    probes = _probes(estimator.get_booster(), X)
    expected = estimator.predict(probes)
    assert model.predict(probes).shape == expected.shape
    assert np.array_equal(model.predict(probes), expected.astype(np.float64))


def test_wrapper_uses_best_iteration(data):
    X, z = data
    estimator = xgb.XGBClassifier(n_estimators=60, max_depth=3, learning_rate=0.5, early_stopping_rounds=2,
                                  n_jobs=1)
    y = (z > 0).astype(int)
    estimator.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])], verbose=False)
    assert estimator.best_iteration + 1 < estimator.get_booster().num_boosted_rounds()
    model = sapwood.load(estimator)
    assert np.array_equal(model.predict_raw(X), estimator.predict(X, output_margin=True))
    np.testing.assert_allclose(model.predict_proba(X), estimator.predict_proba(X), rtol=RTOL, atol=ATOL)
    # A Booster ignores best_iteration, and so does a model loaded from it.
    booster = estimator.get_booster()
    assert np.array_equal(sapwood.load(booster).predict_raw(X), booster.predict(xgb.DMatrix(X), output_margin=True))
    everything = sapwood.load(estimator, iteration_range=(0, booster.num_boosted_rounds()))
    assert np.array_equal(everything.predict_raw(X), booster.predict(xgb.DMatrix(X), output_margin=True))


def test_iteration_range_at_predict_time(data):
    # Booster.predict(iteration_range=...) and the wrappers' predict/predict_proba take it per
    # call, relative to every round of the booster (the wrapper's default is best_iteration).
    X, z = data
    booster = _train({"objective": "multi:softprob", "num_class": 3, "num_parallel_tree": 2,
                      "subsample": 0.7}, X, _classes(z, 3).astype(float), rounds=5)
    model = sapwood.load(booster)
    dmatrix = xgb.DMatrix(X)
    for iteration_range in [(0, 5), (1, 3), (2, 5), (4, 5), (0, 1), (2, 0), (0, 0)]:
        margin = booster.predict(dmatrix, output_margin=True, iteration_range=iteration_range)
        assert np.array_equal(model.predict_raw(X, iteration_range=iteration_range), margin.astype(np.float64))
        np.testing.assert_allclose(model.predict(X, iteration_range=iteration_range),
                                   booster.predict(dmatrix, iteration_range=iteration_range), rtol=RTOL, atol=ATOL)
        if iteration_range[0] == 0:
            assert np.array_equal(model.predict_leaf(X, iteration_range=iteration_range),
                                  booster.predict(dmatrix, pred_leaf=True, iteration_range=iteration_range))
    # The model as loaded is unchanged by those calls; XGBoost's own refusals hold.
    assert np.array_equal(model.predict_raw(X), booster.predict(dmatrix, output_margin=True))
    with pytest.raises(ValueError):
        model.predict(X, iteration_range=(0, 6))
    with pytest.raises(ValueError, match="starts at 0"):
        model.predict_leaf(X, iteration_range=(1, 3))
    with pytest.raises(TypeError, match="num_iteration"):
        model.predict(X, num_iteration=2)

    estimator = xgb.XGBClassifier(n_estimators=60, max_depth=3, learning_rate=0.5, early_stopping_rounds=2,
                                  n_jobs=1)
    y = (z > 0).astype(int)
    estimator.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])], verbose=False)
    rounds = estimator.get_booster().num_boosted_rounds()
    assert estimator.best_iteration + 1 < rounds
    wrapped = sapwood.load(estimator)
    for iteration_range in [(0, rounds), (1, rounds - 1), (0, 2), (3, 0), None]:
        np.testing.assert_allclose(wrapped.predict_proba(X, iteration_range=iteration_range),
                                   estimator.predict_proba(X, iteration_range=iteration_range), rtol=RTOL, atol=ATOL)
        assert np.array_equal(wrapped.predict(X, iteration_range=iteration_range),
                              estimator.predict(X, iteration_range=iteration_range))
        assert np.array_equal(wrapped.predict_raw(X, iteration_range=iteration_range),
                              estimator.predict(X, output_margin=True, iteration_range=iteration_range))
    # After sapwood's own file, the rounds it holds are the ones to select from.
    again = sapwood.load(wrapped.to_bytes())
    np.testing.assert_allclose(again.predict_proba(X, iteration_range=(0, 2)),
                               estimator.predict_proba(X, iteration_range=(0, 2)), rtol=RTOL, atol=ATOL)


def test_unsupported_wrapper_settings(data):
    X, z = data
    estimator = xgb.XGBRegressor(n_estimators=2, missing=0.0).fit(X, z)
    with pytest.raises(sapwood.SapwoodError, match="missing"):
        sapwood.load(estimator)


# ------------------------------------------------------------------ broken and unknown files


@pytest.fixture(scope="module")
def small_document(data):
    X, z = data
    booster = _train({"objective": "binary:logistic"}, X, (z > 0).astype(float), rounds=2)
    return booster, _document(booster)


def _load_document(document):
    return sapwood.load(json.dumps(document).encode())


def test_truncated_and_corrupt_files(small_document):
    booster, _ = small_document
    for raw in (bytes(booster.save_raw("json")), bytes(booster.save_raw("ubj"))):
        for cut in (1, len(raw) // 3, len(raw) // 2, len(raw) - 1):
            with pytest.raises(sapwood.SapwoodError):
                sapwood.load(raw[:cut])
    garbage = bytearray(booster.save_raw("ubj"))
    garbage[len(garbage) // 2:len(garbage) // 2 + 8] = b"\xff" * 8
    with pytest.raises(sapwood.SapwoodError):
        sapwood.load(bytes(garbage))
    with pytest.raises(sapwood.SapwoodError, match="learner"):
        sapwood.load(b'{"version": [3, 2, 0]}')


def _edited(document, edit):
    copy = json.loads(json.dumps(document))
    edit(copy)
    return copy


def _tree0(document):
    return document["learner"]["gradient_booster"]["model"]["trees"][0]


def test_unreachable_nodes_are_ignored(small_document, data):
    """XGBoost keeps pruned (deleted) nodes in its arrays; nothing reaches them, so their
    contents, however odd, must not matter."""
    booster, document = small_document
    X, _ = data

    def add_node(d):
        tree = _tree0(d)
        tree["tree_param"]["num_nodes"] = str(int(tree["tree_param"]["num_nodes"]) + 1)
        extra = {"left_children": 0, "right_children": 0, "split_indices": 999, "split_conditions": 1.0,
                 "default_left": 1, "split_type": 0, "parents": 0, "base_weights": 0.0, "loss_changes": 0.0,
                 "sum_hessian": 0.0}
        for key, value in extra.items():
            tree[key].append(value)

    model = _load_document(_edited(document, add_node))
    assert np.array_equal(model.predict_raw(X), booster.predict(xgb.DMatrix(X), output_margin=True))


def test_older_document_layout(small_document, data):
    """The fields XGBoost 1.x/2.x wrote differently: a scalar base_score string, boolean
    default_left, size_leaf_vector "0", no split_type, num_target, iteration_indptr or cats.
    (Only the layout is checked here; the installed xgboost writes 3.x models.)"""
    booster, document = small_document
    X, _ = data

    def downgrade(d):
        d["version"] = [1, 7, 6]
        param = d["learner"]["learner_model_param"]
        param["base_score"] = param["base_score"].strip("[]")
        del param["num_target"]
        model = d["learner"]["gradient_booster"]["model"]
        del model["iteration_indptr"], model["cats"]
        for tree in model["trees"]:
            tree["default_left"] = [bool(v) for v in tree["default_left"]]
            tree["tree_param"]["size_leaf_vector"] = "0"
            for key in ("split_type", "categories", "categories_nodes", "categories_segments", "categories_sizes"):
                del tree[key]

    model = _load_document(_edited(document, downgrade))
    assert np.array_equal(model.predict_raw(X), booster.predict(xgb.DMatrix(X), output_margin=True))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["learner"]["objective"].update(name="reg:unknown"), "objective 'reg:unknown'"),
        (lambda d: d["learner"]["gradient_booster"].update(name="gbforest"), "booster 'gbforest'"),
        (lambda d: d.update(version=[4, 0, 0]), "XGBoost 4.0.0"),
        (lambda d: _tree0(d)["left_children"].__setitem__(0, 99), "child 99"),
        (lambda d: _tree0(d)["right_children"].__setitem__(0, 0), "reached twice"),
        (lambda d: _tree0(d)["split_indices"].__setitem__(0, 5), "feature 5"),
        (lambda d: _tree0(d)["split_conditions"].pop(), "split_conditions"),
        (lambda d: _tree0(d)["tree_param"].update(num_nodes="x"), "num_nodes"),
        (lambda d: d["learner"]["learner_model_param"].update(base_score="[1.5E0]"), "base_score"),
        (lambda d: d["learner"]["learner_model_param"].update(base_score="[1E-1,2E-1]"), "base_score"),
        (lambda d: d["learner"]["gradient_booster"]["model"]["tree_info"].__setitem__(0, 3), "tree_info"),
        (lambda d: d["learner"]["gradient_booster"]["model"]["trees"][1].update(id=0), "id 0"),
        (lambda d: _tree0(d).update(split_type=[1] + _tree0(d)["split_type"][1:], categories_nodes=[0],
                                    categories_segments=[0], categories_sizes=[4], categories=[1, 2]),
         "outside"),
    ],
)
def test_invalid_documents_are_refused(small_document, edit, message):
    _, document = small_document
    _load_document(document)  # the unedited document loads
    with pytest.raises(sapwood.SapwoodError, match=message):
        _load_document(_edited(document, edit))
