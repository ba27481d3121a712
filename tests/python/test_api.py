"""The public surface: load(), Model attributes, errors that name the problem, pickling."""

from __future__ import annotations

import io
import pickle
from contextlib import redirect_stdout

import numpy as np
import pytest
from conftest import make_classification, make_regression

import sapwood
from sapwood import _ir

ensemble = pytest.importorskip("sklearn.ensemble")
linear_model = pytest.importorskip("sklearn.linear_model")


@pytest.fixture(scope="module")
def forest_classifier():
    X, y = make_classification()
    return X, ensemble.RandomForestClassifier(n_estimators=6, max_depth=5, random_state=0).fit(X, y)


def test_public_names():
    assert set(sapwood.__all__) == {"Model", "SapwoodError", "__version__", "load", "runtime_info", "show_config"}
    assert all(not name.startswith("_") or name == "__version__" for name in dir(sapwood))


def test_version_matches_the_installed_distribution():
    from importlib.metadata import version

    assert sapwood.__version__ == version("sapwood")


def test_show_config_and_runtime_info():
    info = sapwood.runtime_info()
    assert info["version"] == sapwood.__version__
    assert "scalar" in info["isa_compiled"] and info["isa_active"] in info["isa_supported"]
    assert info["default_threads"] >= 1
    out = io.StringIO()
    with redirect_stdout(out):
        sapwood.show_config()
    text = out.getvalue()
    assert "Threads:" in text and "SIMD active" in text and sapwood.__version__ in text


def test_model_properties_and_repr(forest_classifier):
    X, estimator = forest_classifier
    model = sapwood.load(estimator)
    assert isinstance(model, sapwood.Model)
    assert model.n_features == X.shape[1]
    assert model.n_outputs == 3
    assert list(model.classes_) == [0, 1, 2]
    assert model.is_classifier
    assert model.source == "sklearn.ensemble.RandomForestClassifier"
    assert model.feature_names is None
    summary = model.summary()
    assert summary["n_trees"] == 6
    assert summary["n_nodes"] == sum(e.tree_.node_count for e in estimator.estimators_)
    assert summary["max_depth"] == max(e.tree_.max_depth for e in estimator.estimators_)
    text = repr(model)
    for part in ("RandomForestClassifier", "forest", "6 trees", f"{summary['n_nodes']:,} nodes", "6 features", "3 outputs"):
        assert part in text
    assert "_core" not in text


def test_regressor_has_no_classes_or_probabilities():
    X, y = make_regression()
    model = sapwood.load(linear_model.Ridge().fit(X, y))
    with pytest.raises(AttributeError):
        model.classes_
    with pytest.raises(AttributeError):
        model.predict_proba(X)
    with pytest.raises(AttributeError):
        model.score_samples(X)
    assert "linear" in repr(model)


def test_unfitted_estimator_is_named():
    with pytest.raises(ValueError, match="RandomForestRegressor is not fitted"):
        sapwood.load(ensemble.RandomForestRegressor())


def test_unsupported_estimators_are_named():
    from sklearn.neighbors import KNeighborsRegressor

    X, y = make_regression()
    with pytest.raises(TypeError, match="KNeighborsRegressor"):
        sapwood.load(KNeighborsRegressor().fit(X, y))
    with pytest.raises(TypeError, match="builtins.dict"):
        sapwood.load({})
    with pytest.raises(TypeError, match="unexpected options: colour"):
        sapwood.load(linear_model.Ridge().fit(X, y), colour="red")


def test_subclasses_are_not_guessed():
    class MyForest(ensemble.RandomForestRegressor):
        pass

    X, y = make_regression()
    with pytest.raises(TypeError, match="MyForest"):
        sapwood.load(MyForest(n_estimators=2).fit(X, y))


def test_feature_names_come_from_the_estimator():
    pd = pytest.importorskip("pandas")
    X, y = make_regression()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = sapwood.load(ensemble.RandomForestRegressor(n_estimators=3, random_state=0).fit(frame, y))
    assert model.feature_names == [f"f{i}" for i in range(X.shape[1])]


@pytest.mark.parametrize("kind", ["forest", "linear", "hist-categorical", "isolation"])
def test_pickle_round_trip(kind):
    X, y = make_classification()
    if kind == "forest":
        estimator = ensemble.RandomForestClassifier(n_estimators=4, random_state=0).fit(X, y)
        data = X
    elif kind == "linear":
        estimator = linear_model.LogisticRegression(max_iter=300).fit(X, y)
        data = X
    elif kind == "isolation":
        estimator = ensemble.IsolationForest(n_estimators=5, random_state=0).fit(X)
        data = X
    else:
        pd = pytest.importorskip("pandas")
        data = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(np.array(list("xyz"))[y])})
        estimator = ensemble.HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype").fit(data, y)
    model = sapwood.load(estimator)
    clone = pickle.loads(pickle.dumps(model))
    assert repr(clone) == repr(model)
    np.testing.assert_array_equal(clone.predict(data), model.predict(data))
    np.testing.assert_array_equal(clone.predict_raw(data), model.predict_raw(data))


def _stump(left_child, right_child, feature=(0, 0, 0)):
    forest = _ir.ForestArrays(n_features=2, n_outputs=1)
    forest.add_tree(np.array(left_child), np.array(right_child), np.array(feature), np.zeros(3),
                    np.zeros(3, dtype=np.uint8), np.zeros(3))
    return forest


@pytest.mark.parametrize("left,right,feature,message", [
    ([1, -1, -1], [5, -1, -1], (0, 0, 0), "has child 5, outside the tree's 3 nodes"),
    ([1, -1, -1], [1, -1, -1], (0, 0, 0), "reached twice"),
    ([1, -1, 0], [2, -1, 0], (0, 0, 0), "reached twice"),
    ([1, -1, -1], [2, -1, -1], (7, 0, 0), "splits on feature 7 but the model has 2 features"),
])
def test_invalid_models_raise_sapwood_error(left, right, feature, message):
    with pytest.raises(sapwood.SapwoodError, match=message):
        _stump(left, right, feature).build(input_precision=_ir.Precision.FLOAT64)
    assert issubclass(sapwood.SapwoodError, ValueError)
    assert sapwood.SapwoodError.__module__ == "sapwood"
