"""Every kernel level against the reference: the same models as the parity suites (scikit-learn
trees, forests, GradientBoosting, HistGradientBoosting, IsolationForest and linear models,
XGBoost and LightGBM), predicted under each level this CPU supports ("scalar" is the
reference walk over the IR, "portable", "avx2" and "avx512" run the compiled layouts). Tree
margins must be bit-identical to the reference on probes that sit on every split threshold and
its float32/float64 neighbours, with NaN, infinities and zeros, in float32 and float64, C and
Fortran order, and at row counts that leave partial vector groups and blocks. Each compiled
level runs three times: walking the trees, walking them with the level's gather kernels, and
scoring them in QuickScorer form (by groups of rows on the vector levels) where the model has it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import sapwood
from sapwood import _core
from conftest import make_classification, make_regression, probe_matrix, sklearn_tree_thresholds

LEVELS = sapwood.runtime_info()["isa_supported"]
ROW_COUNTS = (1, 3, 17, 129, 300)


@pytest.fixture(autouse=True)
def _restore_isa():
    yield
    _core._set_isa("")
    _core._set_traversal("")


def _inputs(X):
    """The probe in every dtype and layout the kernels read differently."""
    X = np.asarray(X, dtype=np.float64)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300, 1e-40, 3.4e38])
    rng = np.random.default_rng(0)
    extra = X[rng.integers(0, len(X), size=len(specials) * 2)].copy()
    for i, value in enumerate(np.concatenate([specials, specials])):
        extra[i, rng.integers(0, X.shape[1], size=max(1, X.shape[1] // 2))] = value
    X = np.vstack([X, extra])
    yield X
    with np.errstate(over="ignore"):  # 1e300 becomes inf in float32, as the kernels round it too
        yield X.astype(np.float32)
    yield np.asfortranarray(X)
    yield X[::-1][:, ::-1][:, ::-1]  # negative row stride
    for n in ROW_COUNTS:
        yield X[:n]


def _margins_per_level(model, X):
    """Margins under each level; the compiled levels under each traversal (a forest without
    the QuickScorer form walks either way)."""
    out = {}
    for level in LEVELS:
        _core._set_isa(level)
        for traversal in ("walk", "gather", "quickscorer") if level != "scalar" else ("auto",):
            _core._set_traversal(traversal)
            out[level if level == "scalar" else f"{level}/{traversal}"] = model.predict_raw(X)
    _core._set_isa("")
    _core._set_traversal("")
    return out


def _assert_levels_identical(model, probe):
    for X in _inputs(probe):
        margins = _margins_per_level(model, X)
        reference = margins["scalar"]
        for level, got in margins.items():
            assert np.array_equal(got, reference, equal_nan=True), (level, X.dtype, X.shape)


def _assert_levels_close(model, probe):
    for X in _inputs(probe):
        margins = _margins_per_level(model, X)
        finite = np.all(np.isfinite(np.asarray(X, dtype=np.float64)), axis=1)
        for level, got in margins.items():
            np.testing.assert_allclose(got[finite], margins["scalar"][finite], rtol=1e-12, atol=1e-12,
                                       err_msg=level)


def test_levels_are_reported_and_forceable():
    info = sapwood.runtime_info()
    assert info["isa_compiled"][:2] == ["scalar", "portable"]
    assert set(info["isa_supported"]) <= set(info["isa_compiled"])
    for level in LEVELS:
        _core._set_isa(level)
        assert sapwood.runtime_info()["isa_active"] == level
    with pytest.raises(ValueError, match="unknown instruction set"):
        _core._set_isa("sse9")


def test_environment_variable_selects_and_caps_the_level():
    code = "import sapwood; print(sapwood.runtime_info()['isa_active'])"
    env = {k: v for k, v in os.environ.items() if k != "SAPWOOD_ISA"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == LEVELS[-1]  # the best level the CPU has is the default
    for requested, expected in [("scalar", "scalar"), ("portable", "portable"), ("avx512", LEVELS[-1])]:
        env = dict(os.environ, SAPWOOD_ISA=requested)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        if requested in LEVELS or requested == "avx512":
            assert out.stdout.strip() == (expected if requested != "avx512" else LEVELS[-1])


def test_traversal_is_reported_forceable_and_read_from_the_environment():
    assert sapwood.runtime_info()["traversal"] == "auto"
    for name in ("walk", "gather", "quickscorer", "auto"):
        _core._set_traversal(name)
        assert sapwood.runtime_info()["traversal"] == name
    with pytest.raises(ValueError, match="unknown traversal"):
        _core._set_traversal("sideways")
    code = "import sapwood; print(sapwood.runtime_info()['traversal'])"
    for requested, expected in [("walk", "walk"), ("gather", "gather"), ("quickscorer", "quickscorer"),
                                ("bogus", "auto")]:
        env = dict(os.environ, SAPWOOD_TRAVERSAL=requested)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


def test_quickscorer_and_walk_agree_with_lightgbm_on_small_lopsided_trees():
    # The sapwood.causal learners' shape (15 leaves, few features), where auto picks QuickScorer:
    # each traversal must give LightGBM's own margins, NaN included, for a batch and single rows.
    lightgbm = pytest.importorskip("lightgbm")
    X, y = make_regression(2000, 6, seed=3)
    X[::5, 2] = np.nan
    booster = lightgbm.train({"objective": "regression", "num_leaves": 15, "verbose": -1, "seed": 0},
                             lightgbm.Dataset(X, y), num_boost_round=60)
    model = sapwood.load(booster)
    X_test, _ = make_regression(500, 6, seed=4)
    X_test[::3, 4] = np.nan
    expected = booster.predict(X_test, raw_score=True)
    for traversal in ("walk", "gather", "quickscorer", "auto"):
        _core._set_traversal(traversal)
        assert np.array_equal(model.predict_raw(X_test), expected), traversal
        for i in range(5):
            assert np.array_equal(model.predict_raw(X_test[i:i + 1]), expected[i:i + 1]), traversal


# ------------------------------------------------------------------ scikit-learn


def _sklearn_probe(estimator, X):
    members = getattr(estimator, "estimators_", None)
    members = [estimator] if members is None else list(np.ravel(members))
    features, thresholds = sklearn_tree_thresholds([member.tree_ for member in members])
    return probe_matrix(X, features, thresholds, with_nan=True, limit=300)


SKLEARN_TREES = [
    ("DecisionTreeRegressor", "reg", dict(max_depth=8, random_state=0)),
    ("DecisionTreeClassifier", "clf", dict(max_depth=8, random_state=0)),
    ("ExtraTreeRegressor", "reg", dict(max_depth=12, random_state=0)),
    ("RandomForestRegressor", "reg", dict(n_estimators=10, max_depth=10, random_state=0)),
    ("RandomForestClassifier", "clf", dict(n_estimators=10, random_state=0)),
    ("ExtraTreesClassifier", "clf", dict(n_estimators=10, min_samples_leaf=3, random_state=0)),
    ("GradientBoostingRegressor", "reg", dict(n_estimators=20, max_depth=4, random_state=0)),
    ("GradientBoostingClassifier", "clf", dict(n_estimators=10, random_state=0)),
]


@pytest.mark.parametrize("name,kind,params", SKLEARN_TREES, ids=[c[0] for c in SKLEARN_TREES])
def test_sklearn_trees(name, kind, params):
    from sklearn import ensemble, tree

    cls = getattr(tree, name, None) or getattr(ensemble, name)
    nan = 0.05 if not name.startswith("GradientBoosting") else 0.0
    X, y = make_regression(seed=1, nan_fraction=nan) if kind == "reg" else make_classification(seed=1, nan_fraction=nan)
    estimator = cls(**params).fit(X, y)
    model = sapwood.load(estimator)
    _assert_levels_identical(model, _sklearn_probe(estimator, X))


def test_sklearn_isolation_forest():
    from sklearn.ensemble import IsolationForest

    X, _ = make_regression(seed=2)
    estimator = IsolationForest(n_estimators=20, max_features=0.6, random_state=0).fit(X)
    _assert_levels_identical(sapwood.load(estimator), X)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sklearn_hist_gradient_boosting_with_nan(n_classes):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = make_classification(n_classes=n_classes, seed=3, nan_fraction=0.1)
    estimator = HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(X, y)
    thresholds = [(p["feature_idx"], p["num_threshold"]) for predictors in estimator._predictors
                  for predictor in predictors for p in predictor.nodes if not p["is_leaf"]]
    _assert_levels_identical(sapwood.load(estimator),
                             probe_matrix(X, *zip(*thresholds), with_nan=True, limit=300))


def test_sklearn_hist_gradient_boosting_categorical():
    pd = pytest.importorskip("pandas")
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.normal(size=400), "c": pd.Categorical(rng.integers(0, 6, size=400)),
                      "b": rng.normal(size=400)})
    y = X["a"] + X["c"].cat.codes.to_numpy() % 3
    estimator = HistGradientBoostingRegressor(max_iter=10, categorical_features="from_dtype").fit(X, y)
    model = sapwood.load(estimator)
    for level in LEVELS:
        _core._set_isa(level)
        assert np.array_equal(model.predict_raw(X), estimator.predict(X)), level


def test_sklearn_linear_models_agree_to_rounding():
    from sklearn.linear_model import LogisticRegression, Ridge

    X, y = make_classification(n_features=37, seed=5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    for estimator in (LogisticRegression(max_iter=500).fit(X, y), Ridge().fit(X, y.astype(float))):
        _assert_levels_close(sapwood.load(estimator), X)


# ------------------------------------------------------------------ XGBoost and LightGBM


def test_xgboost():
    xgb = pytest.importorskip("xgboost")
    X, y = make_classification(n_features=6, n_classes=3, seed=6, nan_fraction=0.05)
    for params in ({"objective": "binary:logistic", "max_depth": 5}, {"objective": "multi:softprob", "num_class": 3}):
        label = (y > 0).astype(int) if params["objective"].startswith("binary") else y
        booster = xgb.train({**params, "seed": 0, "nthread": 1}, xgb.DMatrix(X, label), num_boost_round=8)
        model = sapwood.load(booster)
        document_thresholds = []
        import json

        for tree in json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]:
            for node, left in enumerate(tree["left_children"]):
                if left != -1:
                    document_thresholds.append((tree["split_indices"][node], tree["split_conditions"][node]))
        probe = probe_matrix(X, *zip(*document_thresholds), with_nan=True, limit=300)
        _assert_levels_identical(model, probe)
        margin = booster.predict(xgb.DMatrix(probe), output_margin=True)
        assert np.array_equal(model.predict_raw(probe).reshape(margin.shape), margin)


LIGHTGBM_CASES = [
    {},                                               # missing type NaN
    {"use_missing": False},                           # NaN compared as zero
    {"zero_as_missing": True},                        # zero is missing: reference fallback
    {"linear_tree": True},                            # linear leaves: reference engine
]


@pytest.mark.parametrize("params", LIGHTGBM_CASES, ids=["nan", "no-missing", "zero-missing", "linear"])
def test_lightgbm(params):
    lgb = pytest.importorskip("lightgbm")
    X, y = make_regression(n_features=5, seed=7, nan_fraction=0.05)
    X[::7, 3] = 0.0
    booster = lgb.train({"verbose": -1, "num_leaves": 15, "min_data_in_leaf": 5, "seed": 0, "num_threads": 1, **params},
                        lgb.Dataset(X, y), num_boost_round=10)
    thresholds = []
    for tree in booster.dump_model()["tree_info"]:
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" in node:
                thresholds.append((node["split_feature"], float(node["threshold"])))
                stack += [node["left_child"], node["right_child"]]
    probe = probe_matrix(X, *zip(*thresholds), with_nan=True, limit=300)
    probe[::5, 0] = 1e-36  # below LightGBM's zero threshold
    model = sapwood.load(booster)
    _assert_levels_identical(model, probe)
    assert np.array_equal(model.predict_raw(probe), booster.predict(probe, raw_score=True))


def test_lightgbm_categorical_mixes_compiled_and_reference_trees():
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(8)
    X = np.column_stack([rng.normal(size=600), rng.integers(0, 8, size=600).astype(float), rng.normal(size=600)])
    y = X[:, 0] + (X[:, 1] % 3 == 0) + 0.1 * rng.normal(size=600)
    booster = lgb.train({"verbose": -1, "num_leaves": 7, "min_data_in_leaf": 5, "seed": 0, "num_threads": 1},
                        lgb.Dataset(X, y, categorical_feature=[1]), num_boost_round=12)
    probe = np.vstack([X, [[0.0, c, 0.0] for c in (-1, -0.5, 0, 0.5, 3, 7, 8, 1e10, np.nan)]])
    model = sapwood.load(booster)
    _assert_levels_identical(model, probe)
    assert np.array_equal(model.predict_raw(probe), booster.predict(probe, raw_score=True))


NO_AVX2_SCRIPT = r"""
import numpy as np, sapwood
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
info = sapwood.runtime_info()
assert info["isa_supported"] == ["scalar", "portable"], info
assert info["isa_active"] == "portable", info
rng = np.random.default_rng(0)
X = rng.normal(size=(300, 8))
X[::7, 2] = np.nan
y = np.nan_to_num(X[:, 0]) + X[:, 1] ** 2
forest = RandomForestRegressor(20, max_depth=8, random_state=0).fit(X, y)
linear = LogisticRegression().fit(np.nan_to_num(X), y > 1)
for rows in (X, X.astype(np.float32)):
    assert np.array_equal(sapwood.load(forest).predict(rows), forest.predict(rows))
np.testing.assert_allclose(sapwood.load(linear).predict_proba(np.nan_to_num(X)),
                           linear.predict_proba(np.nan_to_num(X)), rtol=1e-12, atol=1e-12)
print("ok")
"""


def test_the_build_runs_on_a_cpu_without_avx2():
    # The default build (no -march=native; ISA flags only on the per-ISA files) must run on
    # an x86-64 CPU without AVX/AVX2, detect it and predict exactly on the portable level:
    # the same interpreter and installed module, on an emulated Westmere CPU (SSE4.2).
    import platform
    import shutil

    qemu = shutil.which("qemu-x86_64")
    if platform.machine() != "x86_64" or qemu is None:
        pytest.skip("needs qemu-x86_64 (Debian package qemu-user) on an x86-64 host")
    out = subprocess.run([qemu, "-cpu", "Westmere", os.path.realpath(sys.executable), "-c", NO_AVX2_SCRIPT],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
