"""sapwood.dask.predict on a real distributed.LocalCluster with two worker processes: exactly
the in-process predictions, with the right meta, and the model one node of the graph that
every partition task depends on (so it is shipped once per worker, not once per task)."""

from __future__ import annotations

import numpy as np
import pytest

import sapwood

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
ensemble = pytest.importorskip("sklearn.ensemble")

import sapwood.dask  # noqa: E402  (needs dask, skipped above when it is absent)

NAMES = ["a", "b", "c", "d", "e"]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 5))
    X[rng.random(X.shape) < 0.05] = np.nan
    labels = np.array(["cat", "dog", "eel"])[np.digitize(np.nan_to_num(X[:, 0]), [-0.4, 0.4])]
    estimator = ensemble.RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0)
    estimator.fit(pd.DataFrame(X, columns=NAMES), labels)
    return X, sapwood.load(estimator)


def test_dataframe_predict_and_proba(client, fitted):
    X, model = fitted
    frame = pd.DataFrame(X, columns=NAMES)[NAMES[::-1]]  # any column order
    data = dd.from_pandas(frame, npartitions=12)
    labels = sapwood.dask.predict(model, data)
    assert labels.name == "prediction" and labels.npartitions == 12
    result = labels.compute()
    assert result.dtype == labels.dtype
    np.testing.assert_array_equal(result.to_numpy(), model.predict(X))
    assert result.index.equals(frame.index)

    proba = sapwood.dask.predict(model, data, output="proba")
    assert list(proba.columns) == ["proba_cat", "proba_dog", "proba_eel"]
    assert all(dtype == np.float64 for dtype in proba.dtypes)
    np.testing.assert_array_equal(proba.compute().to_numpy(), model.predict_proba(X))

    leaves = sapwood.dask.predict(model, data, output="leaf")
    assert list(leaves.columns) == [f"leaf_{t}" for t in range(model.summary()["n_trees"])]
    np.testing.assert_array_equal(leaves.compute().to_numpy(), model.predict_leaf(X))


def test_model_is_one_node_of_the_graph(fitted):
    X, model = fitted
    data = dd.from_pandas(pd.DataFrame(X, columns=NAMES), npartitions=6)
    graph = dict(sapwood.dask.predict(model, data, output="raw").__dask_graph__())
    holders = [key for key, node in graph.items() if getattr(node, "value", None) is model]
    assert len(holders) == 1
    users = [node for node in graph.values() if holders[0] in getattr(node, "dependencies", ())]
    assert len(users) == 6


def test_columns_argument_maps_other_names(client, fitted):
    X, model = fitted
    other = [f"x{i}" for i in range(5)]
    data = dd.from_pandas(pd.DataFrame(X, columns=other).assign(extra=1.0), npartitions=3)
    raw = sapwood.dask.predict(model, data, output="raw", columns=other)
    np.testing.assert_array_equal(raw.compute().to_numpy(), model.predict_raw(X))


def test_arrays(client, fitted):
    X, model = fitted
    array = da.from_array(X, chunks=(700, 2))  # column chunks are joined: a task needs whole rows
    labels = sapwood.dask.predict(model, array)
    assert labels.ndim == 1 and labels.chunks[0] == array.chunks[0]
    np.testing.assert_array_equal(labels.compute(), model.predict(X))
    proba = sapwood.dask.predict(model, array, output="proba")
    assert proba.shape == (3000, 3) and proba.dtype == np.float64
    np.testing.assert_array_equal(proba.compute(), model.predict_proba(X))
    with pytest.raises(ValueError, match="expects 5 features"):
        sapwood.dask.predict(model, array[:, :4])
